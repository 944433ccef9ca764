import Delivery
import Foundation
import Outbox
import Partners
import Store
import TestSupport
import Testing

/// Real gateway processes (`epcis-gateway queue run`) killed with SIGKILL at random moments while
/// the partner fails now and then: nothing queued may be lost, and every document the partner
/// receives more than once must be byte-identical with the same document id.
@Suite(.serialized) struct CrashTests {
    static let sink = SharedReference.projectRoot.appendingPathComponent("Tests/Interop/https_sink.py")
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("epcis-gateway")

    struct Receipt: Decodable {
        var key: String?
        var sha256: String
        var answer: String
    }

    /// A profile directory with one partner, the sink.
    static func profiles(_ sink: PeerProcess, certificates: URL) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let yaml = """
            id: sink
            name: Crash test sink
            gln: "0614141000005"
            epcis: { version: "2.0", format: json-ld }
            transport:
              https:
                url: \(sink.url)/capture
                mode: capture
                pollInterval: 1s
                tls: { caFile: "\(certificates.appendingPathComponent("ca.crt").path)" }
                timeouts: { connect: 2s, request: 2s }
            retry: { schedule: [1s], giveUpAfter: 2h }
            acknowledgement: { timeout: 10m }
            """
        try yaml.write(to: directory.appendingPathComponent("sink.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    /// Starts a gateway dispatcher process.
    static func gateway(store: String, profiles: URL, log: URL, untilIdle: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["queue", "run", "--store", store, "--profiles", profiles.path, "--lease", "3", "--batch", "16", "--idle", "100"] + (untilIdle ? ["--until-idle"] : [])
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits at most `seconds` for a process; kills it (it is ours) if it overstays.
    static func wait(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
        return true
    }

    static func receipts(_ log: URL) throws -> [Receipt] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map { try JSONDecoder().decode(Receipt.self, from: Data($0.utf8)) }
    }

    @Test(arguments: Engine.allCases)
    func killedGatewaysLoseNothingAndRepeatOnlyIdenticalBytes(_ engine: Engine) async throws {
        guard let certificates = Peers.certificates else {
            print("⚠️  crash test SKIPPED: ../shared/peers is not beside the project")
            if Peers.required { Issue.record("crash test skipped: ../shared/peers missing") }
            return
        }
        guard let location = try engine.makeLocation() else { return }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let received = work.appendingPathComponent("received.jsonl")
        let sink = try PeerProcess(
            script: Self.sink, arguments: ["--certs", certificates.path, "--log", received.path, "--fail-rate", "0.15", "--drop-rate", "0.03", "--timeout", "900"])
        defer { sink.stop() }
        let profiles = try Self.profiles(sink, certificates: certificates)
        let profile = try #require(ProfileLoader().load(directory: profiles.path).profiles["sink"])

        // 1,000 deliveries, each a different document with its own id.
        let store = try await StoreLocation.open(location)
        var expected: [String: String] = [:]
        for index in 0..<1_000 {
            let id = "urn:uuid:crash-\(index)-\(UUID().uuidString.lowercased())"
            let file = try documentFile(id)
            let row = try await DeliveryOutbox.enqueue(file, for: profile, shipment: "CRASH-\(index)", documentID: id, contentType: "application/json", queue: store)
            try FileManager.default.removeItem(atPath: file)
            expected[id] = row.sha256
        }

        // Two gateway processes share the queue; both die by SIGKILL at a random moment, ten times.
        let log = work.appendingPathComponent("gateway.log")
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var killsMidWork = 0
        for _ in 0..<10 {
            let processes = [try Self.gateway(store: location, profiles: profiles, log: log), try Self.gateway(store: location, profiles: profiles, log: log)]
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1_200, using: &generator)))
            let unsettled = try await store.queueCounts().filter { !$0.key.isSettled }.values.reduce(0, +)
            for process in processes where process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
                if unsettled > 0 { killsMidWork += 1 }
            }
            for process in processes { process.waitUntilExit() }
        }
        #expect(killsMidWork >= 10, "only \(killsMidWork) kills hit a gateway with work left")
        let before = try await store.queueCounts()

        // Restarted for good: it takes over the dead processes' claims once their leases end.
        let final = try Self.gateway(store: location, profiles: profiles, log: log, untilIdle: true)
        #expect(Self.wait(final, seconds: 600), "the last gateway did not finish within 10 minutes")
        let counts = try await store.queueCounts()
        #expect(counts == [.acknowledged: 1_000], "after the kills: \(before); at the end: \(counts)")

        // Nothing lost, and repeats are byte-identical under the same document id.
        let receipts = try Self.receipts(received)
        let byKey = Dictionary(grouping: receipts, by: { $0.key ?? "" })
        #expect(Set(byKey.keys) == Set(expected.keys))
        for (key, copies) in byKey {
            #expect(Set(copies.map(\.sha256)) == [expected[key] ?? "?"], "document \(key) arrived with different bytes")
            #expect(copies.contains { $0.answer == "202" }, "document \(key) was never accepted")
        }
        let repeated = byKey.values.filter { $0.count > 1 }.count
        let acceptedTwice = byKey.values.filter { $0.filter { $0.answer == "202" }.count > 1 }.count
        print(
            "crash test (\(engine.rawValue)): \(kills) SIGKILLs (\(killsMidWork) with work left), \(receipts.count) POSTs received for 1000 documents; "
                + "\(repeated) documents received more than once, \(acceptedTwice) accepted more than once (all byte-identical, same id); queue after the kills: \(before)")
        try await store.close()
        try? FileManager.default.removeItem(at: work)
    }

    @Test func twoGatewaysSharingPostgreSQLNeverSendTheSameDeliveryTwice() async throws {
        guard let certificates = Peers.certificates else {
            if Peers.required { Issue.record("skipped: ../shared/peers missing") }
            return
        }
        guard let location = try Engine.postgres.makeLocation() else { return }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("shared-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let received = work.appendingPathComponent("received.jsonl")
        let sink = try PeerProcess(script: Self.sink, arguments: ["--certs", certificates.path, "--log", received.path, "--timeout", "600"])
        defer { sink.stop() }
        let profiles = try Self.profiles(sink, certificates: certificates)
        let profile = try #require(ProfileLoader().load(directory: profiles.path).profiles["sink"])
        let store = try await StoreLocation.open(location)
        for index in 0..<300 {
            let file = try documentFile("shared-\(index)")
            _ = try await DeliveryOutbox.enqueue(file, for: profile, shipment: "S-\(index)", documentID: "shared-\(index)", contentType: "application/json", queue: store)
        }
        let log = work.appendingPathComponent("gateway.log")
        let processes = [
            try Self.gateway(store: location, profiles: profiles, log: log, untilIdle: true), try Self.gateway(store: location, profiles: profiles, log: log, untilIdle: true),
        ]
        for process in processes { #expect(Self.wait(process, seconds: 300)) }
        #expect(try await store.queueCounts() == [.acknowledged: 300])
        let receipts = try Self.receipts(received)
        #expect(receipts.count == 300, "every document was sent exactly once")
        #expect(Set(receipts.compactMap(\.key)).count == 300)
        // Both processes did part of the work.
        var owners = Set<String>()
        for row in try await store.deliveries(states: nil, partner: nil, limit: 300) {
            owners.formUnion(try await store.attempts(row.id).map(\.owner))
        }
        #expect(owners.count == 2, "owners: \(owners)")
        try await store.close()
        try? FileManager.default.removeItem(at: work)
    }

    @Test func sigtermLetsAttemptsInFlightFinishAndBeRecorded() async throws {
        guard let certificates = Peers.certificates else {
            if Peers.required { Issue.record("skipped: ../shared/peers missing") }
            return
        }
        guard let location = try Engine.sqlite.makeLocation() else { return }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sigterm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let sink = try PeerProcess(script: Self.sink, arguments: ["--certs", certificates.path, "--log", work.appendingPathComponent("r.jsonl").path, "--timeout", "300"])
        defer { sink.stop() }
        let profiles = try Self.profiles(sink, certificates: certificates)
        let profile = try #require(ProfileLoader().load(directory: profiles.path).profiles["sink"])
        let store = try await StoreLocation.open(location)
        for index in 0..<400 {
            let file = try documentFile("term-\(index)")
            _ = try await DeliveryOutbox.enqueue(file, for: profile, shipment: "T-\(index)", documentID: "term-\(index)", contentType: "application/json", queue: store)
        }
        let process = try Self.gateway(store: location, profiles: profiles, log: work.appendingPathComponent("gateway.log"))
        // Stop it mid-work: some deliveries done, some not.
        for _ in 0..<200 {
            if (try await store.queueCounts()[.acknowledged] ?? 0) + (try await store.queueCounts()[.awaitingAcknowledgement] ?? 0) > 20 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGTERM)
        #expect(Self.wait(process, seconds: 60), "the gateway did not stop on SIGTERM")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let counts = try await store.queueCounts()
        #expect(counts[.sending] == nil, "no claim may be left behind by a graceful stop: \(counts)")
        #expect(counts.values.reduce(0, +) == 400)
        try await store.close()
        try? FileManager.default.removeItem(at: work)
    }
}
