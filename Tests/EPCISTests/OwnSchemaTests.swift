import EPCIS
import Foundation
import GatewayCore
import TestSupport
import Testing

/// The schemas in `Schemas/` were written for this project. These tests prove they give the same
/// verdict as GS1's official schemas in ../shared/reference/epcis, on every official example and
/// on about a thousand generated mutations of them (some still valid, most not).
@Suite(.enabled(if: SharedReference.present, "SKIPPED LOUDLY: ../shared/reference/epcis is absent; the schema differential test did not run"))
struct OwnSchemaTests {
    static let schemas = SharedReference.projectRoot.appendingPathComponent("Schemas")
    static let mutants = SharedReference.projectRoot.appendingPathComponent("Tests/Interop")

    /// Official XML files that are EPCIS capture, query or master-data documents.
    static var officialXML: [URL] {
        (SharedReference.files("examples-1.2", extensions: ["xml"]) + SharedReference.files("examples-2.0", extensions: ["xml"])
            + SharedReference.files("openepcis-test-resources", extensions: ["xml"]) + SharedReference.files("hash-test-vectors", extensions: ["xml"]))
            .filter { (try? String(contentsOf: $0, encoding: .utf8).contains("urn:epcglobal:epcis")) == true }
    }

    static var officialJSON: [URL] {
        ["examples-2.0", "openepcis-test-resources", "hash-test-vectors"].flatMap { SharedReference.files($0, extensions: ["json", "jsonld"]) }
    }

    /// Which schema of each set applies to a document of this version and root element.
    static func schemaPair(version: String, root: String) -> (official: URL, ours: URL) {
        let folder = SharedReference.epcis.appendingPathComponent(version == "1.2" ? "xsd-1.2" : "xsd-2.0")
        let suffix = version == "1.2" ? "1_2" : "2_0"
        switch root {
        case "EPCISQueryDocument":
            return (
                folder.appendingPathComponent("EPCglobal-epcis-query-\(suffix).xsd"), schemas.appendingPathComponent("epcis-query-\(version).xsd")
            )
        case "EPCISMasterDataDocument":
            return (
                folder.appendingPathComponent("EPCglobal-epcis-masterdata-\(suffix).xsd"),
                schemas.appendingPathComponent("epcis-masterdata-\(version).xsd")
            )
        default:
            return (folder.appendingPathComponent("EPCglobal-epcis-\(suffix).xsd"), schemas.appendingPathComponent("epcis-\(version).xsd"))
        }
    }

    /// The set of files xmllint says validate against `schema`.
    static func validating(_ files: [String], schema: URL) throws -> Set<String> {
        var valid: Set<String> = []
        for batch in stride(from: 0, to: files.count, by: 400).map({ Array(files[$0..<min($0 + 400, files.count)]) }) {
            let output = try XMLLint.validate(batch.map { URL(fileURLWithPath: $0) }, schema: schema).output
            for file in batch where output.contains(file + " validates") { valid.insert(file) }
            for file in batch {
                #expect(output.contains(file + " validates") || output.contains(file + " fails to validate"), "xmllint gave no verdict for \(file)")
            }
        }
        return valid
    }

