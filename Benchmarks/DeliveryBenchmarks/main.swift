// Deliveries through the queue to a local HTTPS capture sink: throughput, and the time from
// enqueue to acknowledged at p50/p99. Run by Benchmarks/delivery-benchmarks.sh, which starts
// the sink and a PostgreSQL server.
//
//   DeliveryBenchmarks STORE SINK-URL CA-FILE [N]
import Delivery
import Foundation
import Logging
import Outbox
import Partners
import Store
import Transports

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    print("usage: DeliveryBenchmarks STORE SINK-URL CA-FILE [N]")
    exit(2)
}
let (location, sinkURL, caFile) = (arguments[1], arguments[2], arguments[3])
let count = arguments.count > 4 ? Int(arguments[4]) ?? 2_000 : 2_000

let https = HTTPSSettings(
    url: "\(sinkURL)/capture", mode: .capture, pollInterval: .milliseconds(200), caFile: caFile, connectTimeout: .seconds(5),
    requestTimeout: .seconds(30))
let profile = PartnerProfile(
    id: "sink", name: "Benchmark sink", glns: [], epcis: EPCISSettings(version: .v2_0, format: .jsonLD), transport: .https(https),
    retry: RetryPolicy(schedule: [.seconds(1)], giveUpAfter: .seconds(3600)), file: "sink.yaml")

/// A 3-event JSON-LD document of about 1 KB.
func document(_ id: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(id).json").path
    let events = (0..<3).map {
        #"{"type":"ObjectEvent","eventTime":"2026-11-21T10:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","epcList":["urn:epc:id:sgtin:0614141.107346.\#(id)-\#($0)"]}"#
    }
    try
        #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-21T10:00:00Z","epcisBody":{"eventList":[\#(events.joined(separator: ","))]}}"#
        .write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func percentile(_ values: [Int64], _ p: Double) -> Int64 {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}
let store = try await StoreLocation.open(location)
let dispatcher = try Dispatcher(
    queue: store, partners: { ["sink": profile] }, transports: TransportRegistry(secrets: SecretReader(environment: [:]), queue: store),
    configuration: DispatcherConfiguration(
        owner: "bench", leaseMilliseconds: 60_000, batch: 32, idleWait: .milliseconds(20),
        spoolDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("bench-spool-\(UUID().uuidString)").path))

// 1. Enqueue a backlog, then drain it: throughput.
var started = DeliveryOutbox.now()
for index in 0..<count {
    let file = try document("b\(index)")
    _ = try await DeliveryOutbox.enqueue(
        file, for: profile, shipment: "B-\(index)", documentID: "b-\(index)", contentType: "application/json", queue: store)
    try FileManager.default.removeItem(atPath: file)
}
let enqueueSeconds = Double(DeliveryOutbox.now() - started) / 1000
started = DeliveryOutbox.now()
_ = try await dispatcher.runUntilIdle(deadline: DeliveryOutbox.now() + 3_600_000)
let drainSeconds = Double(DeliveryOutbox.now() - started) / 1000
let backlog = try await store.queueCounts()
print(String(format: "enqueue %d deliveries: %.1f s, %.0f/s", count, enqueueSeconds, Double(count) / enqueueSeconds))
print(
    String(
        format: "drain backlog (send + capture-job poll each): %.1f s, %.0f deliveries/s; %@", drainSeconds, Double(count) / drainSeconds,
        "\(backlog)"))

// 2. A steady stream at about half the drain rate, dispatcher running: enqueue → acknowledged.
let rate = max(5, Int(Double(count) / drainSeconds / 2))
let streamed = min(count, rate * 20)
let runner = Task { try await dispatcher.run() }
var ids: [String] = []
let streamStart = DeliveryOutbox.now()
for index in 0..<streamed {
    let due = streamStart + Int64(index) * 1000 / Int64(rate)
    let wait = due - DeliveryOutbox.now()
    if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
    let file = try document("s\(index)")
    ids.append(
        try await DeliveryOutbox.enqueue(
            file, for: profile, shipment: "S-\(index)", documentID: "s-\(index)", contentType: "application/json", queue: store
        ).id)
    try FileManager.default.removeItem(atPath: file)
}
var latencies: [Int64] = []
for _ in 0..<600 {
    latencies = []
    for id in ids {
        if let row = try await store.delivery(id), let acknowledged = row.snapshot.acknowledgedAt {
            latencies.append(acknowledged - row.snapshot.queuedAt)
        }
    }
    if latencies.count == ids.count { break }
    try await Task.sleep(for: .milliseconds(100))
}
runner.cancel()
_ = try? await runner.value
print(
    "stream \(streamed) deliveries at \(rate)/s: enqueue → acknowledged p50 \(percentile(latencies, 0.5)) ms, p99 \(percentile(latencies, 0.99)) ms, max \(latencies.max() ?? 0) ms "
        + "(\(latencies.count)/\(streamed) acknowledged; capture-job poll interval 200 ms, idle wait 20 ms)")
try await store.close()
