/// The EPCIS versions and serialisations the gateway reads and writes.
public enum EPCISFormat: String, Hashable, Sendable, CaseIterable, Codable {
    /// EPCIS 1.2 XML (namespace `urn:epcglobal:epcis:xsd:1`).
    case xml12 = "1.2-xml"
    /// EPCIS 2.0 XML (namespace `urn:epcglobal:epcis:xsd:2`).
    case xml20 = "2.0-xml"
    /// EPCIS 2.0 JSON-LD.
    case jsonld20 = "2.0-jsonld"
}

/// What comes before the events: everything about a document except its event list.
public struct EPCISDocumentInfo: Hashable, Sendable {
    /// The format the document was read from (or will be written in).
    public var format: EPCISFormat
    /// The root's `creationDate`.
    public var creationDate: String?
    /// The header: SBDH, master data, header extensions.
    public var header: EPCISHeader
    /// Namespace declarations for extension content, prefix → URI (XML `xmlns:` on the root,
    /// JSON-LD `@context` objects), excluding the EPCIS and SBDH namespaces.
    public var namespaces: [String: String]

    /// Creates document information.
    public init(format: EPCISFormat, creationDate: String?, header: EPCISHeader = EPCISHeader(), namespaces: [String: String] = [:]) {
        self.format = format
        self.creationDate = creationDate
        self.header = header
        self.namespaces = namespaces
    }
}

/// A reader of any of the three formats: the document information first, then events one at a time.
public protocol EPCISDocumentReader: AnyObject {
    /// The document's information, available as soon as the reader is created.
    var info: EPCISDocumentInfo { get }
    /// Accepted oddities found so far (each a warning with its place and a hint).
    var warnings: [EPCISIssue] { get }
    /// The next event, or `nil` after the last one.
    func next() throws -> EPCISEvent?
}
