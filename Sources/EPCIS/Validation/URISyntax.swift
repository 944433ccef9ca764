internal import Foundation

/// RFC 3986 syntax checks, on bytes (a URI is ASCII; anything else fails).
enum URISyntax {
    /// `URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]` (RFC 3986 §3): a scheme is
    /// required, every character must be allowed where it stands, and `%` must start a
    /// two-digit hex escape.
    static func isURI(_ bytes: [UInt8]) -> Bool {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, isAlpha(bytes[0]),
            bytes[1..<colon].allSatisfy({
                isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            })
        else { return false }
        var rest = bytes[(colon + 1)...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            guard isText(rest[(hash + 1)...], extra: "/?") else { return false }
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: UInt8(ascii: "?")) {
            guard isText(rest[(question + 1)...], extra: "/?") else { return false }
            rest = rest[..<question]
        }
        if rest.starts(with: "//".utf8) {
            let afterSlashes = rest.index(rest.startIndex, offsetBy: 2)
            let end = rest[afterSlashes...].firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            guard isAuthority(rest[afterSlashes..<end]) else { return false }
            rest = rest[end...]
        }
        return isText(rest, extra: "/")
    }

    /// `authority = [ userinfo "@" ] host [ ":" port ]`.
    private static func isAuthority(_ authority: ArraySlice<UInt8>) -> Bool {
        var host = authority
        if let at = authority.firstIndex(of: UInt8(ascii: "@")) {
            guard isText(authority[..<at], extra: ":", allowAt: false) else { return false }
            host = authority[(at + 1)...]
        }
        var port: ArraySlice<UInt8> = []
        if host.first == UInt8(ascii: "[") {
            guard let close = host.firstIndex(of: UInt8(ascii: "]")), isIPLiteral(host[(host.startIndex + 1)..<close]) else { return false }
            let after = host[(close + 1)...]
            guard after.isEmpty || after.first == UInt8(ascii: ":") else { return false }
            port = after.dropFirst()
        } else {
            if let colon = host.firstIndex(of: UInt8(ascii: ":")) {
                port = host[(colon + 1)...]
                host = host[..<colon]
            }
            guard isText(host, extra: "", allowColon: false, allowAt: false) else { return false }
        }
        return port.allSatisfy(isDigit)
    }

    /// `IPv6address / IPvFuture` inside the brackets.
    private static func isIPLiteral(_ text: ArraySlice<UInt8>) -> Bool {
        if let first = text.first, first == UInt8(ascii: "v") || first == UInt8(ascii: "V") {
            guard let dot = text.firstIndex(of: UInt8(ascii: ".")), dot > text.startIndex + 1,
                text[(text.startIndex + 1)..<dot].allSatisfy(isHex)
            else { return false }
            let tail = text[(dot + 1)...]
            return !tail.isEmpty && tail.allSatisfy { isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: ":") }
        }
        return isIPv6(text)
    }

    private static func isIPv6(_ text: ArraySlice<UInt8>) -> Bool {
        let string = String(decoding: text, as: UTF8.self)
        let halves = string.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func pieces(_ part: String, last: Bool) -> Int? {
            if part.isEmpty { return 0 }
            var count = 0
            let groups = part.split(separator: ":", omittingEmptySubsequences: false)
            for (offset, group) in groups.enumerated() {
                if last && offset == groups.count - 1 && group.contains(".") {
                    guard isIPv4(group) else { return nil }
                    count += 2
                } else {
                    guard (1...4).contains(group.utf8.count), group.utf8.allSatisfy(isHex) else { return nil }
                    count += 1
                }
            }
            return count
        }
        if halves.count == 1 { return pieces(halves[0], last: true) == 8 }
        guard let head = pieces(halves[0], last: false), let tail = pieces(halves[1], last: true) else { return false }
        return head + tail <= 7
    }

    private static func isIPv4(_ text: Substring) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4
            && octets.allSatisfy { octet in
                guard let value = Int(octet), octet.utf8.allSatisfy(isDigit), value <= 255 else { return false }
                return octet == "0" || !octet.hasPrefix("0")
            }
    }

    /// Path, query, fragment and userinfo characters: unreserved, sub-delims, `%XX`, and `:`/`@`
    /// where allowed, plus the `extra` characters.
    private static func isText(_ text: ArraySlice<UInt8>, extra: String, allowColon: Bool = true, allowAt: Bool = true) -> Bool {
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "%") {
                guard index + 3 <= text.endIndex, isHex(text[index + 1]), isHex(text[index + 2])
                else { return false }
                index += 3
                continue
            }
            let allowed =
                isUnreserved(byte) || isSubDelimiter(byte) || extra.utf8.contains(byte)
                || (allowColon && byte == UInt8(ascii: ":")) || (allowAt && byte == UInt8(ascii: "@"))
            guard allowed else { return false }
            index += 1
        }
        return true
    }

    private static func isAlpha(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
    private static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (65...70).contains(byte) || (97...102).contains(byte) }
    private static func isUnreserved(_ byte: UInt8) -> Bool { isAlpha(byte) || isDigit(byte) || "-._~".utf8.contains(byte) }
    private static func isSubDelimiter(_ byte: UInt8) -> Bool { "!$&'()*+,;=".utf8.contains(byte) }
}
