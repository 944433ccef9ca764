internal import Foundation

/// AS2-From and AS2-To values (RFC 4130 §6.2): 1 to 128 printable ASCII characters, compared
/// case-sensitively, quoted only when they hold a space, `"` or `\`, never folded.
public enum AS2Name {
    /// Whether `name` can be an AS2 name at all.
    public static func isValid(_ name: String) -> Bool {
        (1...128).contains(name.unicodeScalars.count) && name.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
    }

    /// The header value for `name`: atomic, or quoted with `"` and `\` escaped.
    public static func header(_ name: String) -> String {
        guard name.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" }) else { return name }
        var quoted = "\""
        for character in name {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }

    /// The name a header value carries (quotes and escapes removed, surrounding space trimmed).
    public static func parse(_ value: String) -> String {
        let value = value.trimmingCharacters(in: .whitespaces)
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return value }
        var name = ""
        var escaped = false
        for character in value.dropFirst().dropLast() {
            if escaped || character != "\\" {
                name.append(character)
                escaped = false
            } else {
                escaped = true
            }
        }
        return name
    }
}
