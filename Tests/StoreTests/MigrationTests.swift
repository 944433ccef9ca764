import Foundation
import Outbox
import Records
import StoreTestSupport
import Testing

@testable import Store

/// The schema moves forward step by step on both engines: a store the first release made is
/// taken up with its rows intact, opening twice changes nothing, and a store a newer release
/// upgraded is refused.
@Suite struct MigrationTests {
    /// The rows a first-release store holds: a unit, a delivery with its bytes, an attempt.
    static func landedRows(_ engine: Engine) -> [String] {
        // SHA-256 of "hello".
        let digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        let bytes = engine == .sqlite ? "X'68656c6c6f'" : "'\\x68656c6c6f'::bytea"
        return [
            """
            INSERT INTO units (gtin, serial, phase, lot, expiry, commission_record, commission_utc, last_record)
              VALUES ('00300010123455', 'S1', 1, 'L1', '2028-01-31', 'c1', '2026-01-05T13:00:00Z', 'c1')
            """,
            """
            INSERT INTO deliveries (id, partner, shipment, transport, document_id, content_type, byte_count, sha256, metadata, state, version,
              attempts, queued_at, due_at, ack_deadline, ack_reference, acknowledged_at, last_error, lease_owner, lease_until, updated_at)
              VALUES ('d1', 'sink', 'SHIP-1', 'https', 'urn:uuid:doc-1', 'application/json', 5, '\(digest)', '{}', 'retry-wait', 3,
              1, 1000, 2000, NULL, NULL, NULL, 'HTTP 503', NULL, NULL, 1500)
            """,
            "INSERT INTO delivery_payload (delivery_id, seq, data) VALUES ('d1', 0, \(bytes))",
            """
            INSERT INTO delivery_attempts (delivery_id, kind, started_at, finished_at, outcome, detail, owner)
              VALUES ('d1', 'send', 1100, 1400, 'failed', 'HTTP 503', 'host:1')
            """,
        ]
    }

    @Test(arguments: Engine.allCases)
    func aStoreTheFirstReleaseMadeIsUpgradedWithItsRowsIntact(_ engine: Engine) async throws {
        guard let location = try engine.makeLocation() else { return }
        // Exactly what the first release ran on an empty store, then its rows.
        try RawSQL.run(
            engine, location, Schema.version1(engine == .sqlite ? .sqlite : .postgres) + ["INSERT INTO gateway_schema (version) VALUES (1)"])
        try RawSQL.run(engine, location, Self.landedRows(engine))

        let store = try await StoreLocation.open(location)
        let unit = try #require(try await store.unit(.sgtin(gtin: "00300010123455", serial: "S1")))
        #expect(unit.phase == .commissioned && unit.lot == "L1")
        let delivery = try #require(try await store.delivery("d1"))
        #expect(delivery.snapshot.state == .retryWait && delivery.version == 3 && delivery.snapshot.lastError == "HTTP 503")
        let attempts = try await store.attempts("d1")
        #expect(attempts.count == 1)
        #expect(attempts.first?.id.hasPrefix("migrated-") == true && attempts.first?.finishedAt == 1400 && attempts.first?.outcome == "failed")
        // The new columns work: an attempt recorded as started, then finished.
        let attempt = AttemptRow(
            id: "a2", deliveryID: "d1", kind: "send", startedAt: 3000, finishedAt: nil, outcome: AttemptRow.started, detail: "", owner: "test")
        #expect(try await store.startAttempt(attempt, version: 3))
        #expect(try await store.attempts("d1").last?.finishedAt == nil)
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("migrated-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: spool) }
        try await store.spool("d1", to: spool)
        #expect(try String(contentsOfFile: spool, encoding: .utf8) == "hello")
        try await store.close()

        // Opening again applies nothing twice.
        let again = try await StoreLocation.open(location)
        #expect(try await again.attempts("d1").map(\.id) == [attempts[0].id, "a2"])
        try await again.close()
    }

    @Test(arguments: Engine.allCases)
    func aStoreANewerReleaseUpgradedIsRefusedAndLeftAlone(_ engine: Engine) async throws {
        guard let location = try engine.makeLocation() else { return }
        let store = try await StoreLocation.open(location)
        try await store.close()
        let future = Migrations.latest + 1
        switch engine {
        case .sqlite: try RawSQL.run(engine, location, ["INSERT INTO grdb_migrations (identifier) VALUES ('\(future)-from-the-future')"])
        case .postgres:
            try RawSQL.run(
                engine, location,
                ["INSERT INTO gateway_migrations (version, identifier, applied_at) VALUES (\(future), '\(future)-from-the-future', 'now')"])
        }
        do {
            let opened = try await StoreLocation.open(location)
            try await opened.close()
            Issue.record("a store with an unknown schema step was opened")
        } catch let error as StoreError {
            #expect(error.code == .newerSchema)
            #expect(error.message.contains("\(future)-from-the-future") && error.message.contains("newer release"), "\(error)")
        }
    }
}
