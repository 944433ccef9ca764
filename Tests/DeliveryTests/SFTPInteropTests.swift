import Delivery
import Foundation
import GatewayCore
import Logging
import Outbox
import Partners
import Store
import StoreTestSupport
import TestSupport
import Testing
import Transports

#if canImport(Glibc)
    import Glibc
#endif

/// The SFTP transport and the dispatcher against a real OpenSSH sshd on loopback
/// (`../shared/peers/sftp`): chrooted, key-only, with a partner loop that writes an
/// acknowledgement file for every complete upload.
@Suite(.serialized, .timeLimit(.minutes(10))) struct SFTPInteropTests {
    /// The peer, or nil (loudly; a failure under `make test`) where it cannot run.
    static func peer(port: Int? = nil) throws -> SFTPPeer? {
        if let reason = SFTPPeer.unavailableReason {
            let message = "SFTP interop tests SKIPPED: \(reason)"
            print("⚠️  " + message)
            if Peers.required { Issue.record(Comment(rawValue: message)) }
            return nil
        }
        return try SFTPPeer(port: port)
    }

    static func settings(_ peer: SFTPPeer, port: Int? = nil, acks: Bool = true, _ change: (inout SFTPSettings) -> Void = { _ in }) -> SFTPSettings {
        var settings = SFTPSettings(
            host: "127.0.0.1", port: port ?? peer.port, user: peer.user, privateKey: peer.clientKey,
            hostKey: SFTPSettings.HostKey(type: "ssh-ed25519", fingerprint: peer.fingerprint), directory: "/inbound",
            ackFiles: acks
                ? SFTPSettings.AckFiles(
                    directory: "/outbound", status: .json("status"), accept: ["ACCEPTED"], reject: ["REJECTED"], interval: .seconds(1))
                : nil, connectTimeout: .seconds(3), timeout: .seconds(20))
        change(&settings)
        return settings
    }

    static func profile(_ settings: SFTPSettings) -> PartnerProfile {
        PartnerProfile(
            id: "edipeer", name: "SFTP peer", glns: [], epcis: EPCISSettings(), transport: .sftp(settings),
            retry: RetryPolicy(schedule: [.seconds(1)], giveUpAfter: .seconds(3600)), acknowledgement: AcknowledgementPolicy(timeout: .seconds(600)),
            file: "edipeer.yaml")
    }

    /// The peer's profile as a file holds it; `sftp` lines are added to the transport block.
    static func profileYAML(_ peer: SFTPPeer, pinned: Bool, port: Int? = nil, sftp: [String] = [], tail: [String] = []) -> String {
        let pin = pinned ? ["hostKeyFingerprint: \"\(peer.fingerprint)\"", "hostKeyType: ssh-ed25519"] : []
        let block =
            ["host: 127.0.0.1", "port: \(port ?? peer.port)", "user: \(peer.user)", "privateKey: \(peer.clientKey)"] + pin + ["directory: /inbound"]
            + sftp
        let head = ["id: edipeer", "name: SFTP peer", "gln: \"0614141000005\"", "epcis: { version: \"1.2\", format: xml }", "transport:", "  sftp:"]
        return (head + block.map { "    " + $0 } + tail).joined(separator: "\n") + "\n"
    }

    static func dispatcher(_ store: any GatewayStore, _ profile: PartnerProfile, clock: any WallClock = SystemWallClock()) throws -> Dispatcher {
        try Dispatcher(
            queue: store, partners: { [profile.id: profile] },
            transports: TransportRegistry(secrets: SecretReader(environment: [:]), queue: store, clock: clock),
            configuration: DispatcherConfiguration(
                owner: "test", leaseMilliseconds: 60_000, batch: 4, idleWait: .milliseconds(100),
                spoolDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path),
            clock: clock)
    }

    static func document(_ text: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sftp-doc-\(UUID().uuidString).xml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test func anUploadIsRenamedWholeAndItsAcknowledgementFileIsMatchedKeptAndDeleted() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(Self.settings(peer))
        let body = "<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:1\">one</epcis:EPCISDocument>\n"
        let row = try await DeliveryOutbox.enqueue(
            try Self.document(body), for: profile, shipment: "SHIP/1", documentID: "urn:uuid:d1", contentType: "application/xml", queue: store)
        let name = try #require(row.metadata[SFTPNames.metadataKey])
        #expect(name.hasPrefix("SHIP_1_") && name.hasSuffix("_\(row.id).xml"), "\(name)")
        _ = try await Self.dispatcher(store, profile).runUntilIdle(deadline: DeliveryOutbox.now() + 60_000)

        let done = try #require(try await store.delivery(row.id))
        #expect(done.snapshot.state == .acknowledged, "\(done.snapshot)")
        #expect(done.snapshot.acknowledgementReference == name)
        let attempts = try await store.attempts(row.id)
        #expect(attempts.first.map { "\($0.kind) \($0.outcome)" } == "send accepted")
        #expect(attempts.last.map { "\($0.kind) \($0.outcome)" } == "poll acknowledged")
        #expect(attempts.last?.detail.contains("ACCEPTED") == true, "\(attempts.last?.detail ?? "")")
        // The partner has the exact bytes under the final name, and no temporary file.
        #expect(peer.files("inbound") == [name])
        let received = try Data(contentsOf: peer.root.appendingPathComponent("inbound/\(name)"))
        #expect(received == Data(body.utf8))
        // The acknowledgement file was kept as evidence, byte for byte, then deleted.
        let evidence = try await StoredMDNs(queue: store).received(messageKey: SFTPTransport.evidenceKey(row.id))
        #expect(evidence.count == 1)
        let kept = String(decoding: evidence.first?.body ?? [], as: UTF8.self)
        #expect(kept.contains("\"status\":\"ACCEPTED\""), "\(kept)")
        #expect(evidence.first?.headers.contains("File: /outbound/\(name).ack") == true)
        #expect(!peer.files("outbound").contains("\(name).ack"))
    }

    @Test func aHostKeyThatIsNotThePinnedOneRefusesTheConnectionAndSendsNothing() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        // The server's RSA key's fingerprint, pinned as if it were its Ed25519 key.
        let profile = Self.profile(Self.settings(peer) { $0.hostKey = SFTPSettings.HostKey(type: "ssh-ed25519", fingerprint: peer.otherFingerprint) })
        let row = try await DeliveryOutbox.enqueue(
            try Self.document("<a/>"), for: profile, shipment: "S", documentID: "d", contentType: "application/xml", queue: store)
        _ = try await Self.dispatcher(store, profile).runOnce()
        let after = try #require(try await store.delivery(row.id))
        #expect(after.snapshot.state == .retryWait, "\(after.snapshot)")
        let detail = try await store.attempts(row.id).last?.detail ?? ""
        #expect(detail.contains("HOST KEY MISMATCH") && detail.contains(peer.fingerprint), "\(detail)")
        #expect(peer.files("inbound").isEmpty)
        // The sshd log shows no login attempt: the key was checked before any credential went out.
        let sshdLog = (try? String(contentsOf: peer.work.appendingPathComponent("sshd.log"), encoding: .utf8)) ?? ""
        #expect(!sshdLog.contains("Accepted publickey"), "\(sshdLog.suffix(500))")
        // And the mismatch is raised as an alert, at critical level.
        let capture = LogCapture()
        guard case .sftp(let settings) = profile.transport else { return }
        let transport = SFTPTransport(
            settings: settings, secrets: SecretReader(environment: [:]), archive: StoredMDNs(queue: store), logger: capture.logger)
        let result = await transport.send(
            OutboundDocument(
                deliveryID: row.id, documentID: "d", file: try Self.document("<a/>"), byteCount: 4, contentType: "application/xml", attemptID: "a",
                metadata: row.metadata))
        guard case .failed = result else {
            Issue.record("a host-key mismatch must fail the attempt for a retry, not \(result)")
            return
        }
        #expect(capture.all.contains { $0.level == .critical && $0.message.contains("host key mismatch") }, "\(capture.all.map(\.message))")
    }

    @Test func aKeyThePartnerDoesNotKnowIsRefusedWithAClearMessage() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let stranger = FileManager.default.temporaryDirectory.appendingPathComponent("stranger-\(UUID().uuidString)").path
        _ = try Command.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger])
        defer { try? FileManager.default.removeItem(atPath: stranger) }
        let profile = Self.profile(Self.settings(peer) { $0.privateKey = stranger })
        let row = try await DeliveryOutbox.enqueue(
            try Self.document("<a/>"), for: profile, shipment: "S", documentID: "d", contentType: "application/xml", queue: store)
        _ = try await Self.dispatcher(store, profile).runOnce()
        let after = try #require(try await store.delivery(row.id))
        #expect(after.snapshot.state == .retryWait)
        let detail = try await store.attempts(row.id).last?.detail ?? ""
        #expect(detail.contains("refused our key") && detail.contains("installed our public key"), "\(detail)")
        #expect(peer.files("inbound").isEmpty)
    }

    @Test func anRSAKeyTheServerRefusesIsNamedAsTheReason() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        // The peer authorises this RSA key, but OpenSSH 9 refuses libssh2 1.10's SHA-1 signature.
        let profile = Self.profile(Self.settings(peer) { $0.privateKey = peer.work.appendingPathComponent("client_rsa").path })
        let row = try await DeliveryOutbox.enqueue(
            try Self.document("<a/>"), for: profile, shipment: "S", documentID: "d", contentType: "application/xml", queue: store)
        _ = try await Self.dispatcher(store, profile).runOnce()
        let detail = try await store.attempts(row.id).last?.detail ?? ""
        #expect(detail.contains("it is an RSA key") && detail.contains("make an Ed25519 key"), "\(detail)")
        #expect(peer.files("inbound").isEmpty)
    }

    @Test func aMissingPartnerFolderIsAPermanentFailureThatSaysWhichFolder() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(Self.settings(peer) { $0.directory = "/no-such-folder" })
        let row = try await DeliveryOutbox.enqueue(
            try Self.document("<a/>"), for: profile, shipment: "S", documentID: "d", contentType: "application/xml", queue: store)
        _ = try await Self.dispatcher(store, profile).runOnce()
        let after = try #require(try await store.delivery(row.id))
        #expect(after.snapshot.state == .rejected, "\(after.snapshot)")
        let detail = try await store.attempts(row.id).last?.detail ?? ""
        #expect(detail.contains("/no-such-folder") && detail.contains("no such file or folder"), "\(detail)")
    }

    @Test func aServerThatIsDownIsRetriedAndTheDocumentGoesOnceItIsUp() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        peer.stop(keepFiles: true)
        let clock = ManualClock(DeliveryOutbox.now())
        let profile = Self.profile(Self.settings(peer, acks: false))
        let row = try await DeliveryOutbox.enqueue(
            try Self.document("<down/>"), for: profile, shipment: "S", documentID: "d", contentType: "application/xml", queue: store, now: clock.now()
        )
        let dispatcher = try Self.dispatcher(store, profile, clock: clock)
        _ = try await dispatcher.runOnce()
        let down = try #require(try await store.delivery(row.id))
        #expect(down.snapshot.state == .retryWait)
        let detail = try await store.attempts(row.id).last?.detail ?? ""
        #expect(detail.contains("cannot connect to 127.0.0.1:\(peer.port)"), "\(detail)")
        try peer.start()
        clock.advance(1_500)
        _ = try await dispatcher.runOnce()
        let up = try #require(try await store.delivery(row.id))
        #expect(up.snapshot.state == .acknowledged, "\(up.snapshot)")
        #expect(peer.files("inbound").count == 1)
    }

    @Test func aForeignFileUnderOurNameIsNeverOverwrittenAndOurOwnCompletedFileIsNotSentTwice() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(Self.settings(peer, acks: false))
        // Someone else's file already holds the final name.
        let foreign = try await DeliveryOutbox.enqueue(
            try Self.document("<ours/>"), for: profile, shipment: "A", documentID: "a", contentType: "application/xml", queue: store)
        let foreignName = try #require(foreign.metadata[SFTPNames.metadataKey])
        try peer.place("inbound", foreignName, Data("someone else's file".utf8))
        // And an earlier attempt of ours completed the rename, then its process died before recording it.
        let completed = try await DeliveryOutbox.enqueue(
            try Self.document("<done/>"), for: profile, shipment: "B", documentID: "b", contentType: "application/xml", queue: store)
        let completedName = try #require(completed.metadata[SFTPNames.metadataKey])
        try peer.place("inbound", completedName, Data("<done/>".utf8))
        _ = try await Self.dispatcher(store, profile).runOnce()

        let refused = try #require(try await store.delivery(foreign.id))
        #expect(refused.snapshot.state == .rejected, "\(refused.snapshot)")
        let reason = try await store.attempts(foreign.id).last?.detail ?? ""
        #expect(reason.contains("never overwrites") && reason.contains(foreignName), "\(reason)")
        #expect(try Data(contentsOf: peer.root.appendingPathComponent("inbound/\(foreignName)")) == Data("someone else's file".utf8))
        let sent = try #require(try await store.delivery(completed.id))
        #expect(sent.snapshot.state == .acknowledged)
        #expect(try await store.attempts(completed.id).last?.detail.contains("was not sent again") == true)
        #expect(peer.files("inbound").filter { $0.hasSuffix(".part") }.isEmpty)
    }

    @Test func aPartnerPendingOnboardingRefusesOnlyItsOwnDeliveries() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let pending = Self.profile(Self.settings(peer) { $0.hostKey = nil })
        let error = await #expect(throws: QueueRefused.self) {
            try await DeliveryOutbox.enqueue(
                try Self.document("<a/>"), for: pending, shipment: "S", documentID: "d", contentType: "application/xml", queue: store)
        }
        #expect(error?.code == .pendingOnboarding)
        #expect(error?.message.contains("partners trust-host edipeer") == true)
        // The onboarding probe reads the keys the server offers, Ed25519 first.
        let keys = try await SFTPTransport.presentedHostKeys(host: "127.0.0.1", port: peer.port)
        #expect(keys.first == PresentedHostKey(type: "ssh-ed25519", fingerprint: peer.fingerprint), "\(keys)")
        // The server's RSA key needs SHA-1 ssh-rsa with libssh2 1.10, which OpenSSH 9 refuses: it is not offered.
        #expect(!keys.contains { $0.type == "ssh-rsa" }, "\(keys)")
    }

    @Test func trustHostPinsTheServersKeyInTheProfileAndRefusesToReplaceAChangedOneUnasked() async throws {
        guard let peer = try Self.peer() else { return }
        defer { peer.stop() }
        let profiles = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: profiles) }
        let file = profiles.appendingPathComponent("edipeer.yaml")
        try ("# The partner's SFTP server; onboarding pins its key below.\n" + Self.profileYAML(peer, pinned: false))
            .write(to: file, atomically: true, encoding: .utf8)
        let binary = CrashTests.binary.path
        let first = try await Command.runDetached([binary, "partners", "trust-host", "edipeer", "--profiles", profiles.path])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("ssh-ed25519  \(peer.fingerprint)"), "\(first.output)")
        let (profile, _) = ProfileLoader().load(file: file.path)
        guard case .sftp(let settings)? = profile?.transport else {
            Issue.record("the pinned profile does not load")
            return
        }
        #expect(settings.hostKey == SFTPSettings.HostKey(type: "ssh-ed25519", fingerprint: peer.fingerprint))
        #expect(try String(contentsOf: file, encoding: .utf8).hasPrefix("# The partner's SFTP server; onboarding pins its key below."))
        // Another key pinned: a changed server key is not taken over without --replace.
        let changed = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: peer.fingerprint, with: peer.otherFingerprint)
        try changed.write(to: file, atomically: true, encoding: .utf8)
        let refused = try await Command.runDetached([binary, "partners", "trust-host", "edipeer", "--profiles", profiles.path])
        #expect(refused.status == 1 && refused.output.contains("--replace"), "\(refused.output)")
        #expect(try String(contentsOf: file, encoding: .utf8) == changed)
        let wrongExpectation = try await Command.runDetached([
            binary, "partners", "trust-host", "edipeer", "--profiles", profiles.path, "--replace", "--expect", peer.otherFingerprint,
        ])
        #expect(wrongExpectation.status == 1 && wrongExpectation.output.contains("nothing was written"), "\(wrongExpectation.output)")
        let replaced = try await Command.runDetached([binary, "partners", "trust-host", "edipeer", "--profiles", profiles.path, "--replace"])
        #expect(replaced.status == 0, "\(replaced.output)")
        #expect(try String(contentsOf: file, encoding: .utf8).contains(peer.fingerprint))
    }
}
