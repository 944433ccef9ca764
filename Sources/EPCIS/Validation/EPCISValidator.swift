internal import Foundation
internal import GS1
internal import GatewayCore

/// The schemas a validation uses, compiled once: XML Schemas for EPCIS 1.2 and 2.0 capture and
/// query documents, and the JSON schema for EPCIS 2.0 JSON-LD.
public struct EPCISSchemas: Sendable {
    /// The EPCIS 1.2 capture-document schema.
    public let epcis12: XMLSchema
    /// The EPCIS 2.0 capture-document schema.
    public let epcis20: XMLSchema
    /// The EPCIS 1.2 query-document schema; without it query documents are checked against `epcis12`.
    public let query12: XMLSchema?
    /// The EPCIS 2.0 query-document schema; without it query documents are checked against `epcis20`.
    public let query20: XMLSchema?
    /// The JSON schema for JSON-LD documents; without it JSON-LD gets only the EPCIS rules.
    public let json: JSONSchema?

    /// File names of the schemas inside a schema directory (the project's `Schemas/`).
    public enum FileName {
        public static let epcis12 = "epcis-1.2.xsd"
        public static let epcis20 = "epcis-2.0.xsd"
        public static let query12 = "epcis-query-1.2.xsd"
        public static let query20 = "epcis-query-2.0.xsd"
        public static let json = "epcis-2.0.schema.json"
    }

    /// Compiles every schema of a schema directory.
    public init(directory: String) throws {
        func path(_ name: String) -> String { directory + "/" + name }
        for name in [FileName.epcis12, FileName.epcis20, FileName.query12, FileName.query20, FileName.json]
        where !FileManager.default.fileExists(atPath: path(name)) {
            throw EPCISError(
                .input,
                "the schema directory \(directory) has no \(name); name the directory that holds epcis-gateway's schemas (its Schemas folder, or PREFIX/share/epcis-gateway/Schemas after `make install`)"
            )
        }
        self.init(
            epcis12: try XMLSchema(path: path(FileName.epcis12)), epcis20: try XMLSchema(path: path(FileName.epcis20)),
            query12: try XMLSchema(path: path(FileName.query12)), query20: try XMLSchema(path: path(FileName.query20)),
            json: try JSONSchema(path: path(FileName.json)))
    }

    /// Uses the given compiled schemas.
    public init(epcis12: XMLSchema, epcis20: XMLSchema, query12: XMLSchema? = nil, query20: XMLSchema? = nil, json: JSONSchema? = nil) {
        self.epcis12 = epcis12
        self.epcis20 = epcis20
        self.query12 = query12
        self.query20 = query20
        self.json = json
    }

    /// The XML Schema for a document of `format` whose root element is `root`.
    func xmlSchema(for format: EPCISFormat, root: String?) -> XMLSchema {
        let query = root == "EPCISQueryDocument"
        return format == .xml12 ? (query ? query12 : nil) ?? epcis12 : (query ? query20 : nil) ?? epcis20
    }
}

/// What a validation found in one file.
public struct EPCISValidationReport: Sendable, Codable {
    /// The file.
    public var file: String
    /// The format it was read as, if it got that far.
    public var format: EPCISFormat?
    /// Events read.
    public var events: Int
    /// Errors and warnings, in document order per kind.
    public var issues: [EPCISIssue]
    /// Validity errors beyond the kept ones.
    public var moreErrors: Int

    /// `true` when there is no error (warnings allowed).
    public var valid: Bool { !issues.contains { $0.severity == .error } && moreErrors == 0 }

    /// The verdict in a line, as the inbound store keeps it: valid or not, events, and the
    /// first issues.
    public var summary: String {
        let errors = issues.filter { $0.severity == .error }
        let head = valid ? "valid EPCIS \(format.map { "\($0)" } ?? "")" : "invalid EPCIS: \(errors.count + moreErrors) error(s)"
        let first = issues.prefix(5).map { "\($0)" }.joined(separator: "; ")
        return "\(head), \(events) event(s)" + (first.isEmpty ? "" : "; \(first)")
    }
}

/// Identifier findings, the first thousand kept and the rest counted.
struct IdentifierFindings {
    var kept: [EPCISIssue] = []
    var dropped = 0
    var cache = SGTINURICache()

