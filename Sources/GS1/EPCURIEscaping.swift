/// Percent-escaping of serials, lots and GLN extensions inside EPC URIs, exactly as the EPC Tag
/// Data Standard requires: of the GS1 82-character set only `"` `%` `&` `/` `<` `>` `?` are
/// escaped (`%22 %25 %26 %2F %3C %3E %3F`); every other character is written as itself.
public enum EPCURIEscaping {
    /// Escapes a value for an EPC URI. The value must already be validated against the
    /// 82-character set.
    public static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: needsEscape) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            if scalar.isASCII && needsEscape(UInt8(scalar.value)) {
                out += "%" + String(scalar.value, radix: 16, uppercase: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Decodes an escaped URI component.
    ///
    /// - Parameters:
    ///   - component: the text between the URI's dots.
    ///   - name: the field's name for messages.
    ///   - uri: the whole URI, for the error location.
    ///   - offset: where `component` starts in `uri`.
    /// - Throws: ``GS1Error/Code/invalidEscape`` for a malformed escape, an escape of a character
    ///   that must be written as itself, or one of the seven characters left unescaped.
    static func unescape(_ component: Substring, name: String, uri: String, offset: Int) throws -> String {
        var out = ""
        let bytes = Array(component.utf8)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2]) else {
                    throw GS1Error(
                        .invalidEscape, "\(name) has a '%' that does not start a two-digit hex escape", input: uri, offset: offset + i,
                        expected: "%22 %25 %26 %2F %3C %3E %3F for \" % & / < > ?, and every other character written as itself")
                }
                let decoded = high << 4 | low
                guard needsEscape(decoded) else {
                    let shown = (0x20..<0x7F).contains(decoded) ? "'\(Character(Unicode.Scalar(decoded)))'" : "byte 0x\(String(decoded, radix: 16))"
                    throw GS1Error(
                        .invalidEscape, "\(name) escapes \(shown), which the EPC Tag Data Standard requires to be written as itself",
                        input: uri, offset: offset + i, expected: "only \" % & / < > ? escaped (%22 %25 %26 %2F %3C %3E %3F)")
                }
                out.unicodeScalars.append(Unicode.Scalar(decoded))
                i += 3
                continue
            }
            if needsEscape(byte) {
                let hexForm = String(byte, radix: 16, uppercase: true)
                throw GS1Error(
                    .invalidEscape, "\(name) contains '\(Character(Unicode.Scalar(byte)))', which must be written %\(hexForm) in an EPC URI",
                    input: uri, offset: offset + i, expected: "%\(hexForm) in place of '\(Character(Unicode.Scalar(byte)))'")
            }
            out.unicodeScalars.append(Unicode.Scalar(byte))
            i += 1
        }
        // Bytes outside ASCII were copied one by one; rebuild from UTF-8 to keep the message honest.
        if bytes.contains(where: { $0 >= 0x80 }) {
            return String(decoding: component.utf8, as: UTF8.self)
        }
        return out
    }

    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x22, 0x25, 0x26, 0x2F, 0x3C, 0x3E, 0x3F: return true
        default: return false
        }
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
