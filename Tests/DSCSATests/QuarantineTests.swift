import DSCSA
import Foundation
import Records
import Store
import StoreTestSupport
import TestSupport
import Testing

/// A suspect status locks its units against shipping: the composer refuses the shipment and
/// names the quarantine, until an operator closes it with a reason.
@Suite struct QuarantineTests {
    static func suspect(_ serial: String) throws -> [FeedRecord] {
        let line = """
            {"id": "st-q-\(serial)", "kind": "status", "time": "2023-04-01T03:00:00Z", "status": "suspect", "reason": "tamper seal broken", "items": [{"gtin": "00300010123455", "serial": "\(serial)"}]}
            """
        return try RecordFeed.parse(Array(line.utf8), format: .jsonLines)
    }

    @Test(arguments: Engine.allCases)
    func aQuarantinedUnitStopsItsShipmentUntilTheQuarantineIsClosed(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        _ = try await store.ingest(try Fixtures.r13, batch: "r13")
        _ = try await store.ingest(try Self.suspect("11"), batch: "suspect")
        let open = try await store.quarantines(includeClosed: false)
        #expect(open.map { "\($0.recordID)#\($0.position) \($0.status) \($0.scope)" } == ["st-q-11#0 suspect GTIN 00300010123455 serial 11"])
        #expect(open.first?.reason == "tamper seal broken")

        let output = FileManager.default.temporaryDirectory.appendingPathComponent("quarantine-\(UUID().uuidString).xml").path
        let refused = await #expect(throws: ComposeRejected.self) {
            try await ShipmentComposer(store: store).compose(shipment: "SHIP-1", to: output, schemas: nil)
        }
        #expect(refused?.problems.count == 1)
        #expect(refused?.problems.first?.problem.contains("quarantine st-q-11#0 (suspect") == true, "\(String(describing: refused))")
        #expect(refused?.problems.first?.fix.contains("quarantine close st-q-11#0") == true)
        #expect(!FileManager.default.fileExists(atPath: output), "nothing is written for a refused shipment")

        let closed = try await store.closeQuarantine(recordID: "st-q-11", position: 0, reason: "seal checked, product intact", by: "qa", at: 1_000)
        #expect(closed.closedBy == "qa" && closed.closeReason == "seal checked, product intact" && !closed.isOpen)
        await #expect(throws: StoreError.self) {
            try await store.closeQuarantine(recordID: "st-q-11", position: 0, reason: "again", by: "qa", at: 2_000)
        }
        await #expect(throws: StoreError.self) { try await store.closeQuarantine(recordID: "nope", position: 0, reason: "x", by: "qa", at: 2_000) }
        #expect(try await store.quarantines(includeClosed: false).isEmpty)
        #expect(try await store.quarantines(includeClosed: true).first?.closedAt == 1_000)
        let report = try await ShipmentComposer(store: store).compose(shipment: "SHIP-1", to: output, schemas: nil)
        #expect(report.serials > 0)
        try await store.close()
    }
}
