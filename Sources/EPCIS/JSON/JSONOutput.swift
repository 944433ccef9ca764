internal import GatewayCore

extension ChunkedOutput {
    /// Appends `text` as a JSON string literal.
    mutating func appendJSONString(_ text: String) {
        buffer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: buffer.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: buffer.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: buffer.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// Appends a JSON value, pretty-printed at `indent` spaces.
    mutating func appendJSON(_ value: JSONValue, indent: Int) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let lexical): append(lexical)
        case .string(let text): appendJSONString(text)
        case .array(let elements):
            guard !elements.isEmpty else { return append("[]") }
            append("[")
            for (offset, element) in elements.enumerated() {
                append(offset == 0 ? "\n" : ",\n")
                append(String(repeating: " ", count: indent + 2))
                appendJSON(element, indent: indent + 2)
            }
            append("\n" + String(repeating: " ", count: indent) + "]")
        case .object(let members):
            guard !members.isEmpty else { return append("{}") }
            append("{")
            for (offset, member) in members.enumerated() {
                append(offset == 0 ? "\n" : ",\n")
                append(String(repeating: " ", count: indent + 2))
                appendJSONString(member.key)
                append(": ")
                appendJSON(member.value, indent: indent + 2)
            }
            append("\n" + String(repeating: " ", count: indent) + "}")
        }
    }
}
