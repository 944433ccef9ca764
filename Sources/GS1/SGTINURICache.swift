/// Reads many SGTIN URIs of few products quickly, for validators that see millions of them.
///
/// Each distinct company prefix and item reference is checked once, by ``EPC/init(uri:)``; each
/// serial by a byte scan that accepts only what that full parse accepts (1 to 20 characters of
/// the GS1 set that an EPC URI writes as themselves). Anything else (an escape, another scheme,
/// a bad prefix) goes through the full parse, so the answer and its message are the same.
public struct SGTINURICache: Sendable {
    /// Prefix (`urn:epc:id:sgtin:CP.ITEM`) → its GTIN, or nil when the prefix is invalid.
    private var prefixes: [Substring: GTIN?] = [:]

    public init() {}

    /// The GTIN of an SGTIN URI, or why it is not a valid EPC URI (nil error and nil GTIN: a
    /// valid EPC of another kind).
    public mutating func read(_ uri: String) -> (gtin: GTIN?, error: GS1Error?) {
        let scheme = "urn:epc:id:sgtin:"
        guard uri.utf8.starts(with: scheme.utf8) else { return Self.full(uri) }
        let bytes = uri.utf8
        var dots = 0
        var index = bytes.index(bytes.startIndex, offsetBy: scheme.utf8.count)
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: ".") {
                dots += 1
                if dots == 2 { break }
            }
            index = bytes.index(after: index)
        }
        guard dots == 2 else { return Self.full(uri) }
        let serial = bytes[bytes.index(after: index)...]
        guard (1...20).contains(serial.count), serial.allSatisfy(Self.plain) else { return Self.full(uri) }
        let prefix = uri[..<index]
        let known: GTIN?
        if let cached = prefixes[prefix] {
            known = cached
        } else {
            let checked = Self.full(String(prefix) + ".0").gtin
            if prefixes.count < 100_000 { prefixes[prefix] = checked }
            known = checked
        }
        guard let known else { return Self.full(uri) }
        return (known, nil)
    }

    private static func full(_ uri: String) -> (gtin: GTIN?, error: GS1Error?) {
        do {
            if case .sgtin(let value) = try EPC(uri: uri) { return (value.gtin, nil) }
            return (nil, nil)
        } catch let error as GS1Error {
            return (nil, error)
        } catch {
            return (nil, GS1Error(.invalidEPCURI, "\(error)", input: uri, offset: 0, expected: nil))
        }
    }

    /// A character of the GS1 set that an EPC URI writes as itself.
    private static func plain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
