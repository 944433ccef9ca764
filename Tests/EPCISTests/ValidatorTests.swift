import EPCIS
import Foundation
import TestSupport
import Testing

/// The streaming validator agrees with `xmllint --schema` on every official XML file.
@Suite(.enabled(if: SharedReference.present, "SKIPPED LOUDLY: ../shared/reference/epcis is absent"))
struct ValidatorTests {
    /// With the project's own schemas (Schemas/), the streaming validator gives xmllint's verdict
    /// with GS1's official schemas, for capture and query documents of both versions.
    @Test func verdictsMatchXmllintWithTheOfficialSchemasOnEveryOfficialXMLFile() throws {
        let schemas = try EPCISSchemas(directory: OwnSchemaTests.schemas.path)
        var compared = 0
        for version in ["1.2", "2.0"] {
            let files = OwnSchemaTests.officialXML
                .filter {
                    let text = (try? String(contentsOf: $0, encoding: .utf8)) ?? ""
                    return text.contains("urn:epcglobal:epcis:xsd:\(version.prefix(1))")
                        || text.contains("urn:epcglobal:epcis-query:xsd:\(version.prefix(1))")
                }
                .filter { !$0.path.contains("CaptureJob") && !$0.path.contains("asterData") }
            for file in files {
                let query = (try String(contentsOf: file, encoding: .utf8)).contains("EPCISQueryDocument")
                let official = OwnSchemaTests.schemaPair(version: version, root: query ? "EPCISQueryDocument" : "EPCISDocument").official
                let lintValid = try XMLLint.validate(file, schema: official).output.contains(file.path + " validates")
                let report = EPCISValidator.validate(path: file.path, schemas: schemas, decodeEvents: false)
                let xsdErrors = report.issues.filter { $0.rule == "xsd" }
                let ourValid =
                    xsdErrors.isEmpty && report.moreErrors == 0 && !report.issues.contains { $0.severity == .error && $0.rule != "epcis:not-epcis" }
                // Bare events are not EPCIS documents for us; xmllint has no global declaration for them either.
                if report.issues.contains(where: { $0.rule == "epcis:not-epcis" }) {
                    #expect(!lintValid, "\(file.lastPathComponent)")
                } else {
                    #expect(ourValid == lintValid, "\(file.lastPathComponent): ours \(ourValid) xmllint \(lintValid): \(report.issues.prefix(2))")
                }
                compared += 1
                for issue in xsdErrors { #expect(issue.line != nil && issue.severity == .error, "\(issue)") }
            }
        }
        #expect(compared >= 100)
    }

    /// JSON-LD files get the JSON schema's verdict plus the EPCIS rules.
    @Test func jsonLDIsCheckedAgainstTheJSONSchema() throws {
        let schemas = try EPCISSchemas(directory: OwnSchemaTests.schemas.path)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString).jsonld")
        defer { try? FileManager.default.removeItem(at: file) }
        let example = SharedReference.epcis.appendingPathComponent("examples-2.0/jsonld/Example_9.6.1-ObjectEvent.jsonld")
        #expect(EPCISValidator.validate(path: example.path, schemas: schemas).valid)
        let broken = try String(contentsOf: example, encoding: .utf8).replacingOccurrences(of: "\"OBSERVE\"", with: "\"observe\"")
        try broken.write(to: file, atomically: true, encoding: .utf8)
        let report = EPCISValidator.validate(path: file.path, schemas: schemas)
        #expect(!report.valid)
        #expect(
            report.issues.contains { $0.rule == "json-schema" && $0.path?.contains("action") == true && $0.message.contains("'observe'") },
            "\(report.issues)")
    }

    @Test func eventRulesAreReportedWithTheirPlace() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString).xml")
        try HostileInputTests.minimal.replacingOccurrences(of: "<action>ADD</action>", with: "<action>FLY</action>").write(
            to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let report = EPCISValidator.validate(path: file.path, schemas: nil)
        #expect(!report.valid)
        let issue = try #require(report.issues.first)
        #expect(issue.rule == "epcis:invalid-event")
        #expect(issue.message.contains("action 'FLY'"))
        #expect(issue.line == 3)  // the event's start tag
    }
}
