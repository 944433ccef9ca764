import Foundation
import GatewayCore
import Logging
import Partners
import Store
import Synchronization

/// A fresh SQLite store in a directory of its own (the embedded engine is real and quick; the
/// engines' shared behaviour is proved in StoreTests).
func temporaryStore() throws -> (store: any GatewayStore, directory: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("delivery-test-\(UUID().uuidString)").path
    return (try SQLiteStore(path: (directory as NSString).appendingPathComponent("gateway.sqlite")), directory)
}

/// An HTTPS capture partner that polls every second and retries after one.
func partner(_ id: String = "p") -> PartnerProfile {
    PartnerProfile(
        id: id, name: "Test partner", glns: [], epcis: EPCISSettings(version: .v2_0, format: .jsonLD),
        transport: .https(HTTPSSettings(url: "https://127.0.0.1:9/capture", mode: .capture, pollInterval: .seconds(1))),
        retry: RetryPolicy(schedule: [.seconds(1)], giveUpAfter: .seconds(3600)), file: "\(id).yaml")
}

/// Queues `count` small documents for `profile` at `now`.
func enqueue(_ count: Int, for profile: PartnerProfile, into store: any GatewayStore, now: Int64) async throws -> [DeliveryRow] {
    var rows: [DeliveryRow] = []
    for index in 0..<count {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("doc-\(UUID().uuidString)").path
        try "{\"n\":\(index)}".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        rows.append(
            try await store.enqueue(
                NewDelivery(
                    id: "d\(index)-\(UUID().uuidString.prefix(8))", partner: profile.id, shipment: "S\(index)-\(UUID().uuidString.prefix(8))",
                    transport: "https", documentID: "doc-\(index)",
                    contentType: "application/json", payload: file), at: now + Int64(index)))
    }
    return rows
}

/// A clock the test moves by hand (milliseconds since 1970).
final class ManualClock: WallClock {
    private let value: Mutex<Int64>
    init(_ start: Int64 = 1_000_000) { value = Mutex(start) }
    func now() -> Int64 { value.withLock { $0 } }
    func advance(_ milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

/// Keeps every log line, with its level and metadata.
final class LogCapture: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }
    private let lines = Mutex<[Line]>([])
    var all: [Line] { lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.lines.withLock { $0.append(Line(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })) }
        }
    }
}
