import Foundation
import Outbox
import Records
import Store
import StoreTestSupport
import Testing

/// A stored value that cannot be read back as what was written is an error with a code on both
/// engines, never a default: a unit whose phase is unreadable must not become shippable.
@Suite struct CorruptionTests {
    /// A store with one product, three units, a lot status and one queued delivery.
    static func populated(_ engine: Engine) async throws -> (store: any GatewayStore, location: String, delivery: String)? {
        guard let location = try engine.makeLocation() else { return nil }
        let store = try await StoreLocation.open(location)
        _ = try await ingest(
            store,
            [
                StoreSuite.product, StoreSuite.commission("c1", ["S1", "S2", "S3"]),
                #"{"id":"st1","kind":"status","time":"2026-02-01T08:00:00-05:00","status":"recall","gtin":"00300010123455","lot":"L1","reason":"test"}"#,
            ])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID().uuidString)").path
        try "{}".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let row = try await store.enqueue(
            NewDelivery(
                id: "d-\(UUID().uuidString)", partner: "p", shipment: "S", transport: "https", documentID: "doc", contentType: "application/json",
                payload: file),
            at: 1_000)
        return (store, location, row.id)
    }

    static func expectCorrupt<T>(_ what: String, _ body: () async throws -> T) async {
        do {
            _ = try await body()
            Issue.record("\(what): a corrupt value was read as if it were valid")
        } catch let error as StoreError {
            #expect(error.code == .corrupt, "\(what): \(error)")
        } catch {
            Issue.record("\(what): not a StoreError: \(error)")
        }
    }

    @Test(arguments: Engine.allCases)
    func anUnknownUnitPhaseIsAnErrorNotCommissioned(_ engine: Engine) async throws {
        guard let (store, location, _) = try await Self.populated(engine) else { return }
        try RawSQL.run(engine, location, ["UPDATE units SET phase = 99 WHERE serial = 'S1'"])
        await Self.expectCorrupt("phase 99") { try await store.unit(.sgtin(gtin: "00300010123455", serial: "S1")) }
        // The untouched units still read.
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "S2"))?.phase == .commissioned)
        // Half a container is corrupt too.
        try RawSQL.run(engine, location, ["UPDATE units SET parent_serial = 'X' WHERE serial = 'S3'"])
        await Self.expectCorrupt("parent serial without GTIN") { try await store.unit(.sgtin(gtin: "00300010123455", serial: "S3")) }
        try await store.close()
    }

    @Test func aPhaseOfTheWrongTypeIsAnErrorNotACrash() async throws {
        // SQLite keeps text in an INTEGER column; GRDB's subscripts would stop the process.
        guard let (store, location, _) = try await Self.populated(.sqlite) else { return }
        try RawSQL.run(.sqlite, location, ["UPDATE units SET phase = 'shipped' WHERE serial = 'S2'"])
        await Self.expectCorrupt("phase as text") { try await store.unit(.sgtin(gtin: "00300010123455", serial: "S2")) }
        try await store.close()
    }

    @Test(arguments: Engine.allCases)
    func anUnknownStatusIsAnErrorNotSuspect(_ engine: Engine) async throws {
        guard let (store, location, _) = try await Self.populated(engine) else { return }
        #expect(try await store.statuses(gtin: "00300010123455").map(\.status) == [.recalled])
        try RawSQL.run(engine, location, ["UPDATE statuses SET status = 'quarantined'"])
        await Self.expectCorrupt("status word") { try await store.statuses(gtin: "00300010123455") }
        try await store.close()
    }

    @Test(arguments: Engine.allCases)
    func anUnknownDeliveryStateOrUnreadableMetadataIsAnError(_ engine: Engine) async throws {
        guard let (store, location, id) = try await Self.populated(engine) else { return }
        try RawSQL.run(engine, location, ["UPDATE deliveries SET metadata = 'not json' WHERE id = '\(id)'"])
        await Self.expectCorrupt("metadata") { try await store.delivery(id) }
        try RawSQL.run(engine, location, ["UPDATE deliveries SET metadata = '{}', state = 'flying' WHERE id = '\(id)'"])
        await Self.expectCorrupt("state") { try await store.delivery(id) }
        await Self.expectCorrupt("state in the counts") { try await store.queueCounts() }
        try await store.close()
    }
}
