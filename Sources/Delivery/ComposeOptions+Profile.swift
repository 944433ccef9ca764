public import DSCSA
internal import EPCIS
public import Partners

extension ComposeOptions {
    /// The document a partner's profile asks for.
    public init(partner profile: PartnerProfile) {
        let format: Format = profile.epcis.format == .jsonLD ? .jsonLD : (profile.epcis.version == .v2_0 ? .xml20 : .xml12)
        self.init(
            format: format, transactionHistory: profile.epcis.transactionHistory,
            ndcCodeType: NDCCodeType(rawValue: profile.epcis.ndcCodeType.rawValue) ?? .usFDANDC,
            sbdhIdentifier: SBDHIdentifier(rawValue: profile.epcis.sbdhIdentifier.rawValue) ?? .gs1SGLN,
            identifiers: profile.epcis.identifiers == .digitalLink ? .digitalLink : .epcURN,
            maximumEPCsPerEvent: min(10_000, profile.limits.maxEventsPerDocument ?? 10_000))
    }

    /// The media type of documents in this format.
    public var contentType: String { format == .jsonLD ? "application/json" : "application/xml" }
}
