public import EPCIS

/// What a receiving partner asks of its shipment documents (from its profile).
public struct ComposeOptions: Hashable, Sendable {
    /// The document form.
    public enum Format: String, Hashable, Sendable, CaseIterable {
        /// EPCIS 1.2 XML, the GS1 US DSCSA wire format.
        case xml12 = "1.2-xml"
        /// EPCIS 2.0 XML (the GS1 US header extensions have no place there and are refused).
        case xml20 = "2.0-xml"
        /// EPCIS 2.0 JSON-LD.
        case jsonLD = "2.0-jsonld"
    }

    /// How the NDC is given in product master data.
    public enum NDCCodeType: String, Hashable, Sendable, CaseIterable {
        /// `US_FDA_NDC` with the hyphenated 10-digit NDC (GS1 US R1.3).
        case usFDANDC = "US_FDA_NDC"
        /// `FDA_NDC_11` with 11 plain digits (older R1.2-era partners).
        case fdaNDC11 = "FDA_NDC_11"
    }

    /// How the SBDH names sender and receiver.
    public enum SBDHIdentifier: String, Hashable, Sendable, CaseIterable {
        /// `Authority="GS1"` with an SGLN URN (GS1 US R1.3 example).
        case gs1SGLN = "GS1"
        /// `Authority="SGLN"` with an SGLN URN.
        case sgln = "SGLN"
        /// `Authority="GLN"` with the 13-digit GLN.
        case gln = "GLN"
    }

    public var format: Format
    /// Include transaction history (legacy partners only; see ``ShipmentComposer``).
    public var transactionHistory: Bool
    public var ndcCodeType: NDCCodeType
    public var sbdhIdentifier: SBDHIdentifier
    /// EPC URNs (DSCSA practice) or GS1 Digital Link URIs for identifiers.
    public var identifiers: EPCISWriterOptions.IdentifierForm
    /// The most EPCs one event lists; bigger groups are split into several events of the same
    /// kind, which keeps every partner's parser within bounds.
    public var maximumEPCsPerEvent: Int

    public init(
        format: Format = .xml12, transactionHistory: Bool = false, ndcCodeType: NDCCodeType = .usFDANDC, sbdhIdentifier: SBDHIdentifier = .gs1SGLN,
        identifiers: EPCISWriterOptions.IdentifierForm = .epcURN, maximumEPCsPerEvent: Int = 10_000
    ) {
        self.format = format
        self.transactionHistory = transactionHistory
        self.ndcCodeType = ndcCodeType
        self.sbdhIdentifier = sbdhIdentifier
        self.identifiers = identifiers
        self.maximumEPCsPerEvent = maximumEPCsPerEvent
    }
}

/// One reason a shipment document cannot be handed on, with the record to fix.
public struct ComposeProblem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The record to correct or complete, when one is to blame.
    public var recordID: String?
    /// What is wrong.
    public var problem: String
    /// How to fix it.
    public var fix: String

    public init(recordID: String?, problem: String, fix: String) {
        self.recordID = recordID
        self.problem = problem
        self.fix = fix
    }

    public var description: String { (recordID.map { "record \($0): " } ?? "") + "\(problem); \(fix)" }
}

/// A shipment that failed the business rules or the schema: nothing was handed on.
public struct ComposeRejected: Error, Sendable, CustomStringConvertible {
    public var shipment: String
    public var problems: [ComposeProblem]

    public var description: String {
        "shipment \(shipment) was not composed: \(problems.count) problem\(problems.count == 1 ? "" : "s")\n"
            + problems.map { "  " + $0.description }.joined(separator: "\n")
    }
}

/// What was composed.
public struct ComposeReport: Hashable, Sendable, Codable {
    public var shipment: String
    public var path: String
    public var bytes: Int
    public var events: Int
    public var serials: Int
    /// The SBDH instance identifier (the partner's de-duplication key).
    public var documentID: String
}
