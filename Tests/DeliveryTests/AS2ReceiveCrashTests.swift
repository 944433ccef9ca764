import Foundation
import Store
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The receiving side of AS2 under SIGKILL: a real `epcis-gateway serve` is killed at random
/// moments while pyas2lib sends 200 messages, re-sending the same bytes until an MDN comes back.
/// Every message that got a `processed` MDN must be stored, byte-identical, exactly once.
@Suite(.serialized) struct AS2ReceiveCrashTests {
    static let sender = SharedReference.projectRoot.appendingPathComponent("Tests/Interop/as2_burst_sender.py")

    struct Sent: Decodable {
        var index: Int
        var message_id: String
        var sha256: String
        var status: String
        var posts: Int
    }

    static func serve(config: URL, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = CrashTests.binary
        process.arguments = ["serve", "--config", config.path]
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Starts the gateway and kills it each time the sender's log has grown by a seeded 5-12
    /// lines and a seeded 0-100 ms more have passed; at most 15 kills. Returns how many kills hit
    /// a running gateway. Blocking, so it runs on a thread of its own.
    static func killRepeatedly(config: URL, log: URL, sender: Process, sentLog: URL) async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        var generator = SeededGenerator(seed: 20_261_202)
                        var kills = 0
                        for _ in 0..<15 where sender.isRunning {
                            let threshold = lines(in: sentLog) + Int.random(in: 5...12, using: &generator)
                            let gateway = try serve(config: config, log: log)
                            // Bounded: at most a minute per round, in 20 ms steps. (A `for … where`
                            // would go on testing the condition for every remaining step.)
                            var steps = 0
                            while steps < 3_000 && sender.isRunning && lines(in: sentLog) < threshold {
                                usleep(20_000)
                                steps += 1
                            }
                            usleep(UInt32(Int.random(in: 0...100_000, using: &generator)))
                            if gateway.isRunning {
                                kill(gateway.processIdentifier, SIGKILL)
                                kills += 1
                            }
                            gateway.waitUntilExit()
                        }
                        return kills
                    })
            }
        }
    }

    static func lines(in file: URL) -> Int {
        guard let data = try? Data(contentsOf: file) else { return 0 }
        return data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    @Test func everyMessageWithAProcessedMDNIsStoredOnceByteForByte() async throws {
        guard let certificates = Peers.certificates else {
            print("⚠️  AS2 receive crash test SKIPPED: ../shared/peers is not beside the project")
            if Peers.required { Issue.record("../shared/peers is missing") }
            return
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("as2-crash-\(UUID().uuidString)")
        let profiles = work.appendingPathComponent("profiles")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        try """
        id: sender
        name: pyas2lib burst sender
        gln: "0614141000005"
        epcis: { version: "1.2", format: xml }
        transport:
          as2:
            url: http://127.0.0.1:9/unused
            as2From: PARTNER
            as2To: GATEWAY
            partnerCertificate: \(certificates.appendingPathComponent("gateway.crt").path)
            ourCertificate: \(certificates.appendingPathComponent("partner.crt").path)
            ourKey: \(certificates.appendingPathComponent("partner.key").path)
        """.write(to: profiles.appendingPathComponent("sender.yaml"), atomically: true, encoding: .utf8)
        let port = Peers.freePort()
        let store = work.appendingPathComponent("data/gateway.sqlite")
        let config = work.appendingPathComponent("gateway.yaml")
        try "store: \(store.path)\nprofiles: \(profiles.path)\nhttp: { port: \(port) }\n".write(to: config, atomically: true, encoding: .utf8)
        let log = work.appendingPathComponent("gateway.log")
        let sentLog = work.appendingPathComponent("sent.jsonl")

        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sender.arguments = [
            "python3", Self.sender.path, "--peers", Peers.shared.appendingPathComponent("as2").path, "--certs", certificates.path, "--url",
            "http://127.0.0.1:\(port)/as2", "--count", "200", "--log", sentLog.path, "--deadline", "600",
        ]
        sender.standardOutput = FileHandle.nullDevice
        sender.standardError = FileHandle.nullDevice
        try sender.run()
        defer { if sender.isRunning { kill(sender.processIdentifier, SIGKILL) } }

        // Up and killed by SIGKILL, again and again, while the sender is at work; then up for good
        // until it is done. A kill is due each time the sender has logged 5-12 more messages,
        // plus a seeded delay, so the count of kills does not depend on how fast this machine is.
        // The loop runs on its own thread: sleeps on a busy cooperative pool can last far longer
        // than asked, and a gateway left up for good would see no kill at all.
        let kills = try await Self.killRepeatedly(config: config, log: log, sender: sender, sentLog: sentLog)
        let gateway = try Self.serve(config: config, log: log)
        defer {
            kill(gateway.processIdentifier, SIGTERM)
            gateway.waitUntilExit()
        }
        for _ in 0..<6_000 where sender.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!sender.isRunning, "the sender finished within ten minutes")

        let sent = try String(contentsOf: sentLog, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Sent.self, from: Data($0.utf8))
        }
        let processed = sent.filter { $0.status == "processed" }
        let opened = try await StoreLocation.open(store.path)
        defer { Task { try? await opened.close() } }
        let rows = try await opened.inboundMessages(partner: "sender", limit: 10_000)
        let stored = Dictionary(grouping: rows.filter { $0.status == "processed" }, by: \.messageID)
        var missing = 0
        var twice = 0
        var differing = 0
        for message in processed {
            let copies = stored[message.message_id.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))] ?? []
            if copies.isEmpty { missing += 1 }
            if copies.count > 1 { twice += 1 }
            if let copy = copies.first, copy.payloadSHA256 != message.sha256 { differing += 1 }
        }
        #expect(
            sent.count == 200 && processed.count == 200,
            "every message got a processed MDN in the end: \(sent.map(\.status).filter { $0 != "processed" })")
        #expect(missing == 0 && twice == 0 && differing == 0)
        #expect(kills >= 5, "only \(kills) kills hit a running gateway")
        let resent = sent.filter { $0.posts > 1 }.count
        print(
            "AS2 receive crash test: \(kills) SIGKILLs; \(sent.count) messages sent, \(resent) POSTed more than once, "
                + "\(sent.map(\.posts).reduce(0, +)) POSTs in all; \(processed.count) processed MDNs; stored processed: \(stored.count), "
                + "missing \(missing), stored twice \(twice), differing bytes \(differing); refused rows \(rows.filter { $0.status == "refused" }.count)"
        )
    }
}

/// SplitMix64: the same kill times on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
