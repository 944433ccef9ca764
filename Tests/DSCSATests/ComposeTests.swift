import DSCSA
import EPCIS
import Foundation
import GatewayCore
import Records
import Store
import StoreTestSupport
import TestSupport
import Testing

@Suite("DSCSA composer")
struct ComposeTests {
    static let official = SharedReference.epcis.appendingPathComponent(
        "openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml")
    /// The project's own schemas: a failure to load them fails every test that uses them,
    /// instead of composing without a schema check.
    static var schemas: EPCISSchemas {
        get throws { try loadedSchemas.get() }
    }
    private static let loadedSchemas = Result { try EPCISSchemas(directory: SharedReference.projectRoot.appendingPathComponent("Schemas").path) }

    /// An event reduced to what a DSCSA partner reads, independent of spelling and EPC order.
    struct Shape: Hashable, CustomStringConvertible {
        var type: String, instant: String, offset: String, action: String, bizStep: String, disposition: String
        var readPoint: String, bizLocation: String, parentID: String, epcs: [String], ilmd: [String], transactions: [String]
        var sources: [String], destinations: [String], extensions: [String]

        init(_ event: EPCISEvent) throws {
            func word(_ value: String?) -> String { String((value ?? "").split(whereSeparator: { $0 == ":" || $0 == "/" }).last ?? "") }
            type = event.type.rawValue
            instant = try EPCISTime.utcMilliseconds(event.eventTime)
            offset = event.eventTimeZoneOffset
            action = event.action?.rawValue ?? ""
            bizStep = word(event.bizStep)
            disposition = word(event.disposition)
            readPoint = event.readPoint ?? ""
            bizLocation = event.bizLocation ?? ""
            parentID = event.parentID ?? ""
            epcs = event.epcList.sorted()
            ilmd = event.ilmd.map { "\($0.name)=\($0.text)" }.sorted()
            transactions = event.bizTransactions.map { "\(word($0.type))=\($0.value)" }.sorted()
            sources = event.sources.map { "\(word($0.type))=\($0.value)" }.sorted()
            destinations = event.destinations.map { "\(word($0.type))=\($0.value)" }.sorted()
            extensions = event.extensions.map { "\($0.name)=\($0.text)" }.sorted()
        }

        var description: String { "\(type) \(instant) \(bizStep) \(parentID) \(epcs.count) EPCs" }
    }

    static func read(_ path: String) throws -> (header: EPCISHeader, events: [Shape]) {
        let reader = try EPCISDocuments.open(path: path)
        var events: [Shape] = []
        while let event = try reader.next() { events.append(try Shape(event)) }
        return (reader.info.header, events)
    }

    static func masterData(_ header: EPCISHeader) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for vocabulary in header.vocabularies {
            for element in vocabulary.elements { result[element.id] = Set(element.attributes.map { "\($0.id)=\($0.value)" }) }
        }
        return result
    }

    @Test(
        "records equivalent to the GS1 US R1.3 direct-purchase example compose to the same events, master data and TS, valid against GS1's 1.2 XSD",
        .enabled(if: SharedReference.present, "../shared/reference/epcis is absent: the R1.3 comparison is SKIPPED"), arguments: Engine.allCases)
    func r13(engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        _ = try await store.ingest(try Fixtures.r13, batch: "r13")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("r13-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: output) }
        let report = try await ShipmentComposer(store: store).compose(shipment: "SHIP-1", to: output.path, schemas: try Self.schemas)
        #expect(report.serials == 16 && report.events == 8)

        let lint = try XMLLint.validate(output, schema: SharedReference.xsd12)
        #expect(lint.status == 0, "GS1's 1.2 XSD refuses the composed document: \(lint.output)")

        let expected = try Self.read(Self.official.path)
        let composed = try Self.read(output.path)
        #expect(composed.events == expected.events, "events differ (in document order)")
        #expect(Self.masterData(composed.header) == Self.masterData(expected.header))
        let statement = { (header: EPCISHeader) in header.extensions.first { $0.name == "dscsaTransactionStatement" } }
        #expect(statement(composed.header) != nil && statement(composed.header) == statement(expected.header))
        #expect(composed.header.sbdh?.senders == expected.header.sbdh?.senders)
        #expect(composed.header.sbdh?.receivers == expected.header.sbdh?.receivers)
        try await store.close()
    }

    @Test("every partner form composes and validates: 1.2 XML with NDC-11 and GLN SBDH, JSON-LD with Digital Links", arguments: Engine.allCases)
    func forms(engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        _ = try await store.ingest(try Fixtures.r13, batch: "r13")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("forms-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let legacy = ComposeOptions(format: .xml12, transactionHistory: true, ndcCodeType: .fdaNDC11, sbdhIdentifier: .gln)
        let xml = try await ShipmentComposer(store: store, options: legacy).compose(
            shipment: "SHIP-1", to: directory.appendingPathComponent("a.xml").path, schemas: try Self.schemas)
        let text = try String(contentsOfFile: xml.path, encoding: .utf8)
        #expect(text.contains("<sbdh:Identifier Authority=\"GLN\">0300011111116</sbdh:Identifier>"))
        #expect(text.contains(">00001012345<") && text.contains(">FDA_NDC_11<"))
        let jsonOptions = ComposeOptions(format: .jsonLD, identifiers: .digitalLink)
        let json = try await ShipmentComposer(store: store, options: jsonOptions).compose(
            shipment: "SHIP-1", to: directory.appendingPathComponent("a.jsonld").path, schemas: try Self.schemas)
        let jsonText = try String(contentsOfFile: json.path, encoding: .utf8)
        #expect(jsonText.contains("https://id.gs1.org/01/00300010123455/21/11"))
        #expect(try Self.read(json.path).events.count == 8)
        // EPCIS 2.0 XML has no place for the transaction statement: refused, not silently dropped.
        await #expect(throws: ComposeRejected.self) {
            try await ShipmentComposer(store: store, options: ComposeOptions(format: .xml20)).compose(
                shipment: "SHIP-1", to: directory.appendingPathComponent("b.xml").path, schemas: try Self.schemas)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("b.xml").path))
        try await store.close()
    }

    @Test("missing master data stops the document and names the record to fix", arguments: Engine.allCases)
    func missingMasterData(engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        let records = try Fixtures.r13.filter { $0.id != "l-ws-dc" }
        _ = try await store.ingest(records, batch: "r13")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID().uuidString).xml")
        do {
            _ = try await ShipmentComposer(store: store).compose(shipment: "SHIP-1", to: output.path, schemas: try Self.schemas)
            Issue.record("composed without the buyer's ship-to location master data")
        } catch let error as ComposeRejected {
            #expect(error.problems.count == 1)
            #expect(error.problems[0].recordID == "s-1" && error.problems[0].problem.contains("GLN 0399993456780 has no location master data"))
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
        await #expect(throws: ComposeRejected.self) {
            try await ShipmentComposer(store: store).compose(shipment: "NOPE", to: output.path, schemas: nil)
        }
        try await store.close()
    }
}
