/// Reads an EPCIS 1.2 or 2.0 XML document (capture or query document) event by event.
///
/// Streaming: libxml2's reader walks the file and only the current event is built in memory, so
/// documents of any size are read in bounded memory. The header is read when the reader is
/// created. Hostile input (DTDs, entities, excessive nesting, invalid UTF-8, truncation) fails
/// with an ``EPCISError`` naming the line and column; see ``XMLStreamReader``.
///
/// ```swift
/// let reader = try EPCISXMLReader(path: "shipment.xml")
/// while let event = try reader.next() { … }
/// ```
public final class EPCISXMLReader: EPCISDocumentReader {
    private let xml: XMLStreamReader
    private var decodingWarnings: [EPCISIssue] = []
    private var eventIndex = 0
    private var finished = false

    /// The document's version, creation date, header and namespaces.
    public private(set) var info: EPCISDocumentInfo

    /// Accepted oddities found so far.
    public var warnings: [EPCISIssue] { xml.warnings + decodingWarnings }

    /// Opens the XML file at `path` and reads up to the first event.
    public convenience init(path: String) throws {
        try self.init(xml: XMLStreamReader(path: path))
    }

    /// Reads a document held in memory.
    public convenience init(bytes: [UInt8], name: String = "input") throws {
        try self.init(xml: XMLStreamReader(bytes: bytes, name: name))
    }

    /// Opens the file at `path` with `schema` attached, so that reading also validates.
    convenience init(path: String, validatingWith schema: XMLSchema) throws {
        let xml = try XMLStreamReader(path: path)
        try xml.attach(schema)
        try self.init(xml: xml)
    }

    /// XML Schema validity errors found so far (with a schema attached), and how many more were not kept.
    var validityIssues: (issues: [EPCISIssue], dropped: Int) { xml.validityIssues }

    /// Reads to the end without building events (validation only).
    func skipToEnd() throws {
        finished = true
        while try xml.read() {}
    }

    private init(xml: XMLStreamReader) throws {
        self.xml = xml
        info = EPCISDocumentInfo(format: .xml12, creationDate: nil)
        try readProlog()
    }

    private static let documentNamespaces: [String: EPCISFormat] = [
        EPCISNamespace.epcis12: .xml12, EPCISNamespace.epcis20: .xml20,
        "urn:epcglobal:epcis-query:xsd:1": .xml12, "urn:epcglobal:epcis-query:xsd:2": .xml20,
    ]

    private func readProlog() throws {
        while try xml.read() {
            if xml.nodeType == .element { break }
        }
        guard xml.nodeType == .element else { throw EPCISError(.malformed, "the file has no root element", location: xml.location) }
        let name = xml.localName
        let namespace = xml.namespaceURI
        guard let format = namespace.flatMap({ Self.documentNamespaces[$0] }), name == "EPCISDocument" || name == "EPCISQueryDocument"
        else {
            let shown = namespace.map { "{\($0)}\(name)" } ?? name
            let hint =
                EPCISEventType(rawValue: name) != nil
                ? "this is a bare event; wrap it in an EPCISDocument with EPCISBody/EventList"
                : "an EPCIS document's root is EPCISDocument in urn:epcglobal:epcis:xsd:1 (1.2) or urn:epcglobal:epcis:xsd:2 (2.0)"
            throw EPCISError(.notEPCIS, "the root element is \(shown), not an EPCIS document; \(hint)", location: xml.location)
        }
        info.format = format
        let (attributes, declarations) = xml.attributes()
        for (prefix, uri) in declarations {
            guard let prefix, ![EPCISNamespace.sbdh, "urn:epcglobal:epcis-query:xsd:1", "urn:epcglobal:epcis-query:xsd:2"].contains(uri),
                Self.documentNamespaces[uri] == nil
            else { continue }
            info.namespaces[prefix] = uri
        }
        info.creationDate = attributes.first { $0.name == "creationDate" && $0.namespace == nil }?.value
        let schemaVersion = attributes.first { $0.name == "schemaVersion" && $0.namespace == nil }?.value
        let expected = format == .xml12 ? ["1.2", "1.1", "1.0"] : ["2.0", "2.0.0", "2.0.1"]
        if let schemaVersion, !expected.contains(schemaVersion) {
            decodingWarnings.append(
                EPCISIssue(
                    .warning, rule: "schema-version",
                    message: "schemaVersion is '\(schemaVersion)' but the namespace is EPCIS \(format == .xml12 ? "1.2" : "2.0")",
                    line: xml.line, hint: "set schemaVersion to \(expected[0])"))
        }
        if xml.isEmptyElement {
            finished = true
            return
        }
        // Read the header, stopping at the first element of the body.
        while try xml.read() {
            guard xml.nodeType == .element else { continue }
            if xml.depth == 1 && xml.localName == "EPCISHeader" {
                var decoding = EPCISXMLDecoding(version: format, location: xml.nodeLocation, line: xml.line)
                let element = try xml.readElement()
                info.header = try decoding.header(element)
                decodingWarnings += decoding.warnings
            } else {
                break
            }
        }
    }

    /// Elements that contain events (1.2 wrappers and query-result nesting included).
    private static let containers: Set<String> = ["EPCISBody", "EventList", "extension", "QueryResults", "resultsBody", "queryResults"]

    /// Returns the next event, or `nil` after the last one.
    ///
    /// - Throws: ``EPCISError`` for a parse error, a refused construct or an event that lacks a
    ///   required field; the error names the line and column.
    public func next() throws -> EPCISEvent? {
        guard !finished else { return nil }
        while true {
            if xml.nodeType == .element {
                let name = xml.localName
                if let _ = EPCISEventType(rawValue: name), xml.namespaceURI == nil {
                    eventIndex += 1
                    var decoding = EPCISXMLDecoding(version: info.format, location: xml.nodeLocation, line: xml.line)
                    let element = try xml.readElement()
                    let event = try decoding.event(element, index: eventIndex)
                    decodingWarnings += decoding.warnings
                    _ = try xml.read()
                    return event
                }
                if Self.containers.contains(name) || xml.depth <= 1 {
                    if !(try xml.read()) { break }
                    continue
                }
                decodingWarnings.append(
                    EPCISIssue(
                        .warning, rule: "unknown-element", message: "<\(name)> in the body is not an event and was skipped", line: xml.line,
                        hint: "only ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent and AssociationEvent belong in EventList"))
                if !(try xml.skip()) { break }
                continue
            }
            if !(try xml.read()) { break }
        }
        finished = true
        return nil
    }
}
