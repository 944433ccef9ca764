internal import Foundation

/// A block of MIME or HTTP header fields, read liberally: names compared case-insensitively,
/// folded lines unfolded, order and repeats kept.
public struct MIMEHeaders: Hashable, Sendable {
    /// The fields as they came, unfolded.
    public var fields: [(name: String, value: String)] {
        get { storage.map { ($0.name, $0.value) } }
        set { storage = newValue.map { Field(name: $0.name, value: $0.value) } }
    }
    private var storage: [Field]

    private struct Field: Hashable, Sendable {
        var name: String
        var value: String
    }

    public init(_ fields: [(name: String, value: String)] = []) {
        storage = fields.map { Field(name: $0.name, value: $0.value) }
    }

    /// The first value of `name`, any case.
    public subscript(name: String) -> String? {
        storage.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// How many times `name` occurs.
    public func count(_ name: String) -> Int { storage.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.count }

    /// The fields of `text` (a header block without its blank line). Lines without a colon are
    /// errors; so is a continuation line before the first field.
    public static func parse(_ text: String) -> Result<MIMEHeaders, MIMEError> {
        var fields: [Field] = []
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty { continue }
            if line.first == " " || line.first == "\t" {
                guard !fields.isEmpty else { return .failure(MIMEError(.malformedHeader, "a header block starts with a continuation line")) }
                fields[fields.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                return .failure(MIMEError(.malformedHeader, "the header line '\(line.prefix(80))' has no field name and colon"))
            }
            fields.append(Field(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return .success(MIMEHeaders(fields.map { ($0.name, $0.value) }))
    }

    public static func == (lhs: MIMEHeaders, rhs: MIMEHeaders) -> Bool { lhs.storage == rhs.storage }
    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}

/// A `Content-Type` value: the media type, lower-cased, and its parameters (names lower-cased,
/// quoted values unquoted).
public struct ContentType: Hashable, Sendable {
    public var mediaType: String
    public var parameters: [String: String]

    public init(mediaType: String, parameters: [String: String] = [:]) {
        self.mediaType = mediaType
        self.parameters = parameters
    }

    /// Parses liberally: a whole value wrapped in quotes (seen from some products) is unwrapped.
    public init?(_ value: String) {
        var text = value.trimmingCharacters(in: .whitespaces)
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\""), !text.dropFirst().dropLast().contains("\"") {
            text = String(text.dropFirst().dropLast())
        }
        var parts = Self.splitParameters(text)
        guard !parts.isEmpty else { return nil }
        let type = parts.removeFirst().trimmingCharacters(in: .whitespaces).lowercased()
        guard type.contains("/") else { return nil }
        mediaType = type
        parameters = [:]
        for part in parts {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = part[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var parameter = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if parameter.count >= 2, parameter.hasPrefix("\""), parameter.hasSuffix("\"") {
                parameter = AS2Name.parse(parameter)
            }
            parameters[name] = parameter
        }
    }

    /// Splits on `;` outside quoted strings.
    private static func splitParameters(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if character == "\\" && quoted {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ";" && !quoted {
                parts.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current) }
        return parts
    }
}
