/// A JSON value that keeps what EPCIS needs to round-trip exactly: member order and the lexical
/// form of numbers (`200.5` stays `200.5`, `26.0` stays `26.0`).
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// A number in its JSON lexical form.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([JSONMember])

    /// The member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string, if this is one.
    public var string: String? { if case .string(let value) = self { value } else { nil } }
    /// The members, if this is an object.
    public var members: [JSONMember]? { if case .object(let value) = self { value } else { nil } }
    /// The elements; a single non-array value counts as a one-element array.
    public var elements: [JSONValue] { if case .array(let value) = self { value } else { [self] } }

    /// A short name of the value's kind for messages.
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One member of a JSON object.
public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A strict JSON parser (RFC 8259) with bounded nesting and exact error positions. Pure.
///
/// Refuses invalid UTF-8, nesting deeper than ``maximumDepth``, and anything after the
/// top-level value. A key repeated in one object is accepted as JSON tools do (the last value
/// wins) and reported in ``duplicateKeys``, because the earlier value is lost.
public struct JSONParser {
    /// Deepest nesting accepted; EPCIS documents need well under 100.
    public static let maximumDepth = 256

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private var duplicates: [(key: String, location: String)] = []

    /// Parses a whole document.
    ///
    /// - Throws: ``JSONError`` (`malformed` with `line:column`, or `forbidden` for excessive
    ///   nesting).
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try parseReportingDuplicates(bytes).value
    }

    /// Parses a whole document and also returns every repeated key with its `line:column`.
    public static func parseReportingDuplicates(_ bytes: [UInt8]) throws -> (value: JSONValue, duplicateKeys: [(key: String, location: String)]) {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the end of the JSON document") }
        return (value, parser.duplicates)
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String, at position: Int? = nil, code: JSONError.Code = .malformed) -> JSONError {
        let position = min(position ?? index, bytes.count)
        var line = 1
        var lineStart = 0
        for offset in 0..<position where bytes[offset] == 0x0A {
            line += 1
            lineStart = offset + 1
        }
        let column = String(decoding: bytes[lineStart..<position], as: UTF8.self).count + 1
        return JSONError(code, message, location: "\(line):\(column)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func value() throws -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw error("the JSON document ends where a value was expected; the file looks truncated") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default:
            throw error("unexpected character '\(Unicode.Scalar(bytes[index]))' where a JSON value was expected")
        }
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("the JSON nests deeper than \(Self.maximumDepth) levels, which no EPCIS document needs", code: .forbidden)
        }
    }

    private mutating func object() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [JSONMember] = []
        var seen = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object([])
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("the JSON document ends inside an object; the file looks truncated") }
            guard bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted member name") }
            let keyStart = index
            let key = try string()
            let repeated = !seen.insert(key).inserted
            if repeated { duplicates.append((key, error("", at: keyStart).location)) }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after the member name \"\(key)\"") }
            index += 1
            let member = JSONMember(key, try value())
            if repeated, let earlier = members.firstIndex(where: { $0.key == key }) {
                members[earlier] = member
            } else {
                members.append(member)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("the JSON document ends inside an object; the file looks truncated") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw error("expected ',' or '}' after the member \"\(key)\"") }
            index += 1
            return .object(members)
        }
    }

    private mutating func array() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            guard index < bytes.count else { throw error("the JSON document ends inside an array; the file looks truncated") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw error("expected ',' or ']' in an array") }
            index += 1
            return .array(elements)
        }
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
        let utf8 = Array(word.utf8)
        guard bytes.count - index >= utf8.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
            throw error("unexpected text where a JSON value was expected")
        }
        index += utf8.count
        return value
    }

    private mutating func number() throws -> JSONValue {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        guard digits() > 0 else { throw error("a number needs digits", at: start) }
        if bytes[intStart] == 0x30 && index - intStart > 1 { throw error("a number must not have leading zeros", at: start) }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("a number needs digits after the decimal point", at: start) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("a number needs digits in its exponent", at: start) }
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    private mutating func string() throws -> String {
        let start = index
        index += 1
        var buffer: [UInt8] = []
        var runStart = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                buffer.append(contentsOf: bytes[runStart..<index])
                index += 1
                guard let text = String(validating: buffer, as: UTF8.self) else {
                    throw error("the string is not valid UTF-8; the file must be UTF-8 encoded", at: start)
                }
                return text
            }
            if byte < 0x20 { throw error("a control character must be escaped inside a string") }
            if byte == UInt8(ascii: "\\") {
                buffer.append(contentsOf: bytes[runStart..<index])
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("a \\u escape starts a surrogate pair that is not completed")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("a \\u surrogate pair is invalid") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("a \\u escape names no Unicode character") }
                    buffer.append(contentsOf: String(Character(unicode)).utf8)
                default:
                    throw error("unknown escape '\\\(Unicode.Scalar(escape))' in a string")
                }
                runStart = index
                continue
            }
            index += 1
        }
        throw error("the JSON document ends inside a string; the file looks truncated", at: start)
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw error("a \\u escape needs four hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// Bytes that are not one well-formed JSON value, or one refused for safety.
///
/// Equality compares the ``code`` only.
public struct JSONError: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<JSONError>

    public var code: Code
    public var message: String
    /// `line:column` in the input.
    public var location: String

    public init(_ code: Code, _ message: String, location: String) {
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String { "[\(code)] at \(location): \(message)" }
}

extension ErrorCode where Domain == JSONError {
    /// Not well-formed JSON, or truncated.
    public static let malformed = Self("malformed")
    /// Well-formed, but nested deeper than any document needs.
    public static let forbidden = Self("forbidden")
}
