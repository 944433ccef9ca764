public import Foundation
public import Records
public import Store
import TestSupport
public import Testing

/// The two store engines every store test runs on.
public enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }

    /// The server `scripts/test.sh` starts, as `postgres://user@127.0.0.1:port/postgres`.
    public static let postgresURL = ProcessInfo.processInfo.environment["EPCIS_GATEWAY_TEST_POSTGRES"]
    public static let required = ProcessInfo.processInfo.environment["EPCIS_GATEWAY_REQUIRE_INTEROP"] == "1"

    /// A new, empty store; nil (after a loud message, or a failure when `make test` runs) when
    /// PostgreSQL is not available.
    public func makeStore() async throws -> (any GatewayStore)? {
        guard let location = try makeLocation() else { return nil }
        return try await StoreLocation.open(location)
    }

    /// A new, empty store's location (a SQLite path or a postgres:// URL), for tests that hand
    /// it to gateway processes.
    public func makeLocation() throws -> String? {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-test-\(UUID().uuidString)")
            return directory.appendingPathComponent("gateway.sqlite").path
        case .postgres:
            guard let base = Engine.postgresURL, let components = URLComponents(string: base) else {
                let message = "PostgreSQL tests SKIPPED: EPCIS_GATEWAY_TEST_POSTGRES is not set (scripts/test.sh starts a server and sets it)"
                print("⚠️  " + message)
                if Engine.required { throw Unavailable(message: message) }
                return nil
            }
            // A database of its own per test, so tests never see each other's rows.
            let name = "gw_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            let created = try Command.run([
                "createdb", "-h", components.host ?? "127.0.0.1", "-p", String(components.port ?? 5432), "-U", components.user ?? "postgres",
                String(name),
            ])
            guard created.status == 0 else { throw Unavailable(message: "createdb failed: \(created.output)") }
            var url = components
            url.path = "/" + name
            return url.string!
        }
    }
}

/// Paths of the test's own fixtures.
/// A store engine the run requires cannot be had.
public struct Unavailable: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

public enum Fixtures {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
        "StoreTests")
    public static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent("Fixtures/\(name)")))
    }
    public static var r13: [FeedRecord] {
        get throws { try RecordFeed.parse(bytes("gs1us-r13-direct-purchase.jsonl")) }
    }
}

/// Ingests JSON Lines text.
public func ingest(_ store: any GatewayStore, _ lines: [String], batch: String = "test") async throws -> IngestReport {
    try await store.ingest(try RecordFeed.parse(Array(lines.joined(separator: "\n").utf8)), batch: batch)
}