    mutating func add(_ issues: [EPCISIssue]) {
        let room = max(0, 1_000 - kept.count)
        kept += issues.prefix(room)
        dropped += max(0, issues.count - room)
    }
}

/// Validates EPCIS documents: well-formedness and safety (the readers' rules), the XML Schema
/// of the document's version (streamed, as `xmllint --stream --schema`), and the EPCIS rules
/// every writer enforces (required action, bizTransactionList on a TransactionEvent, …).
public enum EPCISValidator {
    /// ``validate(path:schemas:decodeEvents:)`` on the shared ``BlockingPool``: libxml2 and the
    /// file reads block, so they stay off Swift's cooperative pool.
    /// `rules` makes the profile's rules on the pool's thread (they hold the state of one read).
    public static func validateOffThePool(
        path: String, schemas: EPCISSchemas?, decodeEvents: Bool = true, rules: (@Sendable () -> any EPCISDocumentRules)? = nil
    ) async throws -> EPCISValidationReport {
        try await BlockingPool.run { validate(path: path, schemas: schemas, decodeEvents: decodeEvents, rules: rules?()) }
    }

    /// Validates the file at `path`.
    ///
    /// - Parameters:
    ///   - schemas: the XML Schemas; `nil` skips XML Schema validation.
    ///   - decodeEvents: also map every event to the model and check the EPCIS rules (slower;
    ///     without it an XML file gets only the parser's and the schema's checks).
    ///   - rules: a profile's rules (``EPCISDocumentRules``), fed the header and every event;
    ///     they need `decodeEvents`.
    public static func validate(
        path: String, schemas: EPCISSchemas?, decodeEvents: Bool = true, rules: (any EPCISDocumentRules)? = nil
    ) -> EPCISValidationReport {
        var report = EPCISValidationReport(file: path, format: nil, events: 0, issues: [], moreErrors: 0)
        func record(_ error: any Error) {
            if let error = error as? EPCISError {
                let place = error.location.flatMap(Self.lineAndColumn)
                report.issues.append(
                    EPCISIssue(
                        .error, rule: "epcis:\(error.code)", message: error.message, line: place?.0, column: place?.1,
                        path: place == nil ? error.location : nil))
            } else {
                report.issues.append(EPCISIssue(.error, rule: "epcis", message: "\(error)"))
            }
        }
        do {
            if try isJSON(path) {
                report.format = .jsonld20
                let reader = try EPCISJSONLDReader(path: path)
                // The schema sees the whole document; the loop below adds the EPCIS rules.
                if let schema = schemas?.json { report.issues += schema.validate(reader.document) }
                defer { report.issues += reader.warnings }
                var identifiers = IdentifierFindings()
                identifiers.add(IdentifierRules.issues(reader.info.header))
                rules?.header(reader.info.header, format: .jsonld20)
                do {
                    while let event = try reader.next() {
                        report.events += 1
                        try EventRules.check(event, index: report.events)
                        try JSONLDRules.check(event, index: report.events)
                        let index = report.events
                        identifiers.add(
                            IdentifierRules.issues(event, index: index, cache: &identifiers.cache) { "$.epcisBody.eventList[\(index - 1)].\($0)" })
                        rules?.event(event, index: index, path: "$.epcisBody.eventList[\(index - 1)]")
                    }
                } catch {
                    record(error)
                }
                report.issues += identifiers.kept
                report.moreErrors += identifiers.dropped
                if let rules { report.issues += rules.finish() }
                return report
            }
            let bytes = try head(path)
            let head = String(decoding: bytes, as: UTF8.self)
            let version = xmlVersion(bytes)
            let reader: EPCISXMLReader
            if let schemas, let version {
                reader = try EPCISXMLReader(path: path, validatingWith: schemas.xmlSchema(for: version, root: rootName(head)))
            } else {
                reader = try EPCISXMLReader(path: path)
            }
            report.format = reader.info.format
            var identifiers = IdentifierFindings()
            var headerSeen = false
            do {
                if decodeEvents {
                    while let event = try reader.next() {
                        // The header is read by the time the first event is.
                        if !headerSeen {
                            headerSeen = true
                            rules?.header(reader.info.header, format: reader.info.format)
                        }
                        report.events += 1
                        try EventRules.check(event, index: report.events)
                        let index = report.events
                        identifiers.add(IdentifierRules.issues(event, index: index, cache: &identifiers.cache) { "EventList/event[\(index)]/\($0)" })
                        rules?.event(event, index: index, path: "EventList/event[\(index)]")
                    }
                    identifiers.kept = IdentifierRules.issues(reader.info.header) + identifiers.kept
                } else {
                    try reader.skipToEnd()
                }
            } catch {
                record(error)
            }
            if let rules, decodeEvents {
                if !headerSeen { rules.header(reader.info.header, format: reader.info.format) }
                report.issues += rules.finish()
            }
            report.issues += identifiers.kept
            report.moreErrors += identifiers.dropped
            let (validity, dropped) = reader.validityIssues
            report.issues =
                validity.map {
                    var issue = $0; issue.hint = issue.hint ?? hint(forSchemaMessage: issue.message); return issue
                } + report.issues
            report.moreErrors = dropped
            report.issues += reader.warnings
        } catch {
            record(error)
        }
        return report
    }

