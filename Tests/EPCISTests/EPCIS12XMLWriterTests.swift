import EPCIS
import Foundation
import TestSupport
import Testing

struct EPCIS12XMLWriterTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let officialXSD = root.deletingLastPathComponent().appendingPathComponent("shared/reference/epcis/xsd-1.2/EPCglobal-epcis-1_2.xsd")
    static let sharedPresent = FileManager.default.fileExists(atPath: officialXSD.path)

    static func document(_ events: [EPCISEvent], header: EPCISHeader = DSCSAExample.header) throws -> String {
        let sink = MemorySink()
        var writer = EPCISXMLWriter(sink: sink, version: .epcis12)
        try writer.begin(header: header, creationDate: "2023-04-01T08:45:16Z")
        for event in events { try writer.write(event) }
        try writer.finish()
        return sink.text
    }

    /// Compares with the committed golden file; `UPDATE_GOLDEN=1` rewrites it (review the diff).
    static func expectGolden(_ text: String, _ name: String) throws {
        let file = golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "output differs from Golden/\(name); run with UPDATE_GOLDEN=1 and review the diff")
    }

    @Test func dscsaDirectPurchaseShipmentMatchesItsGoldenFile() throws {
        try Self.expectGolden(try Self.document(DSCSAExample.events), "dscsa-direct-purchase-1.2.xml")
    }

    @Test(.enabled(if: sharedPresent, "SKIPPED LOUDLY: ../shared/reference/epcis is absent, so the official 1.2 XSD cannot be checked"))
    func outputIsValidAgainstTheOfficialXSD() throws {
        var transformation = EPCISEvent(type: .transformation, eventTime: "2023-03-27T06:40:00Z", eventTimeZoneOffset: "-05:00")
        transformation.inputQuantityList = [QuantityElement(epcClass: "urn:epc:class:lgtin:030001.0012345.BULK", quantity: "10.5", uom: "KGM")]
        transformation.outputEPCList = Array(DSCSAExample.packs.prefix(2))
        transformation.bizStep = "urn:epcglobal:cbv:bizstep:commissioning"
        transformation.ilmd = DSCSAExample.events[0].ilmd
        var transaction = EPCISEvent(type: .transaction, eventTime: "2023-04-01T07:50:00.123-05:00", eventTimeZoneOffset: "-05:00", action: .add)
        transaction.bizTransactions = [TypedReference(type: nil, value: "urn:epcglobal:cbv:bt:0399999999991:XYZPO189")]
        transaction.parentID = DSCSAExample.pallet
        transaction.quantityList = [QuantityElement(epcClass: "urn:epc:idpat:sgtin:030001.0012345.*", quantity: "12")]
        transaction.eventID = "urn:uuid:5f2c8f0e-6b7a-4d0e-9d7e-2f3b1a0c9e11"
        transaction.errorDeclaration = ErrorDeclaration(
            declarationTime: "2023-04-02T00:00:00Z", reason: "incorrect_data", correctiveEventIDs: ["urn:uuid:1"])
        let text = try Self.document(DSCSAExample.events + [transformation, transaction])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("epcis12-\(UUID().uuidString).xml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try XMLLint.validate(file, schema: Self.officialXSD)
        #expect(result.status == 0, "xmllint: \(result.output)")
    }

    @Test func twoPointOhFieldsUseTheExtensionMappingAndReadBackUnchanged() throws {
        var object = DSCSAExample.events[0]
        object.sensorElements = [
            XMLElement(
                name: "sensorElement", children: [.element(XMLElement(name: "sensorReport", attributes: [XMLAttribute(name: "value", value: "4.5")]))]
            )
        ]
        object.persistentDispositionSet = ["completeness_verified"]
        object.certificationInfo = "https://cert.example.com/1"
        var association = EPCISEvent(type: .association, eventTime: "2023-01-01T00:00:00Z", eventTimeZoneOffset: "+00:00", action: .add)
        association.parentID = "urn:epc:id:sgln:030001.111111.0"
        association.certificationInfo = "https://cert.example.com/2"
        let text = try Self.document([object, association])
        #expect(text.contains("<extension>\n            <certificationInfo>https://cert.example.com/1</certificationInfo>"))
        #expect(text.contains("      <extension>\n        <extension>\n          <AssociationEvent>"))
        let reader = try EPCISXMLReader(bytes: Array(text.utf8))
        expectSame(try reader.next(), object, "object event")
        expectSame(try reader.next(), association, "association event")
        #expect(try reader.next() == nil)
        let masterDataOnly = EPCISHeader(vocabularies: DSCSAExample.header.vocabularies)
        #expect(throws: EPCISError.self) { try Self.document([], header: masterDataOnly) }
    }

    @Test func brokenEventsAreRefusedWithTheRuleTheyBreak() throws {
        var noAction = DSCSAExample.events[0]
        noAction.action = nil
        #expect(try #require(throws: EPCISError.self) { try Self.document([noAction]) }.message.contains("has no action"))
        let transaction = EPCISEvent(type: .transaction, eventTime: "2023-01-01T00:00:00Z", eventTimeZoneOffset: "+00:00", action: .add)
        #expect(try #require(throws: EPCISError.self) { try Self.document([transaction]) }.message.contains("has no bizTransactionList"))
        var untyped = DSCSAExample.events.last!
        untyped.sources.append(TypedReference(type: nil, value: "urn:epc:id:sgln:030001.111111.0"))
        #expect(try #require(throws: EPCISError.self) { try Self.document([untyped]) }.message.contains("without a type"))
    }

    @Test func textIsEscapedAndUnknownNamespacesAreDeclaredWhereUsed() throws {
        var event = DSCSAExample.events[0]
        event.epcList = ["https://example.com/01/00300010123455/21/A&B<C>"]
        event.extensions = [
            XMLElement(
                namespace: "https://example.com/ext", prefix: "ex", name: "note", attributes: [XMLAttribute(name: "kind", value: "\"q\"")],
                children: [.text("a < b & c"), .element(XMLElement(namespace: "https://example.com/ext", prefix: "ex", name: "b", text: "x"))])
        ]
        let text = try Self.document([event])
        #expect(text.contains("<epc>https://example.com/01/00300010123455/21/A&amp;B&lt;C&gt;</epc>"))
        #expect(text.contains(#"<ex:note xmlns:ex="https://example.com/ext" kind="&quot;q&quot;">a &lt; b &amp; c<ex:b>x</ex:b></ex:note>"#))
    }

    @Test func streamedEPCsFollowTheListedOnesAndMemoryStaysInChunks() throws {
        let sink = CountingSink()
        var writer = EPCISXMLWriter(sink: sink, version: .epcis12)
        try writer.begin(header: DSCSAExample.header, creationDate: "2023-04-01T08:45:16Z")
        let count = 200_000
        try writer.write(DSCSAExample.events[0], streamingEPCs: (0..<count).lazy.map { "urn:epc:id:sgtin:030001.0012345.\($0)" })
        try writer.finish()
        #expect(sink.largestChunk <= 70_000, "the writer hands out bounded chunks")
        #expect(sink.epcElements == count + DSCSAExample.packs.count)
    }
}

/// Counts what passes through without keeping it.
final class CountingSink: ByteSink {
    var largestChunk = 0
    var epcElements = 0
    private var carry: [UInt8] = []

    func write(_ bytes: UnsafeRawBufferPointer) {
        largestChunk = max(largestChunk, bytes.count)
        let pattern = Array("<epc>".utf8)
        let data = carry + Array(bytes)
        var index = 0
        while index + pattern.count <= data.count {
            if data[index] == pattern[0] && Array(data[index..<index + pattern.count]) == pattern { epcElements += 1 }
            index += 1
        }
        carry = Array(data.suffix(pattern.count - 1))
    }
}
