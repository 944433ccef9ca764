/// GS1 Digital Link URIs (GS1 Digital Link standard 1.x), both directions.
///
/// The path holds one primary key and its qualifiers in their fixed order —
/// `/01/{gtin}/10/{lot}/21/{serial}`, `/00/{sscc}`, `/414/{gln}/254/{extension}`, `/417/{gln}` —
/// after any host and any custom path prefix. Dates travel in the query (`?17=YYMMDD`, `11=`).
/// Values are percent-decoded exactly once on input; on output every character outside RFC 3986's
/// unreserved set is percent-encoded.
public enum GS1DigitalLink {
    /// GS1's canonical resolver.
    public static let defaultBase = "https://id.gs1.org"

    /// The result of parsing a Digital Link.
    public struct Parsed: Hashable, Sendable {
        /// The validated data.
        public let message: GS1Message
        /// Scheme, host and custom path prefix, for example `https://id.gs1.org`.
        public let base: String
        /// Query parameters that are not GS1 AIs (for example `linkType`), kept as given.
        public let otherQueryParameters: [String]
    }

    private static let primaryKeys: [ApplicationIdentifier: [ApplicationIdentifier]] = [
        .gtin: [.lot, .serial], .sscc: [], .locationGLN: [.glnExtension], .partyGLN: [],
    ]
    private static let queryAttributes: Set<ApplicationIdentifier> = [.productionDate, .expiry]
    private static let form =
        "https://<host>[/<prefix>]/01/<GTIN>[/10/<lot>][/21/<serial>][?17=YYMMDD], /00/<SSCC>, /414/<GLN>[/254/<ext>] or /417/<GLN>"

    // MARK: - Parsing

    /// Parses a Digital Link URI.
    ///
    /// - Parameters:
    ///   - uri: an `http` or `https` URI.
    ///   - referenceYear: the centre of the YYMMDD century window.
    /// - Throws: ``GS1Error``: `invalidDigitalLink` (not a URI, no primary key, qualifiers out of
    ///   order), `invalidEscape`, `unknownApplicationIdentifier`, or any value error, with the
    ///   character offset in `uri`.
    public static func parse(_ uri: String, referenceYear: Int = GS1Date.currentYear()) throws -> Parsed {
        let lower = uri.prefix(8).lowercased()
        let schemeLength = lower.hasPrefix("https://") ? 8 : lower.hasPrefix("http://") ? 7 : 0
        guard schemeLength > 0 else {
            throw GS1Error(.invalidDigitalLink, "a Digital Link starts with https:// or http://", input: uri, offset: 0, expected: form)
        }
        let bytes = Array(uri.utf8)
        // Fragment is not part of the identifier.
        let end = bytes.firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
        let queryStart = bytes[..<end].firstIndex(of: UInt8(ascii: "?")) ?? end
        guard let pathStart = bytes[schemeLength..<queryStart].firstIndex(of: UInt8(ascii: "/")) else {
            throw GS1Error(.invalidDigitalLink, "the URI has no path, so it carries no GS1 key", input: uri, offset: queryStart, expected: form)
        }
        // Path segments with their offsets.
        var segments: [(text: String, offset: Int)] = []
        var cursor = pathStart + 1
        while cursor <= queryStart {
            let next = bytes[cursor..<queryStart].firstIndex(of: UInt8(ascii: "/")) ?? queryStart
            segments.append((String(decoding: bytes[cursor..<next], as: UTF8.self), cursor))
            cursor = next + 1
        }
        if segments.last?.text.isEmpty == true { segments.removeLast() }  // trailing slash
        guard
            let keyIndex = segments.indices.first(where: { index in
                ApplicationIdentifier.named(segments[index].text).map { primaryKeys[$0] != nil } == true
                    && (segments.count - index) % 2 == 0
            })
        else {
            throw GS1Error(
                .invalidDigitalLink, "the path holds no GS1 primary key followed by its value (/01/, /00/, /414/ or /417/)",
                input: uri, offset: pathStart, expected: form)
        }
        let base = String(decoding: bytes[..<(segments[keyIndex].offset - 1)], as: UTF8.self)
        var elements: [GS1Element] = []
        let primary = ApplicationIdentifier.named(segments[keyIndex].text)!
        var allowedQualifiers = primaryKeys[primary]![...]
        for pair in stride(from: keyIndex, to: segments.count, by: 2) {
            let (code, codeOffset) = segments[pair]
            guard let ai = ApplicationIdentifier.named(code) else {
                throw unknownAI(code, uri: uri, offset: codeOffset)
            }
            if pair != keyIndex {
                guard let position = allowedQualifiers.firstIndex(of: ai) else {
                    let allowed = primaryKeys[primary]!.map(\.description).joined(separator: " then ")
                    throw GS1Error(
                        .invalidDigitalLink,
                        "AI \(ai) cannot follow here in the path of a \(primary) link"
                            + (allowed.isEmpty ? " (it takes no qualifiers)" : "; its qualifiers are \(allowed), in that order"),
                        input: uri, offset: codeOffset, expected: form)
                }
                allowedQualifiers = allowedQualifiers[(position + 1)...]
            }
            var value = try percentDecode(segments[pair + 1].text, uri: uri, offset: segments[pair + 1].offset)
            if ai == .gtin {  // Digital Link allows GTIN-8/12/13 in the path; hold GTIN-14.
                do { value = try GTIN(value).value } catch let error as GS1Error { throw error.located(in: uri, at: segments[pair + 1].offset) }
            }
            try GS1ElementString.validateValue(value, of: ai, in: uri, at: segments[pair + 1].offset, referenceYear: referenceYear)
            elements.append(GS1Element(ai, value))
        }
        // Query: GS1 data attributes by AI; anything non-numeric is someone else's parameter.
        var others: [String] = []
        if queryStart < end {
            var start = queryStart + 1
            while start < end {
                let stop = bytes[start..<end].firstIndex(of: UInt8(ascii: "&")) ?? end
                let parameter = bytes[start..<stop]
                let equals = parameter.firstIndex(of: UInt8(ascii: "=")) ?? stop
                let key = String(decoding: bytes[start..<equals], as: UTF8.self)
                if !key.isEmpty && Digits.areAll(key) {
                    guard let ai = ApplicationIdentifier.named(key) else { throw unknownAI(key, uri: uri, offset: start) }
                    guard queryAttributes.contains(ai) else {
                        throw GS1Error(
                            .invalidDigitalLink, "AI \(ai) belongs in the path, not in the query", input: uri, offset: start, expected: form)
                    }
                    let rawValue = equals < stop ? String(decoding: bytes[(equals + 1)..<stop], as: UTF8.self) : ""
                    let value = try percentDecode(rawValue, uri: uri, offset: equals + 1)
                    try GS1ElementString.validateValue(value, of: ai, in: uri, at: equals + 1, referenceYear: referenceYear)
                    elements.append(GS1Element(ai, value))
                } else if !parameter.isEmpty {
                    others.append(String(decoding: parameter, as: UTF8.self))
                }
                start = stop + 1
            }
        }
        do {
            let message = try GS1Message(elements, referenceYear: referenceYear)
            return Parsed(message: message, base: base, otherQueryParameters: others)
        } catch let error as GS1Error {
            throw error.placed(in: uri)
        }
    }

