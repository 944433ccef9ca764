import Compliance
import EPCIS
import Foundation
import TestSupport
import Testing

/// `validate --profile dscsa`: each defect, made from the R1.3-shaped golden shipment, is found
/// by its rule at its place, and the documents it was made from give no finding.
struct DSCSAProfileTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EPCISTests/Golden/dscsa-direct-purchase-1.2.xml")

    static let defects: [DocumentDefect] = [
        DocumentDefect(
            name: "a case GTIN without product master data", find: "VocabularyElement id=\"urn:epc:idpat:sgtin:030001.1012345.*\"",
            replace: "VocabularyElement id=\"urn:epc:idpat:sgtin:030001.1012346.*\"", rule: "dscsa:master-data-product",
            path: "EventList/event[2]"),
        DocumentDefect(
            name: "product master data without its NDC",
            find: "<attribute id=\"urn:epcglobal:cbv:mda#additionalTradeItemIdentification\">0001-0123-45</attribute>", replace: "",
            rule: "dscsa:ndc-missing", path: "masterData EPCClass id[0]"),
        DocumentDefect(
            name: "an NDC whose digits are not the GTIN's", find: ">0001-0123-45<", replace: ">0001-0123-46<", rule: "dscsa:ndc-mismatch",
            path: "masterData EPCClass id[0]"),
        DocumentDefect(
            name: "an NDC whose labeler contradicts the company prefix", find: ">0001-0123-45<", replace: ">00010-123-45<",
            rule: "dscsa:ndc-mismatch", path: "masterData EPCClass id[0]"),
        DocumentDefect(
            name: "an 11-digit NDC that is not the GTIN's",
            find:
                ">0001-0123-45</attribute>\n                <attribute id=\"urn:epcglobal:cbv:mda#additionalTradeItemIdentificationTypeCode\">US_FDA_NDC",
            replace:
                ">00001012346</attribute>\n                <attribute id=\"urn:epcglobal:cbv:mda#additionalTradeItemIdentificationTypeCode\">FDA_NDC_11",
            rule: "dscsa:ndc-mismatch", path: "masterData EPCClass id[0]"),
        DocumentDefect(
            name: "a ship-to location without master data", find: "VocabularyElement id=\"urn:epc:id:sgln:039999.345678.0\"",
            replace: "VocabularyElement id=\"urn:epc:id:sgln:039999.345679.0\"", rule: "dscsa:master-data-location", path: "EventList/event[8]"),
        DocumentDefect(
            name: "a location's master data without its city", find: "<attribute id=\"urn:epcglobal:cbv:mda#city\">Thousand Oaks</attribute>",
            replace: "", rule: "dscsa:master-data-location", path: "masterData Location id[0]"),
        DocumentDefect(
            name: "commissioned packs without their expiry", find: "<cbvmda:itemExpirationDate>2025-03-27</cbvmda:itemExpirationDate>",
            replace: "", rule: "dscsa:lot-expiry", path: "EventList/event[1]"),
        DocumentDefect(
            name: "commissioned cases without their lot",
            find:
                "<cbvmda:lotNumber>A123</cbvmda:lotNumber>\n            <cbvmda:itemExpirationDate>2025-03-27</cbvmda:itemExpirationDate>\n          </ilmd>\n        </extension>\n      </ObjectEvent>\n      <AggregationEvent>",
            replace:
                "<cbvmda:itemExpirationDate>2025-03-27</cbvmda:itemExpirationDate>\n          </ilmd>\n        </extension>\n      </ObjectEvent>\n      <AggregationEvent>",
            rule: "dscsa:lot-expiry", path: "EventList/event[2]"),
        DocumentDefect(
            name: "a shipped pack that was never commissioned", find: "<epc>urn:epc:id:sgtin:030001.0012345.22</epc>", replace: "",
            rule: "dscsa:not-commissioned", path: "EventList/event[8]"),
        DocumentDefect(
            name: "a pack in two cases",
            find:
                "<parentID>urn:epc:id:sgtin:030001.1012345.111</parentID>\n        <childEPCs>\n          <epc>urn:epc:id:sgtin:030001.0012345.15</epc>",
            replace:
                "<parentID>urn:epc:id:sgtin:030001.1012345.111</parentID>\n        <childEPCs>\n          <epc>urn:epc:id:sgtin:030001.0012345.11</epc>",
            rule: "dscsa:two-parents", path: "EventList/event[4]"),
        DocumentDefect(
            name: "no shipping event", find: "<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>",
            replace: "<bizStep>urn:epcglobal:cbv:bizstep:departing</bizStep>", rule: "dscsa:shipping-event", path: "EventList"),
        DocumentDefect(
            name: "a shipping event that is not in transit", find: "<disposition>urn:epcglobal:cbv:disp:in_transit</disposition>",
            replace: "<disposition>urn:epcglobal:cbv:disp:active</disposition>", rule: "dscsa:shipping-disposition", path: "EventList/event[8]"),
        DocumentDefect(
            name: "a shipping event without a purchase order", find: "<bizTransaction type=\"urn:epcglobal:cbv:btt:po\">",
            replace: "<bizTransaction type=\"urn:epcglobal:cbv:btt:bol\">", rule: "dscsa:shipping-transaction", path: "EventList/event[8]"),
        DocumentDefect(
            name: "a shipping event without its ship-from location",
            find: "<source type=\"urn:epcglobal:cbv:sdt:location\">urn:epc:id:sgln:030001.111121.0</source>", replace: "",
            rule: "dscsa:shipping-source", path: "EventList/event[8]"),
        DocumentDefect(
            name: "a shipping event without the buyer",
            find: "<destination type=\"urn:epcglobal:cbv:sdt:owning_party\">urn:epc:id:sgln:039999.999999.0</destination>", replace: "",
            rule: "dscsa:shipping-destination", path: "EventList/event[8]"),
        DocumentDefect(
            name: "an SBDH without a receiver",
            find:
                "<sbdh:Receiver>\n        <sbdh:Identifier Authority=\"GS1\">urn:epc:id:sgln:039999.999999.0</sbdh:Identifier>\n      </sbdh:Receiver>",
            replace: "", rule: "dscsa:sbdh", path: "StandardBusinessDocumentHeader Receiver"),
        DocumentDefect(
            name: "an SBDH identifier whose Authority does not fit its form",
            find: "<sbdh:Identifier Authority=\"GS1\">urn:epc:id:sgln:030001.111111.0",
            replace: "<sbdh:Identifier Authority=\"GLN\">urn:epc:id:sgln:030001.111111.0", rule: "dscsa:sbdh-authority",
            path: "StandardBusinessDocumentHeader Sender[0] Identifier"),
        DocumentDefect(
            name: "a transaction statement not affirmed", find: "<gs1ushc:affirmTransactionStatement>true<",
            replace: "<gs1ushc:affirmTransactionStatement>false<", rule: "dscsa:transaction-statement",
            path: "EPCISHeader gs1ushc:dscsaTransactionStatement"),
        DocumentDefect(
            name: "no transaction statement",
            find:
                "<gs1ushc:dscsaTransactionStatement>\n      <gs1ushc:affirmTransactionStatement>true</gs1ushc:affirmTransactionStatement>\n      <gs1ushc:legalNotice>Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G).</gs1ushc:legalNotice>\n    </gs1ushc:dscsaTransactionStatement>",
            replace: "", rule: "dscsa:transaction-statement", path: "EPCISHeader"),
        DocumentDefect(
            name: "an event time without its offset", find: "<eventTime>2023-03-27T06:45:16Z</eventTime>",
            replace: "<eventTime>2023-03-27T06:45:16</eventTime>", rule: "dscsa:event-time-offset", path: "EventList/event[1]"),
        DocumentDefect(
            name: "a case packed before it was commissioned", find: "<eventTime>2023-03-27T06:50:16Z</eventTime>",
            replace: "<eventTime>2023-03-27T06:45:30Z</eventTime>", rule: "dscsa:lifecycle-order", path: "EventList/event[3]"),
        DocumentDefect(
            name: "a pallet shipped before it was packed", find: "<eventTime>2023-04-01T07:48:16Z</eventTime>",
            replace: "<eventTime>2023-04-01T06:47:30Z</eventTime>", rule: "dscsa:lifecycle-order", path: "EventList/event[8]"),
    ]

    static func validate(_ text: String) throws -> EPCISValidationReport {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dscsa-\(UUID().uuidString).xml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return EPCISValidator.validate(path: file, schemas: nil, rules: DSCSAProfile())
    }

    @Test func theGoldenShipmentAndGS1USsOwnExampleHaveNoFinding() throws {
        let report = try Self.validate(try String(contentsOf: Self.golden, encoding: .utf8))
        #expect(report.valid && report.issues.isEmpty, "\(report.issues)")
        guard SharedReference.present else {
            print("⚠️  the GS1 US R1.3 example was not checked: ../shared/reference/epcis is absent")
            return
        }
        let official = SharedReference.epcis.appendingPathComponent(
            "openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
        let schemas = try EPCISSchemas(directory: SharedReference.projectRoot.appendingPathComponent("Schemas").path)
        let example = EPCISValidator.validate(path: official.path, schemas: schemas, rules: DSCSAProfile())
        #expect(example.valid && example.issues.isEmpty && example.events == 8, "\(example.issues)")
    }

    @Test(arguments: defects)
    func eachDefectIsFoundByItsRuleAtItsPlace(_ defect: DocumentDefect) throws {
        let text = try String(contentsOf: Self.golden, encoding: .utf8)
        let changed = try #require(defect.apply(to: text), "the golden document no longer holds \(defect.find)")
        let report = try Self.validate(changed)
        let findings = report.issues.filter { $0.severity == .error }
        #expect(findings.count == 1 && !report.valid, "\(findings)")
        let finding = try #require(findings.first)
        #expect(finding.rule == defect.rule && finding.path == defect.path, "\(finding)")
        #expect(finding.hint == DSCSARule.all.first { $0.id == defect.rule }?.hint && !finding.message.isEmpty)
    }

    @Test func everyRuleHasADefectThatFindsItOrIsAWarning() {
        let covered = Set(Self.defects.map(\.rule))
        for rule in DSCSARule.all where rule.severity == .error {
            #expect(covered.contains(rule.id), "no defect in the corpus breaks \(rule.id)")
        }
        #expect(Set(DSCSARule.all.map(\.id)).count == DSCSARule.all.count, "rule ids are unique")
    }

    @Test func legacyMasterDataInILMDIsRecognisedWithAWarning() throws {
        let text = try String(contentsOf: Self.golden, encoding: .utf8)
        let legacy = text.replacingOccurrences(
            of: "<cbvmda:lotNumber>A123</cbvmda:lotNumber>",
            with:
                "<cbvmda:lotNumber>A123</cbvmda:lotNumber><gs1ushc:tradeItemMasterData><gs1ushc:drugName>Epcistra</gs1ushc:drugName></gs1ushc:tradeItemMasterData>",
            options: [], range: text.range(of: "<cbvmda:lotNumber>A123</cbvmda:lotNumber>"))
        let report = try Self.validate(legacy)
        #expect(report.valid, "\(report.issues)")
        #expect(report.issues.map(\.rule) == ["dscsa:legacy-master-data"], "\(report.issues)")
    }

    @Test func anElevenDigitNDCOfTheGTINIsAccepted() throws {
        // FDA_NDC_11 pads the 4-digit labeler: 0001-0123-45 is 00001012345.
        let text = try String(contentsOf: Self.golden, encoding: .utf8)
            .replacingOccurrences(of: ">0001-0123-45<", with: ">00001012345<")
            .replacingOccurrences(of: ">US_FDA_NDC<", with: ">FDA_NDC_11<")
        let report = try Self.validate(text)
        #expect(report.valid && report.issues.isEmpty, "\(report.issues)")
    }

    @Test func aDropShipmentNeedNotCommissionWhatItShips() throws {
        let text = try String(contentsOf: Self.golden, encoding: .utf8)
            .replacingOccurrences(of: "<epc>urn:epc:id:sgtin:030001.0012345.22</epc>\n", with: "", options: [], range: nil)
            .replacingOccurrences(of: "<gs1ushc:dropShipment>false</gs1ushc:dropShipment>", with: "<gs1ushc:dropShipment>true</gs1ushc:dropShipment>")
        let report = try Self.validate(text)
        #expect(!report.issues.contains { $0.rule == "dscsa:not-commissioned" }, "\(report.issues)")
    }

    @Test func inboundShipmentsAreHeldToTheDSCSARulesAndOtherDocumentsAreNot() async throws {
        let text = try String(contentsOf: Self.golden, encoding: .utf8)
        func verdict(_ text: String) async throws -> (valid: Bool, summary: String) {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("inbound-\(UUID().uuidString).xml").path
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            return try await InboundVerdict.of(path: file, schemas: nil)
        }
        let good = try await verdict(text)
        #expect(good.valid && good.summary.hasSuffix("DSCSA shipment rules: no finding"), "\(good.summary)")
        let bad = try await verdict(
            text.replacingOccurrences(of: "<gs1ushc:affirmTransactionStatement>true<", with: "<gs1ushc:affirmTransactionStatement>false<"))
        #expect(!bad.valid && bad.summary.contains("dscsa:transaction-statement") && bad.summary.hasSuffix("1 finding(s)"), "\(bad.summary)")
        // Without a shipping event it is not a shipment: its missing SBDH is not held against it.
        let receipt = try await verdict(
            text.replacingOccurrences(
                of: "<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>", with: "<bizStep>urn:epcglobal:cbv:bizstep:receiving</bizStep>"))
        #expect(receipt.valid && receipt.summary.hasSuffix("not a shipment") && !receipt.summary.contains("dscsa:"), "\(receipt.summary)")
    }

    @Test func findingsOfOneRuleAreCappedAndCounted() throws {
        var text = try String(contentsOf: Self.golden, encoding: .utf8)
        text = text.replacingOccurrences(of: "Z</eventTime>", with: "</eventTime>")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dscsa-cap-\(UUID().uuidString).xml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let report = EPCISValidator.validate(path: file, schemas: nil, rules: DSCSAProfile(limitPerRule: 3))
        let offsets = report.issues.filter { $0.rule == "dscsa:event-time-offset" }
        #expect(offsets.count == 4 && offsets.last?.message == "and 5 more finding(s) of this rule", "\(offsets)")
    }
}
