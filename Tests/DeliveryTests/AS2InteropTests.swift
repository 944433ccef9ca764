import Delivery
import Foundation
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

/// The AS2 transport and the dispatcher against `../shared/peers/as2`: pyas2lib as the
/// receiving partner, with its fault modes. Every case checks the delivery's state against the
/// MDN decision table and the MIC the partner computed against the one stored at `queue add`.
@Suite(.serialized) struct AS2InteropTests {
    static let peerScript = Peers.shared.appendingPathComponent("as2/as2peer.py")

    /// A pyas2lib receiver (AS2 name PARTNER, expecting GATEWAY), or nil (loudly) without ../shared.
    static func receiver(_ arguments: [String] = []) throws -> (PeerProcess, inbox: URL)? {
        guard let certificates = Peers.certificates else {
            let message = "AS2 interop tests SKIPPED: ../shared/peers is not beside the project"
            print("⚠️  " + message)
            if Peers.required { Issue.record(Comment(rawValue: message)) }
            return nil
        }
        let inbox = FileManager.default.temporaryDirectory.appendingPathComponent("as2-inbox-\(UUID().uuidString)")
        let peer = try PeerProcess(
            script: peerScript,
            arguments: ["serve", "--certs", certificates.path, "--inbox", inbox.path, "--max-requests", "50", "--timeout", "120"] + arguments)
        return (peer, inbox)
    }

    static func profile(port: Int, _ change: (inout AS2Settings) -> Void = { _ in }) -> PartnerProfile {
        let certificates = Peers.certificates!
        var settings = AS2Settings(
            url: "http://127.0.0.1:\(port)/as2", as2From: "GATEWAY", as2To: "PARTNER",
            partnerCertificates: [certificates.appendingPathComponent("partner.crt").path],
            ourCertificate: certificates.appendingPathComponent("gateway.crt").path, ourKey: certificates.appendingPathComponent("gateway.key").path,
            requestTimeout: .seconds(30))
        change(&settings)
        return PartnerProfile(
            id: "partner", name: "pyas2lib partner", glns: [], epcis: EPCISSettings(), transport: .as2(settings),
            retry: RetryPolicy(schedule: [.milliseconds(200)], giveUpAfter: .seconds(3600)), file: "partner.yaml")
    }

    static func dispatcher(_ store: any GatewayStore, _ profile: PartnerProfile) throws -> Dispatcher {
        try Dispatcher(
            queue: store, partners: { [profile.id: profile] }, transports: TransportRegistry(secrets: SecretReader(environment: [:]), queue: store),
            configuration: DispatcherConfiguration(
                owner: "test", leaseMilliseconds: 60_000, batch: 4, idleWait: .milliseconds(50),
                spoolDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path))
    }

    /// What one exchange came to.
    struct Exchange {
        var delivery: DeliveryRow
        var attempts: [AttemptRow]
        var mdns: [MDNRow]
        /// The partner's JSON log lines for messages.
        var received: [[String: Any]]
        var inbox: URL
        var document: String
    }