    private static func unknownAI(_ code: String, uri: String, offset: Int) -> GS1Error {
        GS1Error(
            .unknownApplicationIdentifier, "'\(code)' is not an application identifier this gateway reads", input: uri, offset: offset,
            expected: GS1ElementString.supportedList)
    }

    /// RFC 3986 percent-decoding, applied exactly once.
    static func percentDecode(_ text: String, uri: String, offset: Int) throws -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var i = 0
        while i < source.count {
            if source[i] == UInt8(ascii: "%") {
                guard i + 2 < source.count, let high = EPCURIEscaping.hex(source[i + 1]), let low = EPCURIEscaping.hex(source[i + 2]) else {
                    throw GS1Error(
                        .invalidEscape, "a '%' in the Digital Link is not followed by two hex digits", input: uri, offset: offset + i,
                        expected: "%XX escapes, for example %2F for '/'")
                }
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(source[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Writing

    /// Writes a message as a Digital Link.
    ///
    /// - Parameters:
    ///   - message: the data; it must hold exactly one primary key (GTIN, SSCC, location or
    ///     party GLN).
    ///   - base: scheme, host and optional path prefix, without a trailing slash.
    /// - Throws: ``GS1Error/Code/invalidDigitalLink`` when the message holds more than one primary
    ///   key.
    public static func encode(_ message: GS1Message, base: String = defaultBase) throws -> String {
        let keys = message.elements.filter { primaryKeys[$0.ai] != nil }
        guard keys.count == 1, let key = keys.first else {
            throw GS1Error(
                .invalidDigitalLink,
                "a Digital Link carries exactly one primary key, but the code has \(keys.isEmpty ? "none" : keys.map(\.ai.description).joined(separator: " and "))",
                input: GS1ElementString.humanReadable(message), expected: form)
        }
        var uri = base.hasSuffix("/") ? String(base.dropLast()) : base
        uri += "/" + key.ai.code + "/" + percentEncode(key.value)
        for qualifier in primaryKeys[key.ai]! {
            if let value = message[qualifier] { uri += "/" + qualifier.code + "/" + percentEncode(value) }
        }
        let attributes = message.canonicalElements.filter { queryAttributes.contains($0.ai) }
        if !attributes.isEmpty {
            uri += "?" + attributes.map { $0.ai.code + "=" + percentEncode($0.value) }.joined(separator: "&")
        }
        return uri
    }

    /// Percent-encodes every byte outside RFC 3986's unreserved characters.
    static func percentEncode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
