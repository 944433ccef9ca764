internal import GS1

/// How a writer spells identifiers and CBV values.
public struct EPCISWriterOptions: Hashable, Sendable {
    /// The spelling of GS1 identifiers (EPCs, classes, locations, parties).
    public enum IdentifierForm: String, Hashable, Sendable, CaseIterable {
        /// Exactly as in the model.
        case asGiven = "as-given"
        /// EPC URNs (`urn:epc:id:sgtin:…`), the form EPCIS 1.2 partners expect. A Digital Link
        /// can only be written as a URN when its GS1 Company Prefix length is known; see
        /// ``companyPrefixLengths``.
        case epcURN = "urn"
        /// GS1 Digital Link URIs on ``digitalLinkBase``.
        case digitalLink = "digital-link"
    }

    /// The spelling of CBV values in XML (JSON-LD always uses bare words).
    public enum CBVForm: String, Hashable, Sendable {
        /// `urn:epcglobal:cbv:bizstep:shipping` (EPCIS 1.2 requires it; the default for 2.0).
        case urn
        /// `https://ref.gs1.org/cbv/BizStep-shipping` (EPCIS 2.0 XML only).
        case webURI = "web-uri"
    }

    /// Identifier spelling; default as given.
    public var identifiers: IdentifierForm
    /// CBV spelling in 2.0 XML; default URN.
    public var cbv: CBVForm
    /// The Digital Link host and path prefix, default `https://id.gs1.org`.
    public var digitalLinkBase: String
    /// GS1 Company Prefix lengths by GS1 Company Prefix digits' leading part: the key is a
    /// company prefix (6–12 digits), the value its length; used to turn Digital Links into URNs.
    public var companyPrefixLengths: [String: Int]

    /// Creates options.
    public init(
        identifiers: IdentifierForm = .asGiven, cbv: CBVForm = .urn, digitalLinkBase: String = "https://id.gs1.org",
        companyPrefixLengths: [String: Int] = [:]
    ) {
        self.identifiers = identifiers
        self.cbv = cbv
        self.digitalLinkBase = digitalLinkBase
        self.companyPrefixLengths = companyPrefixLengths
    }

    /// `value` in the chosen identifier form; values that are not GS1 identifiers pass through.
    ///
    /// - Throws: ``EPCISError`` (`notExpressible`) when a Digital Link must become a URN and no
    ///   company prefix in ``companyPrefixLengths`` matches it.
    func identifier(_ value: String) throws -> String {
        switch identifiers {
        case .asGiven:
            return value
        case .digitalLink:
            guard value.hasPrefix("urn:epc:"), let epc = try? EPC(uri: value) else { return value }
            return (try? GS1DigitalLink.encode(epc.message, base: digitalLinkBase)) ?? value
        case .epcURN:
            guard value.hasPrefix("http"), let message = try? GS1DigitalLink.parse(value).message else { return value }
            for length in 6...12 {
                let digits = Self.companyDigits(message)
                guard digits.count >= length, companyPrefixLengths[String(digits.prefix(length))] == length else { continue }
                if let epc = try? EPC(message, companyPrefixLength: length) { return epc.uri }
            }
            throw EPCISError(
                .notExpressible,
                "the Digital Link \(value) cannot be written as an EPC URN because its GS1 Company Prefix length is unknown; add the company prefix to the partner's company-prefix lengths or send Digital Links"
            )
        }
    }

    private static func companyDigits(_ message: GS1Message) -> String {
        if let gtin = message.gtin { return String(gtin.value.dropFirst()) }
        if let sscc = message.sscc { return String(sscc.value.dropFirst()) }
        if let gln = message.locationGLN ?? message.partyGLN { return gln.value }
        return ""
    }
}
