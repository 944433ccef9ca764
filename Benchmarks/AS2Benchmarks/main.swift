// AS2 sender benchmark: builds (compose → sign → encrypt, streamed) and sends messages with the
// gateway's own AS2 transport to a receiver, checking each signed sync MDN, and prints one JSON
// line: messages, seconds, messages/s, p50/p99 round trip (build + send + MDN check) and the
// process's peak RSS. Driven by Benchmarks/as2-benchmarks.sh, which starts the receiver and
// the reference senders side by side.
//
// Usage: AS2Benchmarks URL CERTS BYTES COUNT CONCURRENCY [SECONDS]
//   CERTS: the peers' gen_certs.sh directory (we are GATEWAY, the receiver PARTNER).
//   With SECONDS, sends for that long (COUNT ignored) instead of COUNT messages.
import Foundation
import Partners
import Transports

#if canImport(Glibc)
    import Glibc
#endif

struct DiscardMDNs: MDNArchive {
    func keep(_ mdn: ReceivedMDN) async throws {}
    func received(messageKey: String) async throws -> [ReceivedMDN] { [] }
}

func peakRSSMiB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func milliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

let arguments = CommandLine.arguments
guard arguments.count >= 6, let bytes = Int(arguments[3]), let count = Int(arguments[4]), let concurrency = Int(arguments[5]) else {
    print("usage: AS2Benchmarks URL CERTS BYTES COUNT CONCURRENCY [SECONDS]")
    exit(2)
}
let seconds = arguments.count > 6 ? Double(arguments[6]) : nil
let certificates = URL(fileURLWithPath: arguments[2])
let settings = AS2Settings(
    url: arguments[1], as2From: "GATEWAY", as2To: "PARTNER", partnerCertificates: [certificates.appendingPathComponent("partner.crt").path],
    ourCertificate: certificates.appendingPathComponent("gateway.crt").path, ourKey: certificates.appendingPathComponent("gateway.key").path,
    requestTimeout: .seconds(600))
let work = FileManager.default.temporaryDirectory.appendingPathComponent("as2-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }
// The payload: written in pieces, so the benchmark itself never holds it.
let payload = work.appendingPathComponent("payload.xml").path
_ = FileManager.default.createFile(atPath: payload, contents: nil)
let writer = try FileHandle(forWritingTo: URL(fileURLWithPath: payload))
let piece = Data((0..<(1 << 20)).map { UInt8(0x41 + $0 % 26) })
var left = bytes
while left > 0 {
    try writer.write(contentsOf: piece.prefix(left))
    left -= min(left, piece.count)
}
try writer.close()

let transport = AS2Transport(settings: settings, archive: DiscardMDNs())

/// Builds and sends one message; its round trip in ms, or nil when it was not acknowledged.
func one(_ index: Int) async throws -> Int64? {
    let started = milliseconds()
    let id = UUID().uuidString.lowercased()
    let output = work.appendingPathComponent("\(id).as2").path
    defer { try? FileManager.default.removeItem(atPath: output) }
    let message = try AS2MessageBuilder(settings: settings, credentials: try AS2Credentials.load(settings, now: started), workDirectory: work.path)
        .build(
            AS2MessageBuilder.Payload(file: payload, contentType: "application/octet-stream", fileName: "bench-\(index).xml"), output: output,
            now: started, id: id)
    let size = (try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int64) ?? 0
    let result = await transport.send(
        OutboundDocument(
            deliveryID: id, documentID: id, file: output, byteCount: size, contentType: message.contentType, attemptID: id, metadata: message.metadata
        ))
    guard case .acknowledged = result else {
        FileHandle.standardError.write(Data("not acknowledged: \(result)\n".utf8))
        return nil
    }
    return milliseconds() - started
}

let start = milliseconds()
let deadline = seconds.map { start + Int64($0 * 1000) }
let results = try await withThrowingTaskGroup(of: [Int64?].self) { group in
    let next = Counter()
    for _ in 0..<concurrency {
        group.addTask {
            var times: [Int64?] = []
            while true {
                let index = next.take()
                if let deadline { guard milliseconds() < deadline else { break } } else { guard index < count else { break } }
                times.append(try await one(index))
            }
            return times
        }
    }
    var all: [Int64?] = []
    for try await part in group { all += part }
    return all
}
let elapsed = Double(milliseconds() - start) / 1000
let times = results.compactMap { $0 }.sorted()
func percentile(_ p: Double) -> Int64 { times.isEmpty ? 0 : times[min(times.count - 1, Int(Double(times.count) * p))] }
print(
    #"{"bytes": \#(bytes), "concurrency": \#(concurrency), "messages": \#(results.count), "acknowledged": \#(times.count), "seconds": \#(String(format: "%.2f", elapsed)), "perSecond": \#(String(format: "%.1f", Double(times.count) / elapsed)), "p50ms": \#(percentile(0.5)), "p99ms": \#(percentile(0.99)), "peakRSSMiB": \#(String(format: "%.0f", peakRSSMiB()))}"#
)

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
