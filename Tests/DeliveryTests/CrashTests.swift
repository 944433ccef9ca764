import Delivery
import Foundation
import Outbox
import Partners
import Store
import StoreTestSupport
import TestSupport
import Testing

/// Real gateway processes (`epcis-gateway queue run`) killed with SIGKILL at random moments while
/// the partner fails now and then: nothing queued may be lost, and every document the partner
/// receives more than once must be byte-identical with the same document id.
@Suite(.serialized) struct CrashTests {
    static let sink = SharedReference.projectRoot.appendingPathComponent("Tests/Interop/https_sink.py")
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("epcis-gateway")

    /// One request as the sink logged it (after answering, or failing to).
    struct Receipt: Decodable {
        var method: String
        var key: String?
        var attempt: String?
        /// Whether the declared body arrived in full (POST only).
        var whole: Bool?
        var sha256: String?
        var answer: String?
        /// Whether the sink's answer was written back.
        var answered: Bool

        /// A document the sink received: read whole, and answered.
        var isReceived: Bool { method == "POST" && whole == true && answered }
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
    static func gateway(store: String, data: URL, profiles: URL, log: URL, untilIdle: Bool = false, logLevel: String = "info") throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.environment = ProcessInfo.processInfo.environment.merging(["EPCIS_GATEWAY_LOG_LEVEL": logLevel]) { $1 }
        process.arguments =
            [
                "queue", "run", "--store", store, "--data", data.path, "--profiles", profiles.path, "--lease", "3", "--batch", "16", "--idle",
                "\(idleMilliseconds)",
            ]
            + (untilIdle ? ["--until-idle"] : [])
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    static let idleMilliseconds: Int64 = 100
    static let pollIntervalMilliseconds: Int64 = 1_000

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

