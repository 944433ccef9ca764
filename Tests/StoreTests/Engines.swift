import Foundation
import Records
import Store
import TestSupport
import Testing

/// The two store engines every store test runs on.
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The server `scripts/test.sh` starts, as `postgres://user@127.0.0.1:port/postgres`.
    static let postgresURL = ProcessInfo.processInfo.environment["EPCIS_GATEWAY_TEST_POSTGRES"]
    static let required = ProcessInfo.processInfo.environment["EPCIS_GATEWAY_REQUIRE_INTEROP"] == "1"

    /// A new, empty store; nil (after a loud message, or a failure when `make test` runs) when
    /// PostgreSQL is not available.
    func makeStore() async throws -> (any GatewayStore)? {
        guard let location = try makeLocation() else { return nil }
        return try await StoreLocation.open(location)
    }

    /// A new, empty store's location (a SQLite path or a postgres:// URL), for tests that hand
    /// it to gateway processes.
    func makeLocation() throws -> String? {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-test-\(UUID().uuidString)")
            return directory.appendingPathComponent("gateway.sqlite").path
        case .postgres:
            guard let base = Engine.postgresURL, let components = URLComponents(string: base) else {
                let message = "PostgreSQL tests SKIPPED: EPCIS_GATEWAY_TEST_POSTGRES is not set (scripts/test.sh starts a server and sets it)"
                print("⚠️  " + message)
                if Engine.required { Issue.record(Comment(rawValue: message)) }
                return nil
            }
            // A database of its own per test, so tests never see each other's rows.
            let name = "gw_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            let created = try Command.run([
                "createdb", "-h", components.host ?? "127.0.0.1", "-p", String(components.port ?? 5432), "-U", components.user ?? "postgres",
                String(name),
            ])
            #expect(created.status == 0, "createdb failed: \(created.output)")
            var url = components
            url.path = "/" + name
            return url.string!
        }
    }
}

/// Paths of the test's own fixtures.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent("Fixtures/\(name)")))
    }
    static var r13: [FeedRecord] {
        get throws { try RecordFeed.parse(bytes("gs1us-r13-direct-purchase.jsonl")) }
    }
}

/// Ingests JSON Lines text.
func ingest(_ store: any GatewayStore, _ lines: [String], batch: String = "test") async throws -> IngestReport {
    try await store.ingest(try RecordFeed.parse(Array(lines.joined(separator: "\n").utf8)), batch: batch)
}

/// The issues of a batch the store must refuse.
func rejection(_ store: any GatewayStore, _ lines: [String]) async throws -> [RecordIssue] {
    let before = try await store.counts()
    do {
        _ = try await ingest(store, lines)
        Issue.record("the batch was accepted but should have been refused")
        return []
    } catch let error as BatchRejected {
        #expect(try await store.counts() == before, "a refused batch changed the store")
        return error.issues
    }
}
