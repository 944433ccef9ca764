/// What a parse error's line shows a person: the character the parser stopped at, named by
/// its code point, and for the XML declaration, the non-ASCII character that broke it (a
/// Unicode hyphen pasted from a PDF into `encoding="UTF‐8"`, a curly quote).
enum XMLParseHint {
    /// `U+2010 HYPHEN` for `‐`.
    static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if let name = scalar.properties.name { return "\(code) \(name)" }
        return scalar.value < 0x20 || scalar.value == 0x7F ? "\(code) (a control character)" : code
    }

    /// A sentence about `lineText` (the line libxml2 named, as decoded text) at the 1-based
    /// `column`, or nil when there is nothing useful to say.
    static func describe(lineText: String, line: Int, column: Int?) -> String? {
        let scalars = Array(lineText.unicodeScalars)
        if line == 1, lineText.hasPrefix("<?xml"), let end = lineText.firstRange(of: "?>") ?? lineText.firstRange(of: ">") {
            let declaration = lineText[..<end.upperBound]
            if let odd = declaration.unicodeScalars.first(where: { !$0.isASCII || $0.value < 0x20 }) {
                let inEncoding = declaration.firstRange(of: "encoding").map { declaration[$0.upperBound...].unicodeScalars.contains(odd) } ?? false
                return "the XML declaration contains \(name(odd))\(inEncoding ? " in the encoding name" : ""), which is not ASCII; "
                    + "retype the declaration with plain ASCII characters, for example <?xml version=\"1.0\" encoding=\"UTF-8\"?> "
                    + "(text pasted from a PDF or a word processor brings such look-alikes)"
            }
        }
        guard let column, column >= 1 else { return nil }
        // libxml2 counts some columns in bytes and some in characters, and may point just past
        // the character it stopped at; any of those places holding a character that is not
        // printable ASCII is the one to name. (A printable ASCII character there says nothing
        // the message does not.)
        var candidates = [column - 1, column - 2].filter { $0 >= 0 && $0 < scalars.count }.map { scalars[$0] }
        var offset = 0
        for scalar in scalars {
            offset += String(scalar).utf8.count
            if offset >= column {
                candidates.append(scalar)
                break
            }
        }
        guard let odd = candidates.first(where: { !$0.isASCII || ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else { return nil }
        return "the line has \(name(odd)) where the parser stopped, which is not allowed there; "
            + (odd.value == 0xFEFF ? "remove the byte order mark" : "replace it with the ASCII character meant (a quote, a hyphen, a space)")
    }
}