    /// The dispatch rounds a gateway logged at debug level: claim time and end, in ms.
    static func rounds(_ log: URL) throws -> [(start: Int64, end: Int64)] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("dispatch round") }.compactMap { line in
            func value(_ key: String) -> Int64? {
                guard let range = line.range(of: key + "=") else { return nil }
                return Int64(line[range.upperBound...].prefix { $0.isNumber })
            }
            guard let start = value("round-start"), let end = value("round-end") else { return nil }
            return (start, end)
        }
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
            script: Self.sink,
            arguments: ["--certs", certificates.path, "--log", received.path, "--fail-rate", "0.15", "--drop-rate", "0.03", "--timeout", "900"])
        defer { sink.stop() }
        let profiles = try Self.profiles(sink, certificates: certificates)
        let profile = try #require(ProfileLoader().load(directory: profiles.path).profiles["sink"])

        // 1,000 deliveries, each a different document with its own id.
        let store = try await StoreLocation.open(location)
        var expected: [String: String] = [:]
        for index in 0..<1_000 {
            let id = "urn:uuid:crash-\(index)-\(UUID().uuidString.lowercased())"
            let file = try documentFile(id)
            let row = try await DeliveryOutbox.enqueue(
                file, for: profile, shipment: "CRASH-\(index)", documentID: id, contentType: "application/json", queue: store)
            try FileManager.default.removeItem(atPath: file)
            expected[id] = row.sha256
        }

        // Two gateway processes share the queue; both die by SIGKILL at a random moment, ten times.
        let log = work.appendingPathComponent("gateway.log")
        let data = work.appendingPathComponent("data")
        var generator = SeededGenerator(seed: 20_261_203)
        var kills = 0
        var killsMidWork = 0
        for _ in 0..<10 {
            let processes = [
                try Self.gateway(store: location, data: data, profiles: profiles, log: log),
                try Self.gateway(store: location, data: data, profiles: profiles, log: log),
            ]
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
        let finalStart = DeliveryOutbox.now()
        let finalLog = work.appendingPathComponent("final.log")
        let final = try Self.gateway(store: location, data: data, profiles: profiles, log: finalLog, untilIdle: true, logLevel: "debug")
        #expect(Self.wait(final, seconds: 600), "the last gateway did not finish within 10 minutes")
        let counts = try await store.queueCounts()
        #expect(counts == [.acknowledged: 1_000], "after the kills: \(before); at the end: \(counts)")

        // Nothing lost: every document was received whole and accepted; every copy the sink read
        // whole (accepted, failed or dropped) is byte-identical under the same document id.
        let receipts = try Self.receipts(received)
        let posts = receipts.filter { $0.method == "POST" }
        let wholeByKey = Dictionary(grouping: posts.filter { $0.whole == true }, by: { $0.key ?? "" })
        let accepted = Set(posts.filter { $0.isReceived && $0.answer == "202" }.compactMap(\.key))
        #expect(accepted == Set(expected.keys), "\(Set(expected.keys).subtracting(accepted).count) document(s) never accepted")
        var differing = 0
        for (key, copies) in wholeByKey where Set(copies.map(\.sha256)) != [expected[key] ?? "?"] {
            differing += 1
            Issue.record("document \(key) arrived with different bytes (or is unknown)")
        }

        // Every request on the wire is one recorded attempt: the sink's attempt ids are all in
        // the store, each once, of the right kind and delivery.
        var recorded: [String: (attempt: AttemptRow, documentID: String)] = [:]
        var attemptsByDelivery: [String: [AttemptRow]] = [:]
        for row in try await store.deliveries(states: nil, partner: nil, limit: 2_000) {
            let attempts = try await store.attempts(row.id)
            attemptsByDelivery[row.id] = attempts
            for attempt in attempts { recorded[attempt.id] = (attempt, row.documentID) }
        }
        let attemptIDs = receipts.compactMap(\.attempt)
        #expect(attemptIDs.count == receipts.count, "\(receipts.count - attemptIDs.count) request(s) carried no attempt id")
        let repeatedIDs = Dictionary(grouping: attemptIDs, by: { $0 }).filter { $0.value.count > 1 }
        #expect(repeatedIDs.isEmpty, "\(repeatedIDs.count) attempt(s) reached the sink more than once (a silent re-send)")
        var unmatched = 0
        for receipt in receipts {
            guard let id = receipt.attempt, let match = recorded[id] else {
                unmatched += 1
                continue
            }
            let fits = receipt.method == "POST" ? match.attempt.kind == "send" && match.documentID == receipt.key : match.attempt.kind == "poll"
            if !fits { unmatched += 1 }
        }
        #expect(unmatched == 0, "\(unmatched) request(s) the sink received match no recorded attempt")
        let unfinished = recorded.values.filter { $0.attempt.finishedAt == nil }
        #expect(unfinished.allSatisfy { $0.attempt.outcome == AttemptRow.interrupted }, "an unfinished attempt is not marked interrupted")

        // Polls are never starved by sends: in the final run (one process, no kills), every poll
        // is made in the first dispatch round that claims after it fell due (its interval after
        // the attempt before it ended), so no delivery waits past its interval plus one round.
        let rounds = try Self.rounds(finalLog)
        #expect(!rounds.isEmpty, "the final gateway logged no dispatch rounds")
        var polls = 0
        var starved = 0
        var latest: Int64 = 0
        for attempts in attemptsByDelivery.values {
            for (previous, poll) in zip(attempts, attempts.dropFirst()) where poll.kind == "poll" {
                guard let ended = previous.finishedAt, ended >= finalStart else { continue }
                let due = ended + Self.pollIntervalMilliseconds
                guard let first = rounds.first(where: { $0.start >= due }) else { continue }
                polls += 1
                latest = max(latest, poll.startedAt - due)
                if poll.startedAt > first.end { starved += 1 }
            }
        }
        #expect(polls > 0, "no poll fell due during the final run")
        #expect(starved == 0, "\(starved) of \(polls) due poll(s) waited past the first round after they fell due")

        // The spool keeps nothing once no claim is live.
        let spooled = (try? FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("spool").path)) ?? []
        #expect(spooled.isEmpty, "files left in the spool: \(spooled.prefix(5))")

        let cutOff = posts.filter { $0.whole == false }.count
        let interrupted = unfinished.count
        print(
            "crash test (\(engine.rawValue)): \(kills) SIGKILLs (\(killsMidWork) with work left); the sink logged \(posts.count) POSTs (\(cutOff) cut off by a kill) "
                + "and \(receipts.count - posts.count) polls for 1000 documents, \(accepted.count) accepted; whole copies with differing bytes: \(differing); "
                + "requests without a matching recorded attempt: \(unmatched), attempt ids seen twice: \(repeatedIDs.count); attempts interrupted by a kill: \(interrupted); "
                + "\(polls) polls in the final run, \(starved) made later than the first round after they fell due (latest \(latest) ms past due, \(rounds.count) rounds); spool files left: \(spooled.count); queue after the kills: \(before)"
        )
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
            _ = try await DeliveryOutbox.enqueue(
                file, for: profile, shipment: "S-\(index)", documentID: "shared-\(index)", contentType: "application/json", queue: store)
        }
        let log = work.appendingPathComponent("gateway.log")
        let processes = [
            try Self.gateway(store: location, data: work, profiles: profiles, log: log, untilIdle: true),
            try Self.gateway(store: location, data: work, profiles: profiles, log: log, untilIdle: true),
        ]
        for process in processes { #expect(Self.wait(process, seconds: 300)) }
        #expect(try await store.queueCounts() == [.acknowledged: 300])
        let receipts = try Self.receipts(received)
        let posts = receipts.filter { $0.method == "POST" }
        #expect(posts.count == 300, "every document was sent exactly once")
        #expect(Set(posts.compactMap(\.key)).count == 300)
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
        let sink = try PeerProcess(
            script: Self.sink, arguments: ["--certs", certificates.path, "--log", work.appendingPathComponent("r.jsonl").path, "--timeout", "300"])
        defer { sink.stop() }
        let profiles = try Self.profiles(sink, certificates: certificates)
        let profile = try #require(ProfileLoader().load(directory: profiles.path).profiles["sink"])
        let store = try await StoreLocation.open(location)
        for index in 0..<400 {
            let file = try documentFile("term-\(index)")
            _ = try await DeliveryOutbox.enqueue(
                file, for: profile, shipment: "T-\(index)", documentID: "term-\(index)", contentType: "application/json", queue: store)
        }
        let process = try Self.gateway(store: location, data: work, profiles: profiles, log: work.appendingPathComponent("gateway.log"))
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
