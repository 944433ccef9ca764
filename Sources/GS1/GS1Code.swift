/// Any text a user or partner might hand the gateway as "a code", recognised by its form.
///
/// ``recognize(_:referenceYear:)`` tells EPC URIs, Digital Links, scanned element strings (with or
/// without a symbology identifier, or in `(AI)` form), plain GTINs/GLNs/SSCCs and NDCs apart and
/// parses each with its own strict parser.
public enum GS1Code: Hashable, Sendable {
    /// An EPC URI.
    case epc(EPC)
    /// A GS1 Digital Link.
    case digitalLink(GS1DigitalLink.Parsed)
    /// A scanned element string or its human-readable form.
    case elementString(GS1ElementString.Parsed)
    /// A bare GTIN of 8, 12, 13 or 14 digits (12 digits are read as a GTIN-12 / UPC-A).
    case gtin(GTIN)
    /// A bare 18-digit SSCC.
    case sscc(SSCC)
    /// A hyphenated NDC or an NDC-11.
    case ndc(NDC)

    /// Recognises and parses `text`.
    ///
    /// - Throws: the ``GS1Error`` of the parser the form calls for, or `unrecognizedInput`.
    public static func recognize(_ text: String, referenceYear: Int = GS1Date.currentYear()) throws -> GS1Code {
        let trimmed = text.trimmingSpaces
        let lower = trimmed.prefix(8).lowercased()
        if lower.hasPrefix("urn:epc:") { return .epc(try EPC(uri: trimmed)) }
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            return .digitalLink(try GS1DigitalLink.parse(trimmed, referenceYear: referenceYear))
        }
        if trimmed.first == "]" || trimmed.first == "(" || trimmed.unicodeScalars.contains("\u{1D}") {
            return .elementString(try GS1ElementString.parse(trimmed, referenceYear: referenceYear))
        }
        if trimmed.contains("-") { return .ndc(try NDC(trimmed)) }
        if Digits.areAll(trimmed) {
            switch trimmed.count {
            case 8, 12, 13, 14: return .gtin(try GTIN(trimmed))
            case 18: return .sscc(try SSCC(trimmed))
            case 11: return .ndc(try NDC(trimmed))
            default: break
            }
        }
        if let first = trimmed.first, first.isASCII, first.isNumber {
            // Element string data as a scanner without AIM identifiers sends it.
            return .elementString(try GS1ElementString.parse(trimmed, referenceYear: referenceYear))
        }
        throw GS1Error(
            .unrecognizedInput, "the text is not an EPC URI, Digital Link, element string, GTIN, SSCC or NDC", input: text, offset: 0,
            expected: "urn:epc:id:sgtin:…, https://…/01/…, ]d2010…, (01)…(21)…, a GTIN, an SSCC or a hyphenated NDC")
    }

    /// The GS1 data the code carries, when it identifies something by AI.
    public var message: GS1Message? {
        switch self {
        case .epc(let epc): return epc.message
        case .digitalLink(let parsed): return parsed.message
        case .elementString(let parsed): return parsed.message
        case .gtin(let gtin): return try? GS1Message(gtin: gtin)
        case .sscc(let sscc): return try? GS1Message(sscc: sscc)
        case .ndc: return nil
        }
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks (but keeping GS).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