    @Test func xmlSchemasGiveTheOfficialVerdictOnExamplesAndMutants() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xsd-mutants-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let listing = try Command.run(
            ["python3", Self.mutants.appendingPathComponent("xml_mutants.py").path, directory.path, "8", "20261121"] + Self.officialXML.map(\.path))
        #expect(listing.status == 0, "\(listing.output.prefix(2000))")
        var groups: [String: [(file: String, change: String)]] = [:]
        for line in listing.output.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { continue }
            groups["\(fields[1])|\(fields[2])", default: []].append((fields[0], fields[3]))
        }
        var counts = (originals: 0, valid: 0, invalid: 0)
        for (key, entries) in groups.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|").map(String.init)
            let pair = Self.schemaPair(version: parts[0], root: parts[1])
            let files = entries.map(\.file)
            let official = try Self.validating(files, schema: pair.official)
            let ours = try Self.validating(files, schema: pair.ours)
            for entry in entries {
                #expect(
                    official.contains(entry.file) == ours.contains(entry.file),
                    "\(entry.file) (\(entry.change)): official \(official.contains(entry.file)), ours \(ours.contains(entry.file))")
                if entry.change == "original" {
                    counts.originals += 1
                } else if official.contains(entry.file) {
                    counts.valid += 1
                } else {
                    counts.invalid += 1
                }
            }
        }
        // Enough of each kind that the comparison means something.
        #expect(counts.originals >= 130, "\(counts)")
        #expect(counts.valid >= 150 && counts.invalid >= 500, "\(counts)")
        print(
            "XSD differential: \(counts.originals) official files, \(counts.valid) valid and \(counts.invalid) invalid mutants, all with the official verdict"
        )
    }

    @Test func jsonSchemaGivesTheOfficialVerdictInPythonAndInTheGatewaysValidator() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("json-mutants-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let listing = try Command.run(
            ["python3", Self.mutants.appendingPathComponent("json_mutants.py").path, directory.path, "10", "20261121"] + Self.officialJSON.map(\.path)
        )
        #expect(listing.status == 0, "\(listing.output.prefix(2000))")
        let files = Self.officialJSON + listing.output.split(separator: "\n").map { URL(fileURLWithPath: String($0)) }
        let official = try PythonJSONSchema.validate(files, schema: SharedReference.jsonSchema)
        let ours = try PythonJSONSchema.validate(files, schema: Self.schemas.appendingPathComponent("epcis-2.0.schema.json"))
        let compiled = try JSONSchema(path: Self.schemas.appendingPathComponent("epcis-2.0.schema.json").path)
        var counts = (valid: 0, invalid: 0)
        for file in files {
            let officialValid = official[file.path].map { $0 == nil }
            #expect(officialValid != nil, "no official verdict for \(file.lastPathComponent)")
            #expect(
                ours[file.path].map { $0 == nil } == officialValid,
                "python, our schema vs official: \(file.path): \(String(describing: ours[file.path] ?? nil)) / \(String(describing: official[file.path] ?? nil))"
            )
            let value = try JSONParser.parse([UInt8](try Data(contentsOf: file)))
            let issues = compiled.validate(value)
            #expect(
                issues.isEmpty == officialValid,
                "gateway validator vs official: \(file.path): \(issues.prefix(2)) / \(String(describing: official[file.path] ?? nil))")
            #expect(issues.isEmpty == compiled.isValid(value))
            for issue in issues { #expect(issue.path?.hasPrefix("$") == true && issue.rule == "json-schema", "\(issue)") }
            if officialValid == true { counts.valid += 1 } else { counts.invalid += 1 }
        }
        #expect(counts.valid >= 300 && counts.invalid >= 500, "\(counts)")
        print(
            "JSON schema differential: \(Self.officialJSON.count) official files and \(files.count - Self.officialJSON.count) mutants (\(counts.valid) valid, \(counts.invalid) invalid), all with the official verdict"
        )
    }

    @Test(arguments: [
        ("urn:epc:id:sgtin:0614141.107346.2017", true), ("https://id.gs1.org/01/09521234543213/21/1?x=1#f", true),
        ("ex:note", true), ("a:", true), ("http://[::1]:8080/x", true), ("http://[v1.x]/", true), ("http://user:pw@host:80/p", true),
        ("http://x/%41", true), ("urn:x\n", true),
        ("not a uri", false), ("1a:b", false), ("@context", false), ("http://x/%zz", false), ("http://x/#a#b", false),
        ("http://ä.example/", false), ("http://[::1::2]/", false), ("http://host:8a/", false), ("", false),
    ])
    func uriFormatFollowsRFC3986(text: String, expected: Bool) throws {
        let schema = try JSONSchema(schema: try JSONParser.parse(Array(#"{"type":"string","format":"uri"}"#.utf8)))
        #expect(schema.isValid(.string(text)) == expected)
    }

    @Test(arguments: [
        ("2024-02-29T00:00:00Z", true), ("2024-01-01t00:00:00.123456789z", true), ("2024-01-01T00:00:00+23:59", true),
        ("2023-02-29T00:00:00Z", false), ("2024-01-01T23:59:60Z", false), ("2024-01-01T00:00:00", false),
        ("2024-01-01T00:00:00.Z", false), ("0000-01-01T00:00:00Z", false), ("2024-01-01 00:00:00Z", false),
    ])
    func dateTimeFormatFollowsRFC3339(text: String, expected: Bool) throws {
        let schema = try JSONSchema(schema: try JSONParser.parse(Array(#"{"format":"date-time"}"#.utf8)))
        #expect(schema.isValid(.string(text)) == expected)
    }

    @Test func schemaIssuesNameThePlaceAndTheFix() throws {
        let schema = try JSONSchema(path: Self.schemas.appendingPathComponent("epcis-2.0.schema.json").path)
        let document = """
            {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
             "schemaVersion": "2.0", "creationDate": "2024-03-01T08:30:00Z",
             "epcisBody": {"eventList": [
               {"type": "ObjectEvent", "eventTime": "2024-03-01T08:30:00Z", "eventTimeZoneOffset": "+01:00",
                "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"], "action": "ADD", "bizStep": "shiping", "lotNumber": "L1"}]}}
            """
        let issues = schema.validate(try JSONParser.parse(Array(document.utf8)))
        #expect(issues.count == 2, "\(issues)")
        let bizStep = try #require(issues.first { $0.path == "$.epcisBody.eventList[0].bizStep" })
        #expect(bizStep.message.contains("'shiping' is not one of"))
        let member = try #require(issues.first { $0.path == "$.epcisBody.eventList[0].lotNumber" })
        #expect(member.message.contains("'lotNumber' is not an EPCIS field"))
        #expect(member.hint?.contains("CURIE") == true)
    }

    @Test func unsupportedKeywordsAreRefusedWhenTheSchemaIsCompiled() throws {
        #expect(throws: EPCISError.self) { try JSONSchema(schema: try JSONParser.parse(Array(#"{"maxLength": 3}"#.utf8))) }
        #expect(throws: EPCISError.self) { try JSONSchema(schema: try JSONParser.parse(Array(#"{"$ref": "https://example.com/x"}"#.utf8))) }
    }
}
