import Delivery
import Foundation
import GatewayServer
import Outbox
import Partners
import Store
import TestSupport
import Testing

/// Async MDNs end to end: the gateway (`serve`) sends to pyas2lib, which POSTs its MDN to the
/// gateway's `/as2`; the dispatcher's poll checks it and settles the delivery.
@Suite(.serialized) struct AS2AsyncMDNTests {
    /// A gateway with one AS2 partner (pyas2lib on `peerPort`) asking for async MDNs.
    static func gateway(peerPort: Int, certificates: URL) throws -> (GatewayConfiguration, port: Int) {
        let root = try GatewayTests.directory()
        let port = Peers.freePort()
        let configuration = try GatewayTests.configuration(root, port: port)
        try """
        id: partner
        name: pyas2lib partner
        gln: "0614141000005"
        epcis: { version: "1.2", format: xml }
        transport:
          as2:
            url: http://127.0.0.1:\(peerPort)/as2
            as2From: GATEWAY
            as2To: PARTNER
            partnerCertificate: \(certificates.appendingPathComponent("partner.crt").path)
            ourCertificate: \(certificates.appendingPathComponent("gateway.crt").path)
            ourKey: \(certificates.appendingPathComponent("gateway.key").path)
            mdn: { mode: async, signed: true, url: "http://127.0.0.1:\(port)/as2" }
        retry: { schedule: [1s], giveUpAfter: 1h }
        acknowledgement: { timeout: 1m }
        """.write(toFile: configuration.profiles + "/partner.yaml", atomically: true, encoding: .utf8)
        return (configuration, port)
    }

    @Test func anAsyncMDNPostedToTheGatewayAcknowledgesTheDelivery() async throws {
        guard let certificates = Peers.certificates else {
            print("⚠️  AS2 async MDN test SKIPPED: ../shared/peers is not beside the project")
            if Peers.required { Issue.record("../shared/peers is missing") }
            return
        }
        let inbox = FileManager.default.temporaryDirectory.appendingPathComponent("as2-inbox-\(UUID().uuidString)")
        let peer = try PeerProcess(
            script: Peers.shared.appendingPathComponent("as2/as2peer.py"),
            arguments: [
                "serve", "--certs", certificates.path, "--inbox", inbox.path, "--max-requests", "10", "--timeout", "60", "--async-delay", "0.2",
            ])
        defer { peer.stop() }
        let (configuration, port) = try Self.gateway(peerPort: peer.port, certificates: certificates)
        let running = Task { try await Gateway(configuration: configuration, shutdownSignals: []).run() }
        defer { running.cancel() }
        for _ in 0..<100 where await GatewayTests.get("http://127.0.0.1:\(port)/health") != 200 { try await Task.sleep(for: .milliseconds(100)) }
        let profile = try #require(ProfileLoader().load(directory: configuration.profiles).profiles["partner"])
        let store = try await StoreLocation.open(configuration.store)
        defer { Task { try? await store.close() } }
        let document = FileManager.default.temporaryDirectory.appendingPathComponent("async-\(UUID().uuidString).xml").path
        try "<epcis>async</epcis>\n".write(toFile: document, atomically: true, encoding: .utf8)
        let row = try await DeliveryOutbox.enqueue(
            document, for: profile, shipment: "SHIP-ASYNC", documentID: "urn:uuid:async-1", contentType: "application/xml", queue: store)
        var delivery = row
        for _ in 0..<300 {
            delivery = try #require(try await store.delivery(row.id))
            if delivery.snapshot.state.isSettled { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(delivery.snapshot.state == .acknowledged, "\(delivery.snapshot)")
        let attempts = try await store.attempts(row.id)
        #expect(attempts.first.map { "\($0.kind) \($0.outcome)" } == "send accepted")
        #expect(attempts.last.map { "\($0.kind) \($0.outcome)" } == "poll acknowledged", "\(attempts.map(\.detail))")
        #expect(attempts.last?.detail.contains("async MDN processed (signed") == true)
        let mdns = try await store.mdns(delivery: row.id)
        #expect(mdns.count == 1 && mdns[0].channel == "async" && mdns[0].partner == "partner")
        let log = try String(contentsOf: peer.output, encoding: .utf8)
        #expect(log.contains("\"async_mdn_posted\""), "\(log)")
        #expect(log.contains(delivery.metadata["as2.mic"] ?? "no MIC stored"), "the partner computed the MIC we stored")
    }
}
