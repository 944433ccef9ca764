import Delivery
import Foundation
import Outbox
import Partners
import Store
import StoreTestSupport
import TestSupport
import Testing
import Transports

/// The HTTPS transport and the dispatcher against `../shared/peers/https`, an independent EPCIS
/// 2.0 capture partner with mutual TLS, OAuth2 client credentials and injected failures.
@Suite(.serialized) struct HTTPSInteropTests {
    static let peerScript = Peers.shared.appendingPathComponent("https/epcis_capture_peer.py")

    /// The peer with `arguments`, or nil (loudly; a failure under `make test`) without ../shared.
    static func peer(_ arguments: [String], port: Int? = nil) throws -> PeerProcess? {
        guard let certificates = Peers.certificates else {
            let message = "HTTPS interop tests SKIPPED: ../shared/peers is not beside the project"
            print("⚠️  " + message)
            if Peers.required { Issue.record(Comment(rawValue: message)) }
            return nil
        }
        return try PeerProcess(
            script: peerScript, arguments: ["--certs", certificates.path, "--max-requests", "1000", "--timeout", "300"] + arguments, port: port)
    }

    static func profile(_ peer: PeerProcess, mtls: Bool = true, oauth: Bool = true, ca: Bool = true, secret: String = "PEER_SECRET") -> PartnerProfile
    {
        let certificates = Peers.certificates!
        return testProfile(url: "\(peer.url)/capture", caFile: ca ? certificates.appendingPathComponent("ca.crt").path : nil) { https in
            if mtls {
                https.clientCertificate = certificates.appendingPathComponent("gateway.crt").path
                https.clientKey = certificates.appendingPathComponent("gateway.key").path
            }
            if oauth {
                https.authentication = .oauth2(tokenURL: "\(peer.url)/oauth/token", clientID: "gateway", secret: .environment(secret), scope: nil)
            }
        }
    }

    static func dispatcher(_ store: any GatewayStore, _ profile: PartnerProfile, environment: [String: String] = ["PEER_SECRET": "secret"]) throws
        -> Dispatcher
    {
        try Dispatcher(
            queue: store, partners: { [profile.id: profile] },
            transports: TransportRegistry(secrets: SecretReader(environment: environment), queue: store),
            configuration: DispatcherConfiguration(
                owner: "test", leaseMilliseconds: 60_000, batch: 4, idleWait: .milliseconds(100),
                spoolDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path))
    }

