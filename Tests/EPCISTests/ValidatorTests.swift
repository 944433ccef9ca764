import EPCIS
import Foundation
import Testing

/// The streaming validator agrees with `xmllint --schema` on every official XML file.
@Suite(.enabled(if: SharedReference.present, "SKIPPED LOUDLY: ../shared/reference/epcis is absent"))
struct ValidatorTests {
    @Test func verdictsMatchXmllintOnEveryOfficialXMLFile() throws {
        let schemas = EPCISSchemas(epcis12: try XMLSchema(path: SharedReference.xsd12.path), epcis20: try XMLSchema(path: SharedReference.xsd20.path))
        var compared = 0
        for version in ["1.2", "2.0"] {
            let files = (SharedReference.files("examples-\(version)", extensions: ["xml"])
                + SharedReference.files("openepcis-test-resources/\(version)", extensions: ["xml"]))
                .filter { (try? String(contentsOf: $0, encoding: .utf8).contains("urn:epcglobal:epcis:xsd:\(version.prefix(1))")) == true }
                .filter { !$0.path.contains("CaptureJob") && !$0.path.contains("/CBV/") && !$0.path.contains("asterData") }
            let lint = try XMLLint.validate(files, schema: version == "1.2" ? SharedReference.xsd12 : SharedReference.xsd20).output
            for file in files {
                let report = EPCISValidator.validate(path: file.path, schemas: schemas, decodeEvents: false)
                let lintValid = lint.contains(file.path + " validates")
                let xsdErrors = report.issues.filter { $0.rule == "xsd" }
                let ourValid = xsdErrors.isEmpty && report.moreErrors == 0 && !report.issues.contains { $0.severity == .error && $0.rule != "epcis:not-epcis" }
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
        #expect(compared >= 80)
    }

    @Test func eventRulesAreReportedWithTheirPlace() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString).xml")
        try HostileInputTests.minimal.replacingOccurrences(of: "<action>ADD</action>", with: "<action>FLY</action>").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let report = EPCISValidator.validate(path: file.path, schemas: nil)
        #expect(!report.valid)
        let issue = try #require(report.issues.first)
        #expect(issue.rule == "epcis:invalid-event")
        #expect(issue.message.contains("action 'FLY'"))
        #expect(issue.line == 3)  // the event's start tag
    }
}
