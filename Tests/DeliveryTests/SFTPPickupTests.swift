import Delivery
import Foundation
import GatewayCore
import Outbox
import Partners
import Store
import TestSupport
import Testing
import Transports

#if canImport(Glibc)
    import Glibc
#endif

/// Inbound pickup from the partner's folder, and SIGKILL in the middle of an upload and of a
/// download, against the real sshd: nothing is stored half, and nothing arrives twice.
@Suite(.serialized, .timeLimit(.minutes(10))) struct SFTPPickupTests {
    static let big = 96 << 20

    /// A directory with the peer's profile (pickup from /outbound/epcis) and a store path.
    static func workspace(_ peer: SFTPPeer, port: Int? = nil) throws -> (profiles: URL, data: URL, store: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sftp-crash-\(UUID().uuidString)")
        let profiles = root.appendingPathComponent("profiles")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        let yaml = SFTPInteropTests.profileYAML(
            peer, pinned: true, port: port,
            sftp: [
                "timeout: 30s", "pickup: { directory: /outbound/epcis, pattern: \"*.xml\", afterwards: move, moveTo: /outbound/done, interval: 1s }",
            ],
            tail: ["retry: { schedule: [1s], giveUpAfter: 1h }"])
        try yaml.write(to: profiles.appendingPathComponent("edipeer.yaml"), atomically: true, encoding: .utf8)
        return (profiles, data, root.appendingPathComponent("gateway.sqlite").path)
    }

    static func makeFolders(_ peer: SFTPPeer) throws {
        for folder in ["outbound/epcis", "outbound/done"] {
            let path = peer.root.appendingPathComponent(folder).path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            _ = try Command.run(["chown", "\(peer.user):\(peer.user)", path])
        }
    }

    static func gateway(_ arguments: [String], log: URL) throws -> Process {
        let process = Process()
        process.executableURL = CrashTests.binary
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits at most `seconds` until `condition` holds, sleeping between looks (never blocking a
    /// thread of the cooperative pool).
    static func waitFor(seconds: Int = 60, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(2))
        }
        return condition()
    }

    /// Waits at most `seconds` for a process to end; kills it (it is ours) if it overstays.
    static func finished(_ process: Process, seconds: Int) async throws -> Bool {
        if try await waitFor(seconds: seconds, { !process.isRunning }) { return true }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }

    static func size(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1 }

    static func bigDocument(_ path: String) throws {
        var text =
            "<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:1\" schemaVersion=\"1.2\" creationDate=\"2026-01-01T00:00:00Z\"><EPCISBody><EventList>"
        text += String(repeating: "<!-- padding padding padding padding padding padding padding padding padding padding -->\n", count: big / 88)
        text += "</EventList></EPCISBody></epcis:EPCISDocument>\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func filesThePartnerLeavesAreStoredOnceWithTheirVerdictAndOnlyThenMoved() async throws {
        guard let peer = try SFTPInteropTests.peer() else { return }
        defer { peer.stop() }
        try Self.makeFolders(peer)
        let workspace = try Self.workspace(peer)
        let valid =
            "<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:1\" schemaVersion=\"1.2\" creationDate=\"2026-01-01T00:00:00Z\"><EPCISBody><EventList/></EPCISBody></epcis:EPCISDocument>\n"
        try peer.place("outbound/epcis", "receipt-1.xml", Data(valid.utf8))
        try peer.place("outbound/epcis", "broken.xml", Data("<epcis:EPCISDocument".utf8))
        try peer.place("outbound/epcis", "in-flight.xml.part", Data("half".utf8))
        try peer.place("outbound/epcis", "notes.txt", Data("not for us".utf8))
        let store = try SQLiteStore(path: workspace.store)
        defer { Task { try? await store.close() } }
        let profile = try #require(ProfileLoader().load(directory: workspace.profiles.path).profiles["edipeer"])
        let pickup = try SFTPPickup(
            partners: { [profile.id: profile] }, transports: TransportRegistry(secrets: SecretReader(environment: [:]), queue: store), store: store,
            schemas: nil, stagingDirectory: workspace.data.appendingPathComponent("pickup").path)
        let round = await pickup.collect(profile)
        #expect(round == SFTPPickup.Round(stored: 2, duplicates: 0, failed: []), "\(round)")
        let rows = try await store.inboundMessages(partner: "edipeer", limit: 10)
        #expect(Set(rows.compactMap(\.fileName)) == ["receipt-1.xml", "broken.xml"])
        #expect(rows.first { $0.fileName == "receipt-1.xml" }?.valid == true)
        #expect(rows.first { $0.fileName == "broken.xml" }?.valid == false)
        #expect(rows.allSatisfy { $0.headers.contains("Transport: sftp") && $0.disposition == "picked-up" })
        // Moved only once stored; temporary and unmatched names stay where they are.
        #expect(peer.files("outbound/epcis") == ["in-flight.xml.part", "notes.txt"])
        #expect(peer.files("outbound/done") == ["broken.xml", "receipt-1.xml"])
        // The same file again (a partner that re-sends, or a move that failed): stored once.
        try peer.place("outbound/epcis", "receipt-1.xml", Data(valid.utf8))
        let again = await pickup.collect(profile)
        #expect(again == SFTPPickup.Round(stored: 0, duplicates: 1, failed: []), "\(again)")
        #expect(try await store.inboundMessages(partner: "edipeer", limit: 10).count == 2)
        let exported = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: exported) }
        let id = try #require(rows.first { $0.fileName == "receipt-1.xml" }?.id)
        try await store.inboundContent(id, part: .payload, to: exported)
        #expect(try Data(contentsOf: URL(fileURLWithPath: exported)) == Data(valid.utf8))
    }

    @Test func aGatewayKilledMidDownloadStoresNothingHalfAndTakesTheFileOnceAfterwards() async throws {
        guard let peer = try SFTPInteropTests.peer() else { return }
        defer { peer.stop() }
        try Self.makeFolders(peer)
        // The first run gets 8 MiB of the download and then waits on a held connection.
        let relay = try StallingRelay(target: peer.port, direction: .toClient, budget: 8 << 20)
        defer { relay.stop() }
        let workspace = try Self.workspace(peer, port: relay.port)
        let source = peer.root.appendingPathComponent("outbound/epcis/large.xml").path
        try Self.bigDocument(source)
        _ = try Command.run(["chown", "\(peer.user):\(peer.user)", source])
        let log = workspace.data.deletingLastPathComponent().appendingPathComponent("pickup.log")
        let arguments = ["inbound", "pickup", "--store", workspace.store, "--data", workspace.data.path, "--profiles", workspace.profiles.path]
        let staging = workspace.data.appendingPathComponent("pickup").path
        let first = try Self.gateway(arguments, log: log)
        // Killed once the staging file holds part of the download.
        let midway = try await Self.waitFor {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
            return relay.isHolding && files.contains { Self.size((staging as NSString).appendingPathComponent($0)) > 1 << 20 } || !first.isRunning
        }
        let firstLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(midway && first.isRunning, "the download did not stop part way: \(firstLog)")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let afterKill = try SQLiteStore(path: workspace.store)
        #expect(try await afterKill.inboundMessages(partner: nil, limit: 10).isEmpty, "nothing may be stored from a download cut short")
        try await afterKill.close()
        #expect(peer.files("outbound/epcis") == ["large.xml"], "the partner's file stays until it is stored")

        relay.removeBudget()
        let second = try Self.gateway(arguments, log: log)
        let finished = try await Self.finished(second, seconds: 120)
        let secondLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(finished && second.terminationStatus == 0, "\(secondLog.suffix(2000))")
        let store = try SQLiteStore(path: workspace.store)
        defer { Task { try? await store.close() } }
        let rows = try await store.inboundMessages(partner: nil, limit: 10)
        #expect(rows.count == 1 && rows.first?.payloadBytes == Int64(Self.size(peer.root.appendingPathComponent("outbound/done/large.xml").path)))
        #expect(peer.files("outbound/epcis").isEmpty && peer.files("outbound/done") == ["large.xml"])
        #expect((try? FileManager.default.contentsOfDirectory(atPath: staging))?.isEmpty ?? true, "no staging file is left behind")
    }

    @Test func aGatewayKilledMidUploadLeavesExactlyOneFinalFileAfterTheRetry() async throws {
        guard let peer = try SFTPInteropTests.peer() else { return }
        defer { peer.stop() }
        // The first run sends 8 MiB of the upload and then waits on a held connection.
        let relay = try StallingRelay(target: peer.port, direction: .toServer, budget: 8 << 20)
        defer { relay.stop() }
        let workspace = try Self.workspace(peer, port: relay.port)
        let document = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).xml").path
        defer { try? FileManager.default.removeItem(atPath: document) }
        try Self.bigDocument(document)
        let profile = try #require(ProfileLoader().load(directory: workspace.profiles.path).profiles["edipeer"])
        let queued = try SQLiteStore(path: workspace.store)
        let row = try await DeliveryOutbox.enqueue(
            document, for: profile, shipment: "BIG", documentID: "urn:uuid:big", contentType: "application/xml", queue: queued)
        try await queued.close()
        let name = try #require(row.metadata[SFTPNames.metadataKey])
        let temporary = peer.root.appendingPathComponent("inbound/\(name).part").path
        let log = workspace.data.deletingLastPathComponent().appendingPathComponent("queue.log")
        let arguments = [
            "queue", "run", "--store", workspace.store, "--data", workspace.data.path, "--profiles", workspace.profiles.path, "--lease", "2",
            "--until-idle",
        ]
        let first = try Self.gateway(arguments, log: log)
        let midway = try await Self.waitFor { relay.isHolding && Self.size(temporary) > 1 << 20 || !first.isRunning }
        let firstLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(midway && first.isRunning, "the upload did not stop part way: \(firstLog)")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(!peer.files("inbound").contains(name), "the final name appears only once the file is whole")
        // The claim of the dead process runs out; the next run resumes by name.
        relay.removeBudget()
        try await Task.sleep(for: .milliseconds(2_500))
        let second = try Self.gateway(arguments, log: log)
        let finished = try await Self.finished(second, seconds: 120)
        let secondLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(finished, "\(secondLog.suffix(2000))")
        #expect(peer.files("inbound") == [name], "\(peer.files("inbound"))")
        let received = try Data(contentsOf: peer.root.appendingPathComponent("inbound/\(name)"))
        #expect(received == (try Data(contentsOf: URL(fileURLWithPath: document))))
        let store = try SQLiteStore(path: workspace.store)
        defer { Task { try? await store.close() } }
        let attempts = try await store.attempts(row.id)
        #expect(attempts.first?.outcome == "interrupted", "\(attempts.map(\.outcome))")
        #expect(try await store.delivery(row.id)?.snapshot.state == .acknowledged)
        let show = try await Command.runDetached([CrashTests.binary.path, "queue", "show", row.id, "--store", workspace.store])
        #expect(show.status == 0 && show.output.contains("SFTP file \(name)"), "\(show.output)")
    }
}