    /// Queues one document for the receiver started with `arguments`, and makes `attempts` attempts.
    static func exchange(_ arguments: [String] = [], attempts: Int = 1, settings change: (inout AS2Settings) -> Void = { _ in }) async throws
        -> Exchange?
    {
        guard let (peer, inbox) = try receiver(arguments) else { return nil }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return nil }
        defer { Task { try? await store.close() } }
        let profile = profile(port: peer.port, change)
        let document = try documentFile("as2-\(UUID().uuidString.prefix(8))")
        let row = try await DeliveryOutbox.enqueue(
            document, for: profile, shipment: "SHIP-AS2", documentID: "urn:uuid:\(UUID().uuidString.lowercased())", contentType: "application/json",
            queue: store)
        let dispatcher = try dispatcher(store, profile)
        for _ in 0..<attempts {
            _ = try await dispatcher.runOnce()
            try await Task.sleep(for: .milliseconds(250))
        }
        let log = try String(contentsOf: peer.output, encoding: .utf8)
        let received = log.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["event"] as? String == "message"
            else { return nil }
            return object
        }
        return Exchange(
            delivery: try #require(try await store.delivery(row.id)), attempts: try await store.attempts(row.id),
            mdns: try await store.mdns(delivery: row.id),
            received: received, inbox: inbox, document: document)
    }

    /// The partner computed the MIC we stored, and stored exactly our document.
    static func expectDelivered(_ exchange: Exchange, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stored = exchange.delivery.metadata["as2.mic"]
        #expect(
            stored != nil && exchange.received.last?["mic"] as? String == stored,
            "MIC: ours \(stored ?? "-"), partner's \(exchange.received.last?["mic"] ?? "-")", sourceLocation: sourceLocation)
        #expect(exchange.received.last?["status"] as? String == "processed", "\(exchange.received.last ?? [:])", sourceLocation: sourceLocation)
        let files = try FileManager.default.contentsOfDirectory(atPath: exchange.inbox.path)
        #expect(files.count == 1, sourceLocation: sourceLocation)
        if let file = files.first {
            #expect(
                FileManager.default.contents(atPath: exchange.inbox.appendingPathComponent(file).path)
                    == FileManager.default.contents(atPath: exchange.document),
                "the partner stored the document byte for byte", sourceLocation: sourceLocation)
        }
    }

    @Test func signedEncryptedWithASignedSyncMDNIsAcknowledgedWithItsMIC() async throws {
        guard let exchange = try await Self.exchange() else { return }
        #expect(exchange.delivery.snapshot.state == .acknowledged, "\(exchange.delivery.snapshot)")
        #expect(exchange.attempts.last?.detail.contains("signed (SHA256) MDN") == true, "\(exchange.attempts.last?.detail ?? "")")
        try Self.expectDelivered(exchange)
        #expect(exchange.received.last?["signed"] as? Bool == true && exchange.received.last?["encrypted"] as? Bool == true)
        #expect(exchange.mdns.count == 1 && exchange.mdns[0].channel == "sync", "the MDN is kept as evidence")
    }

    @Test func compressedSHA512AES128AndOAEPAreAcknowledged() async throws {
        guard
            let exchange = try await Self.exchange(settings: {
                $0.compress = true
                $0.sign = "sha-512"
                $0.encrypt = "aes-128-cbc"
                $0.keyEncryption = .rsaOAEP
            })
        else { return }
        #expect(exchange.delivery.snapshot.state == .acknowledged, "\(exchange.delivery.snapshot)")
        try Self.expectDelivered(exchange)
        let last = exchange.received.last ?? [:]
        #expect(last["compressed"] as? Bool == true && last["digest_alg"] as? String == "sha512", "\(last)")
        let outer = last["outer"] as? [String: Any] ?? [:]
        #expect("\(outer)".contains("aes128_cbc") && "\(outer)".contains("rsaes_oaep"), "\(outer)")
        #expect(exchange.delivery.metadata["as2.mic-algorithm"] == "sha-512")
    }

    @Test func sha1AndTripleDESForALegacyPartnerAreAcknowledged() async throws {
        guard
            let exchange = try await Self.exchange(settings: {
                $0.sign = "sha-1"
                $0.encrypt = "des-ede3-cbc"
            })
        else { return }
        #expect(exchange.delivery.snapshot.state == .acknowledged, "\(exchange.delivery.snapshot)")
        try Self.expectDelivered(exchange)
        #expect(exchange.received.last?["digest_alg"] as? String == "sha1")
    }

    @Test func anUnsignedMDNWhenNoneWasAskedForIsAnAcknowledgement() async throws {
        guard let exchange = try await Self.exchange(settings: { $0.mdnSigned = false }) else { return }
        #expect(exchange.delivery.snapshot.state == .acknowledged, "\(exchange.delivery.snapshot)")
        #expect(exchange.attempts.last?.detail.contains("unsigned MDN") == true, "\(exchange.attempts.last?.detail ?? "")")
        try Self.expectDelivered(exchange)
    }

    @Test func a503IsRetriedWithTheSameBytesAndMessageID() async throws {
        guard let exchange = try await Self.exchange(["--fail-first", "1"], attempts: 2) else { return }
        #expect(exchange.delivery.snapshot.state == .acknowledged, "\(exchange.delivery.snapshot)")
        #expect(exchange.attempts.map(\.outcome) == ["failed", "acknowledged"])
        #expect(exchange.attempts.first?.detail.contains("HTTP 503") == true)
        try Self.expectDelivered(exchange)
        #expect(exchange.received.last?["message_id"] as? String == AS2Message.key(exchange.delivery.metadata["as2.message-id"] ?? ""))
    }

    @Test(arguments: [
        (["--bad-mic"], "does not match the MIC"),
        (["--mdn-signer", "other"], "signature is not the partner's"),
        (["--unsigned-mdn-always"], "is unsigned, but a signed MDN was requested"),
    ])
    func anMDNThatCannotBeTrustedIsNotAnAcknowledgement(arguments: [String], reason: String) async throws {
        guard let exchange = try await Self.exchange(arguments) else { return }
        // The partner did store the payload; the MDN alone decides, and it does not count.
        #expect(exchange.delivery.snapshot.state == .retryWait, "\(exchange.delivery.snapshot)")
        #expect(exchange.delivery.snapshot.lastError?.contains("not acknowledged") == true)
        #expect(exchange.delivery.snapshot.lastError?.contains(reason) == true, "\(exchange.delivery.snapshot.lastError ?? "")")
        #expect(exchange.mdns.count == 1, "the refused MDN is kept as evidence too")
    }

    @Test func processedErrorIsARejectionThatIsNotRetried() async throws {
        guard
            let exchange = try await Self.exchange([
                "--disposition", "automatic-action/MDN-sent-automatically; processed/error: unexpected-processing-error",
            ])
        else { return }
        #expect(exchange.delivery.snapshot.state == .rejected, "\(exchange.delivery.snapshot)")
        #expect(exchange.delivery.snapshot.lastError?.contains("processed/error: unexpected-processing-error") == true)
    }

    @Test func aMessageEncryptedToTheWrongCertificateIsRejectedByThePartner() async throws {
        // `other` first: the message is encrypted to it (the first valid one), which the partner
        // cannot decrypt; its signed error MDN verifies against `partner`, the second certificate.
        guard
            let exchange = try await Self.exchange(settings: {
                $0.partnerCertificates = ["other.crt", "partner.crt"].map { Peers.certificates!.appendingPathComponent($0).path }
            })
        else { return }
        #expect(exchange.delivery.snapshot.state == .rejected, "\(exchange.delivery.snapshot)")
        #expect(exchange.delivery.snapshot.lastError?.contains("decryption-failed") == true, "\(exchange.delivery.snapshot.lastError ?? "")")
        #expect(exchange.received.last?["status"] as? String != "processed")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: exchange.inbox.path)) ?? []
        #expect(files.isEmpty, "nothing reached the partner's inbox")
    }

    @Test func djangoPyAS2AsTheReceiverAcknowledgesWithASignedMDN() async throws {
        guard Peers.certificates != nil else {
            print("⚠️  django-pyas2 interop SKIPPED: ../shared/peers is not beside the project")
            if Peers.required { Issue.record("../shared/peers is missing") }
            return
        }
        // Its own venv, project and certificates (about 30 s the first time); it stops by itself.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("djpyas2-\(UUID().uuidString)")
        let port = Peers.freePort()
        // Through python's subprocess (close_fds): the script leaves the server running, and a
        // server that inherited the descriptor Foundation watches would hold up the wait for the script.
        let started = try await Command.runDetached([
            "python3", "-c", "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)", "bash",
            Peers.shared.appendingPathComponent("as2/djpyas2_peer.sh").path, work.path, "\(port)", "120",
        ])
        try #require(started.status == 0, "django-pyas2 did not start: \(started.output)")
        defer {
            // The script's `timeout` and the server under it, by PID, with SIGKILL: both inherit
            // the test runner's signal mask, which can block SIGTERM (see PeerProcess.stop).
            if let pid = (try? String(contentsOf: work.appendingPathComponent("runserver.pid"), encoding: .utf8)).flatMap({
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }) {
                _ = try? Command.run(["pkill", "-KILL", "-P", "\(pid)"])
                kill(pid, SIGKILL)
            }
        }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let certificates = work.appendingPathComponent("certs")
        var profile = Self.profile(port: port)
        guard case .as2(var settings) = profile.transport else { return }
        settings.url = "http://127.0.0.1:\(port)/pyas2/as2receive"
        settings.partnerCertificates = [certificates.appendingPathComponent("partner.crt").path]
        settings.ourCertificate = certificates.appendingPathComponent("gateway.crt").path
        settings.ourKey = certificates.appendingPathComponent("gateway.key").path
        profile.transport = .as2(settings)
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("django"), for: profile, shipment: "SHIP-DJ", documentID: "urn:uuid:django-1", contentType: "application/json",
            queue: store)
        _ = try await Self.dispatcher(store, profile).runOnce()
        let done = try #require(try await store.delivery(row.id))
        #expect(done.snapshot.state == .acknowledged, "\(done.snapshot)")
        let attempts = try await store.attempts(row.id)
        #expect(attempts.last?.detail.contains("MIC \(done.metadata["as2.mic"] ?? "?") matched") == true, "\(attempts.map(\.detail))")
    }
}
