/// A request's query string, each value percent-decoded exactly once.
///
/// Unknown parameters are kept but never judged (must-ignore, LMS 1.1 §2); a known one given
/// twice is a rejection, since the responder cannot know which one was meant.
public struct QueryParameters: Hashable, Sendable {
    /// Decoded name → decoded value; for a name given twice, the first.
    public private(set) var values: [String: String] = [:]
    /// Names given more than once.
    public private(set) var repeated: Set<String> = []

    /// Splits `query` (without the `?`) on `&` and `=`. A `+` stays a `+`: no VRS value holds a
    /// space, and form encoding is not what a Digital Link query uses.
    public static func parse(_ query: Substring) -> Result<QueryParameters, VerificationRejection> {
        var parameters = QueryParameters()
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name: String
            switch PercentDecoding.decode(parts[0], field: "a query parameter name") {
            case .success(let decoded): name = decoded
            case .failure(let rejection): return .failure(rejection)
            }
            let value: String
            switch PercentDecoding.decode(parts.count > 1 ? parts[1] : "", field: name) {
            case .success(let decoded): value = decoded
            case .failure(let rejection): return .failure(rejection)
            }
            if parameters.values[name] == nil { parameters.values[name] = value } else { parameters.repeated.insert(name) }
        }
        return .success(parameters)
    }

    /// The value of a required parameter, or the rejection that it is missing, empty or given
    /// twice.
    public func required(_ name: String, form: String) -> Result<String, VerificationRejection> {
        if repeated.contains(name) {
            return .failure(VerificationRejection(field: name, reason: "is given more than once", fix: "give \(name) exactly once"))
        }
        guard let value = values[name], !value.isEmpty else {
            return .failure(VerificationRejection(field: name, reason: "is missing", fix: "add \(name)=\(form) to the query"))
        }
        return .success(value)
    }

    /// The value of an optional parameter (nil when absent), or the rejection that it is given
    /// twice.
    public func optional(_ name: String) -> Result<String?, VerificationRejection> {
        if repeated.contains(name) {
            return .failure(VerificationRejection(field: name, reason: "is given more than once", fix: "give \(name) at most once"))
        }
        return .success(values[name])
    }
}

/// RFC 3986 percent-decoding, applied once: `%252F` becomes `%2F`, never `/`.
public enum PercentDecoding {
    /// The decoded text, or a rejection for a broken escape, bytes that are not UTF-8, or a
    /// control character (NUL included) anywhere.
    public static func decode(_ raw: Substring, field: String) -> Result<String, VerificationRejection> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.utf8.count)
        var iterator = raw.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return .failure(
                    VerificationRejection(
                        field: field, reason: "has a '%' that is not followed by two hexadecimal digits",
                        fix: "percent-encode the value exactly once (a '%' itself is %25)"))
            }
            bytes.append(high << 4 | low)
        }
        if let control = bytes.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            return .failure(
                VerificationRejection(
                    field: field, reason: "contains the control character U+\(hex4(control))", fix: "remove control characters from the value"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(
                VerificationRejection(field: field, reason: "is not UTF-8 once percent-decoded", fix: "send the value's UTF-8 bytes, percent-encoded")
            )
        }
        return .success(text)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hex4(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "00" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }
}