    /// How many events the document at `path` holds, counting no further than `limit + 1`
    /// (enough to tell that a limit is exceeded); nil when it cannot be read as EPCIS, which
    /// ``validate(path:schemas:decodeEvents:)`` then explains.
    public static func countEvents(path: String, limit: Int) -> Int? {
        do {
            var count = 0
            if try isJSON(path) {
                let reader = try EPCISJSONLDReader(path: path)
                while count <= limit, try reader.next() != nil { count += 1 }
            } else {
                let reader = try EPCISXMLReader(path: path)
                while count <= limit, try reader.next() != nil { count += 1 }
            }
            return count
        } catch {
            return nil
        }
    }

    private static func lineAndColumn(_ location: String) -> (Int, Int?)? {
        let parts = location.split(separator: ":")
        guard let line = parts.first.flatMap({ Int($0) }), parts.count <= 2 else { return nil }
        return (line, parts.count == 2 ? Int(parts[1]) : nil)
    }

    private static func head(_ path: String) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EPCISError(.input, "cannot open \(path): check that the file exists and is readable")
        }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 65536)) ?? Data()
    }

    private static func isJSON(_ path: String) throws -> Bool {
        EPCISDocuments.firstSignificantByte(try head(path)) == UInt8(ascii: "{")
    }

    /// The EPCIS version the root's namespace names, from the first 64 KiB (the schema must be
    /// chosen before the parser starts).
    /// Searched as bytes: Foundation's `String.contains` bridges 64 KiB to UTF-16 four times,
    /// which profiling showed as 6 % of an AS2 receiver's time.
    private static func xmlVersion(_ head: Data) -> EPCISFormat? {
        func has(_ needle: String) -> Bool { ByteSearch.find(Array(needle.utf8), in: head, from: 0) != nil }
        if has("urn:epcglobal:epcis:xsd:1") || has("urn:epcglobal:epcis-query:xsd:1") { return .xml12 }
        if has("urn:epcglobal:epcis:xsd:2") || has("urn:epcglobal:epcis-query:xsd:2") { return .xml20 }
        return nil
    }

    /// The local name of the first element in `text` (after the XML declaration, comments and
    /// a DOCTYPE).
    static func rootName(_ text: String) -> String? {
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: open)...]
            if rest.hasPrefix("!--"), let end = rest.range(of: "-->") {
                rest = rest[end.upperBound...]
                continue
            }
            guard let first = rest.first, first != "?", first != "!" else { continue }
            let name = rest.prefix { !$0.isWhitespace && $0 != ">" && $0 != "/" }
            return String(name.split(separator: ":").last ?? name)
        }
        return nil
    }

    /// A fix hint for the common libxml2 schema messages.
    static func hint(forSchemaMessage message: String) -> String? {
        if message.contains("This element is not expected") {
            return
                "EPCIS elements must appear in the schema's order and only where the schema allows them; compare with the expected list in the message"
        }
        if message.contains("is not a valid value of the atomic type 'xs:dateTime'") {
            return "write times as YYYY-MM-DDThh:mm:ss[.fff] with an offset such as Z or +01:00"
        }
        if message.contains("is not a valid value of the atomic type 'xs:anyURI'") { return "the value must be a URI without spaces" }
        if message.contains("is not an element of the set") { return "use one of the values the message lists" }
        if message.contains("Missing child element") { return "add the missing element named in the message" }
        return nil
    }
}
