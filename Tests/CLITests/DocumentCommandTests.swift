import Foundation
import Testing

/// `convert` and `validate` through the real binary.
struct DocumentCommandTests {
    static let epcis = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/reference/epcis")
    static let present = FileManager.default.fileExists(atPath: epcis.appendingPathComponent("xsd-1.2").path)
    static let dscsa = epcis.appendingPathComponent("openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")

    /// The project's own schemas (proved equivalent to the official ones by OwnSchemaTests).
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas")

    @Test(.enabled(if: present, "SKIPPED LOUDLY: ../shared/reference/epcis is absent"))
    func convertsTheDSCSAExampleToJSONLDAndBack() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("dscsa.jsonld"), back = work.appendingPathComponent("dscsa-1.2.xml")
        let toJSON = try CLITests.gateway("convert", Self.dscsa.path, "--to", "2.0-jsonld", "-o", json.path)
        #expect(toJSON.status == 0, "\(toJSON.stderr)")
        #expect(toJSON.stderr.contains("wrote 8 events"))
        let text = try String(contentsOf: json, encoding: .utf8)
        #expect(text.contains("\"bizStep\": \"commissioning\""))
        #expect(text.contains("\"gs1ushc:dscsaTransactionStatement\""))
        let toXML = try CLITests.gateway("convert", json.path, "--to", "1.2-xml", "-o", back.path)
        #expect(toXML.status == 0, "\(toXML.stderr)")
        let schemas = Self.schemas
        let validate = try CLITests.gateway("validate", "--schemas", schemas.path, back.path, Self.dscsa.path)
        #expect(validate.status == 0, "\(validate.stdout)")
        #expect(validate.stdout.contains("dscsa-1.2.xml: valid (1.2-xml, 8 events, 0 errors"))
    }

    @Test(.enabled(if: present, "SKIPPED LOUDLY: ../shared/reference/epcis is absent"))
    func refusedConversionsExitOneAndLeaveNoFile() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("refused-\(UUID().uuidString).xml")
        let run = try CLITests.gateway("convert", Self.dscsa.path, "--to", "2.0-xml", "-o", output.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("[not-expressible]"))
        #expect(run.stderr.contains("gs1ushc:guidelineVersion"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let missing = try CLITests.gateway("convert", "/nonexistent/file.xml", "--to", "2.0-xml")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot open /nonexistent/file.xml"))
    }

    @Test(.enabled(if: present, "SKIPPED LOUDLY: ../shared/reference/epcis is absent"))
    func validateReportsLocatedIssuesAsTextAndJSON() throws {
        let schemas = Self.schemas
        let broken = Self.epcis.appendingPathComponent("openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/Jumbled_attributes_order.xml")
        let text = try CLITests.gateway("validate", "--schemas", schemas.path, broken.path)
        #expect(text.status == 1)
        #expect(text.stdout.contains("INVALID (1.2-xml"))
        #expect(text.stdout.contains("[xsd]"))
        #expect(text.stdout.contains("This element is not expected"))
        let json = try CLITests.gateway("validate", "--json", "--schemas", schemas.path, broken.path, Self.dscsa.path)
        #expect(json.status == 1)
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(reports.count == 2)
        let issue = try #require((reports[0]["issues"] as? [[String: Any]])?.first)
        #expect(issue["rule"] as? String == "xsd")
        #expect(issue["line"] as? Int != nil)
        #expect(issue["hint"] as? String != nil)
        #expect(reports[1]["issues"] as? [Any] != nil)
        let noSchemas = try CLITests.gateway("validate", "--schemas", "/nonexistent", Self.dscsa.path)
        #expect(noSchemas.status == 2, "schemas that cannot be loaded are not a verdict on the file")
        #expect(noSchemas.stderr.contains("/nonexistent has no epcis-1.2.xsd"))
    }
}