    @Test func aDocumentGoesThroughMutualTLSOAuthA503AndACaptureJob() async throws {
        guard let peer = try Self.peer(["--mtls", "--oauth", "--fail-first", "1", "--polls-running", "1"]) else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(peer)
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("interop-1"), for: profile, shipment: "SHIP-1", documentID: "urn:uuid:interop-1", contentType: "application/json",
            queue: store)
        _ = try await Self.dispatcher(store, profile).runUntilIdle(deadline: DeliveryOutbox.now() + 60_000)
        let done = try #require(try await store.delivery(row.id))
        #expect(done.snapshot.state == .acknowledged, "\(done.snapshot)")
        let attempts = try await store.attempts(row.id)
        #expect(attempts.map { "\($0.kind) \($0.outcome)" } == ["send failed", "send accepted", "poll pending", "poll acknowledged"])
        #expect(attempts[0].detail.contains("HTTP 503"))
        // The peer's Retry-After (1 s) was honoured before the second attempt.
        #expect(attempts[1].startedAt - (attempts[0].finishedAt ?? .max) >= 1_000)
        #expect(done.snapshot.acknowledgementReference?.hasPrefix("\(peer.url)/capture/") == true)
        #expect(attempts.allSatisfy { !$0.detail.contains("secret") }, "no attempt record may carry the client secret")
        let log = try String(contentsOf: peer.output, encoding: .utf8)
        #expect(log.contains("\"client_cert\": true"))
    }

    @Test func withoutOurClientCertificateTheHandshakeFailsAndIsRetriedLater() async throws {
        guard let peer = try Self.peer(["--mtls"]) else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(peer, mtls: false, oauth: false)
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("no-cert"), for: profile, shipment: nil, documentID: "no-cert", contentType: "application/json", queue: store)
        #expect(try await Self.dispatcher(store, profile).runOnce() == 1)
        let after = try #require(try await store.delivery(row.id))
        #expect(after.snapshot.state == .retryWait)
        #expect(after.snapshot.lastError?.contains("libcurl error") == true, "\(after.snapshot.lastError ?? "")")
    }

    @Test func aServerOutsideTheTrustedCAsIsNotTalkedTo() async throws {
        guard let peer = try Self.peer([]) else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(peer, mtls: false, oauth: false, ca: false)
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("untrusted"), for: profile, shipment: nil, documentID: "untrusted", contentType: "application/json", queue: store)
        _ = try await Self.dispatcher(store, profile).runOnce()
        let after = try #require(try await store.delivery(row.id))
        #expect(after.snapshot.state == .retryWait && after.snapshot.lastError?.lowercased().contains("certificate") == true, "\(after.snapshot)")
        let log = try String(contentsOf: peer.output, encoding: .utf8)
        #expect(!log.contains("POST /capture"), "no request may reach an unverified server")
    }

    @Test func tooManyEventsIsARejectionThatNamesThePartnersLimit() async throws {
        guard let peer = try Self.peer(["--capture-limit", "2"]) else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(peer, mtls: false, oauth: false)
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("big", events: 3), for: profile, shipment: nil, documentID: "big", contentType: "application/json", queue: store)
        _ = try await Self.dispatcher(store, profile).runOnce()
        let after = try #require(try await store.delivery(row.id))
        #expect(after.snapshot.state == .rejected, "a 413 without Retry-After is not retried blindly")
        #expect(after.snapshot.lastError?.contains("at most 2 events") == true, "\(after.snapshot.lastError ?? "")")
    }

    @Test func aWrongClientSecretIsReportedWithoutTheSecret() async throws {
        guard let peer = try Self.peer(["--oauth"]) else { return }
        defer { peer.stop() }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(peer, mtls: false)
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("bad-secret"), for: profile, shipment: nil, documentID: "bad-secret", contentType: "application/json", queue: store)
        _ = try await Self.dispatcher(store, profile, environment: ["PEER_SECRET": "not-the-secret-xyz"]).runOnce()
        let after = try #require(try await store.delivery(row.id))
        #expect(after.snapshot.state == .retryWait)
        let error = after.snapshot.lastError ?? ""
        #expect(error.contains("refused client gateway") && !error.contains("not-the-secret-xyz"), "\(error)")
    }

    @Test func aRefusedCachedTokenFailsOneAttemptAndTheNextFetchesANewOne() async throws {
        guard let first = try Self.peer(["--oauth"]) else { return }
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let profile = Self.profile(first, mtls: false)
        let dispatcher = try Self.dispatcher(store, profile)
        _ = try await DeliveryOutbox.enqueue(
            try documentFile("t1"), for: profile, shipment: "T1", documentID: "t1", contentType: "application/json", queue: store)
        _ = try await dispatcher.runUntilIdle(deadline: DeliveryOutbox.now() + 30_000)
        // A new peer on the same port forgets every token: the cached one now gets a 401.
        first.stop()
        guard let second = try Self.peer(["--oauth"], port: first.port) else { return }
        defer { second.stop() }
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("t2"), for: profile, shipment: "T2", documentID: "t2", contentType: "application/json", queue: store)
        _ = try await dispatcher.runUntilIdle(deadline: DeliveryOutbox.now() + 30_000)
        #expect(try await store.delivery(row.id)?.snapshot.state == .acknowledged)
        let log = try String(contentsOf: second.output, encoding: .utf8)
        #expect(log.contains("\"status\": \"401\""), "the stale token was tried first")
        #expect(log.components(separatedBy: "POST /oauth/token").count - 1 == 1, "one new token, fetched once")
        // One request on the wire per recorded attempt: the 401 is an attempt of its own.
        let attempts = try await store.attempts(row.id).filter { $0.kind == "send" }
        #expect(attempts.map(\.outcome) == ["failed", "accepted"], "\(attempts.map(\.detail))")
        #expect(attempts.first?.detail.contains("HTTP 401") == true && attempts.first?.detail.contains("refused the cached access token") == true)
    }
}
