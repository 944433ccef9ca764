internal import Foundation
internal import GatewayCore

/// Reads an EPCIS 2.0 JSON-LD document (capture or query document).
///
/// The JSON text is parsed whole (strictly: see ``JSONParser``), then events are mapped to the
/// model one at a time as ``next()`` is called.
public final class EPCISJSONLDReader: EPCISDocumentReader {
    private let events: [JSONValue]
    private let eventsPath: String
    private var position = 0
    private var mapping = JSONLDMapping()

    /// The document's creation date, header and namespaces.
    public private(set) var info: EPCISDocumentInfo
    /// Accepted oddities found so far.
    public private(set) var warnings: [EPCISIssue] = []

    /// Reads the JSON-LD file at `path`.
    public convenience init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EPCISError(.input, "cannot read \(path): check that the file exists and is readable")
        }
        try self.init(bytes: [UInt8](data))
    }

    /// The parsed document (shares storage with the events; the validator checks it against
    /// the JSON schema without parsing the file again).
    let document: JSONValue

    /// Reads a document held in memory.
    public init(bytes: [UInt8]) throws {
        let document: JSONValue
        let duplicates: [(key: String, location: String)]
        do { (document, duplicates) = try JSONParser.parseReportingDuplicates(bytes) } catch let error as JSONError { throw EPCISError(error) }
        self.document = document
        for (key, location) in duplicates {
            warnings.append(
                EPCISIssue(
                    .warning, rule: "json-duplicate-key", message: "the member \"\(key)\" appears twice in one object; the last value was used",
                    line: Int(location.split(separator: ":")[0]), column: Int(location.split(separator: ":")[1]),
                    hint: "remove the duplicate; JSON gives a repeated key no defined meaning"))
        }
        guard document.members != nil else { throw EPCISError(.notEPCIS, "the JSON document is \(document.kind), not an EPCIS document object") }
        let type = document["type"]?.string
        guard type == "EPCISDocument" || type == "EPCISQueryDocument" else {
            let hint =
                document["eventTime"] != nil
                ? "this is a bare event; wrap it in {\"type\": \"EPCISDocument\", \"epcisBody\": {\"eventList\": [...]}}"
                : "an EPCIS JSON-LD document has \"type\": \"EPCISDocument\""
            throw EPCISError(.notEPCIS, "the JSON document's type is \(type.map { "'\($0)'" } ?? "missing"); \(hint)", location: "$.type")
        }
        if let context = document["@context"] {
            mapping.addContext(context)
        } else {
            warnings.append(
                EPCISIssue(
                    .error, rule: "json-ld-context", message: "the document has no @context", path: "$",
                    hint: "add \"@context\": \"\(JSONLDMapping.contextURL)\""))
        }
        if let version = document["schemaVersion"]?.string, !version.hasPrefix("2.0") {
            warnings.append(
                EPCISIssue(
                    .warning, rule: "schema-version", message: "schemaVersion is '\(version)'", path: "$.schemaVersion",
                    hint: "JSON-LD is EPCIS 2.0; use \"2.0\""))
        }
        info = EPCISDocumentInfo(format: .jsonld20, creationDate: document["creationDate"]?.string, namespaces: mapping.prefixes)
        info.header = try mapping.header(fromDocument: document, warnings: &warnings)
        info.namespaces.removeValue(forKey: JSONLDMapping.sbdhPrefix)
        if let list = document["epcisBody"]?["eventList"] {
            (events, eventsPath) = (list.elements, "$.epcisBody.eventList")
        } else if let list = document["epcisBody"]?["queryResults"]?["resultsBody"]?["eventList"] {
            (events, eventsPath) = (list.elements, "$.epcisBody.queryResults.resultsBody.eventList")
        } else {
            (events, eventsPath) = ([], "$.epcisBody.eventList")
            warnings.append(EPCISIssue(.warning, rule: "no-events", message: "the document has no epcisBody.eventList", path: "$.epcisBody"))
        }
    }

    /// Returns the next event, or `nil` after the last one.
    public func next() throws -> EPCISEvent? {
        guard position < events.count else { return nil }
        let value = events[position]
        let path = "\(eventsPath)[\(position)]"
        position += 1
        var scoped = mapping
        if let context = value["@context"] { scoped.addContext(context) }
        return try scoped.event(from: value, path: path, warnings: &warnings)
    }
}
