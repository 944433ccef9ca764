import AS2
import Foundation
import GatewayServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Partners
import Store
import TestSupport
import Testing
import Transports

/// `/as2` against what an attacker or a broken partner sends: each is refused with a clear
/// reason, nothing is stored as processed, and the server keeps serving. Messages are built
/// with the gateway's own builder as the partner (interop with independent senders is in
/// ``AS2InboundTests``).
@Suite struct AS2HostileInputTests {
    struct Fixture {
        let store: any GatewayStore
        let app: Application<RouterResponder<GatewayRequestContext>>
        let work: String
        let certificates: URL
        /// The partner's side: GATEWAY sending to us (PARTNER).
        let sender: AS2Settings
    }

    static func fixture(_ change: (inout AS2Settings, URL) -> Void = { _, _ in }) throws -> Fixture? {
        guard let certificates = Peers.certificates else {
            print("⚠️  AS2 hostile-input tests SKIPPED: ../shared/peers is not beside the project")
            if Peers.required { Issue.record("../shared/peers is missing") }
            return nil
        }
        let store = try temporaryStore()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("as2-work-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        func path(_ name: String) -> String { certificates.appendingPathComponent(name).path }
        var ours = AS2Settings(
            url: "http://127.0.0.1:9/unused", as2From: "PARTNER", as2To: "GATEWAY", partnerCertificates: [path("gateway.crt")],
            ourCertificate: path("partner.crt"), ourKey: path("partner.key"))
        ours.maxInboundBytes = 1 << 20
        change(&ours, certificates)
        let profile = PartnerProfile(id: "sender", name: "sender", glns: [], epcis: EPCISSettings(), transport: .as2(ours), file: "sender.yaml")
        let app = Application(
            router: Gateway.router(
                store: store, partnerCount: { 1 }, maximumBodyBytes: 1 << 20, partners: { ["sender": profile] }, workDirectory: work))
        let sender = AS2Settings(
            url: "http://unused", as2From: "GATEWAY", as2To: "PARTNER", partnerCertificates: [path("partner.crt")],
            ourCertificate: path("gateway.crt"),
            ourKey: path("gateway.key"))
        return Fixture(store: store, app: app, work: work, certificates: certificates, sender: sender)
    }

    /// A message built by our own builder, as the partner would send it.
    static func message(_ fixture: Fixture, _ text: String = "<epcis/>", sender: AS2Settings? = nil) throws -> (headers: HTTPFields, body: [UInt8]) {
        let settings = sender ?? fixture.sender
        let document = (fixture.work as NSString).appendingPathComponent("doc-\(UUID().uuidString).xml")
        try text.write(toFile: document, atomically: true, encoding: .utf8)
        let output = document + ".as2"
        let message = try AS2MessageBuilder(
            settings: settings, credentials: try AS2Credentials.load(settings, now: Int64(Date().timeIntervalSince1970 * 1000)),
            workDirectory: fixture.work
        ).build(
            AS2MessageBuilder.Payload(file: document, contentType: "application/xml", fileName: "doc.xml"), output: output, now: 1_700_000_000_000,
            id: UUID().uuidString.lowercased())
        var headers = HTTPFields()
        headers[.contentType] = message.contentType
        for header in message.headers { headers[HTTPField.Name(header.name)!] = header.value }
        return (headers, Array(FileManager.default.contents(atPath: output)!))
    }

    static func post(_ client: some TestClientProtocol, _ headers: HTTPFields, _ body: [UInt8]) async throws -> (
        HTTPResponse.Status, String, HTTPFields
    ) {
        try await client.execute(uri: "/as2", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            (response.status, String(buffer: response.body), response.headers)
        }
    }

    @Test func aDuplicateMessageIDGetsTheSameMDNAndIsStoredOnce() async throws {
        guard let fixture = try Self.fixture() else { return }
        let (headers, body) = try Self.message(fixture, try String(contentsOf: AS2InboundTests.golden, encoding: .utf8))
        try await fixture.app.test(.router) { client in
            let first = try await Self.post(client, headers, body)
            let second = try await Self.post(client, headers, body)
            #expect(first.0 == .ok && second.0 == .ok)
            #expect(first.1.contains("; processed\r\n"), "\(first.1)")
            #expect(first.1 == second.1, "the stored MDN is sent again, byte for byte")
        }
        let messages = try await fixture.store.inboundMessages(partner: nil, limit: 10)
        #expect(messages.count == 1 && messages[0].status == "processed", "\(messages.map(\.disposition))")
        #expect(messages.first?.valid == true, "the stored verdict: \(messages.first?.validation ?? "none")")
    }

    @Test func anUnknownPartnerPairIsRefusedWith403AndNothingIsStored() async throws {
        guard let fixture = try Self.fixture() else { return }
        let (original, body) = try Self.message(fixture)
        var headers = original
        headers[HTTPField.Name("AS2-From")!] = "STRANGER"
        let stranger = headers
        try await fixture.app.test(.router) { client in
            let (status, text, _) = try await Self.post(client, stranger, body)
            #expect(status == .forbidden && text.contains("no partner profile has AS2 name 'STRANGER'"), "\(text)")
        }
        #expect(try await fixture.store.inboundMessages(partner: nil, limit: 10).isEmpty)
    }

    @Test func hostileBodiesAreRefusedWithAReasonAndTheServerKeepsServing() async throws {
        guard let fixture = try Self.fixture() else { return }
        let (headers, body) = try Self.message(fixture)
        var list: [(String, HTTPFields, [UInt8], String)] = []
        list.append(("truncated body", headers, Array(body.prefix(body.count / 2)), "decryption-failed"))
        var notCMS = headers
        notCMS[.contentType] = "application/pkcs7-mime; smime-type=enveloped-data"
        list.append(("CMS that is not CMS", notCMS, Array("this is not DER at all".utf8), "decryption-failed"))
        // Entities the partner encrypted to us correctly, whose insides are hostile.
        func encrypted(_ entity: String) throws -> [UInt8] {
            let plain = (fixture.work as NSString).appendingPathComponent("plain-\(UUID().uuidString)")
            try entity.write(toFile: plain, atomically: true, encoding: .utf8)
            let der = plain + ".p7m"
            try CMS.encrypt(
                content: plain,
                certificate: Array(FileManager.default.contents(atPath: fixture.certificates.appendingPathComponent("partner.crt").path)!),
                cipher: "aes-256-cbc", oaep: false, output: der)
            return Array(FileManager.default.contents(atPath: der)!)
        }
        var bomb = "Content-Type: text/plain\r\n\r\npayload"
        for level in 0..<12 {
            bomb =
                "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b\(level)\"\r\n\r\n--b\(level)\r\n\(bomb)\r\n--b\(level)\r\nContent-Type: application/pkcs7-signature\r\n\r\nxx\r\n--b\(level)--\r\n"
        }
        list.append(("MIME bomb (deep nesting)", notCMS, try encrypted(bomb), "processed/error"))
        list.append(
            (
                "huge header", notCMS, try encrypted("X-Filler: \(String(repeating: "a", count: 100_000))\r\nContent-Type: text/plain\r\n\r\nx"),
                "longer than"
            ))
        list.append(
            (
                "wrong boundary", notCMS,
                try encrypted(
                    "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=\"right\"\r\n\r\n--wrong\r\n\r\nx\r\n--wrong--\r\n"
                ),
                "lacks the delimiters"
            ))
        var other = fixture.sender
        other.ourCertificate = fixture.certificates.appendingPathComponent("other.crt").path
        other.ourKey = fixture.certificates.appendingPathComponent("other.key").path
        let (replayHeaders, replayBody) = try Self.message(fixture, sender: other)
        list.append(("signed by another partner", replayHeaders, replayBody, "authentication-failed"))
        let cases = list
        try await fixture.app.test(.router) { client in
            for (name, headers, body, reason) in cases {
                let (status, text, _) = try await Self.post(client, headers, body)
                #expect(status == .ok, "\(name): an AS2 refusal is an MDN")
                #expect(text.contains("processed/error") && text.contains(reason), "\(name): \(text.prefix(1500))")
            }
            // Still serving: a good message goes through.
            let (status, text, _) = try await Self.post(client, headers, body)
            #expect(status == .ok && text.contains("; processed\r\n"))
        }
        let messages = try await fixture.store.inboundMessages(partner: nil, limit: 20)
        #expect(messages.filter { $0.status == "processed" }.count == 1, "only the good message is processed")
        #expect(messages.filter { $0.status == "refused" }.count == cases.count, "every refusal is kept as evidence: \(messages.map(\.disposition))")
    }

    @Test func aMessageOverThePartnersLimitGets413() async throws {
        guard let fixture = try Self.fixture() else { return }
        let (headers, _) = try Self.message(fixture)
        try await fixture.app.test(.router) { client in
            let (status, text, _) = try await Self.post(client, headers, [UInt8](repeating: 0x41, count: (1 << 20) + 1))
            #expect(status == .contentTooLarge && text.contains("maxInboundBytes"), "\(text)")
        }
        #expect(try await fixture.store.inboundMessages(partner: nil, limit: 10).isEmpty)
    }

    @Test func duringARolloverAMessageEncryptedToOurEarlierCertificateStillOpens() async throws {
        // Our current key is `other`; the partner still encrypts to our earlier `partner` certificate.
        guard
            let fixture = try Self.fixture({ ours, certificates in
                ours.previousKeys = [
                    AS2Settings.KeyPair(
                        certificate: certificates.appendingPathComponent("partner.crt").path,
                        key: certificates.appendingPathComponent("partner.key").path)
                ]
                ours.ourCertificate = certificates.appendingPathComponent("other.crt").path
                ours.ourKey = certificates.appendingPathComponent("other.key").path
            })
        else { return }
        let (headers, body) = try Self.message(fixture)
        try await fixture.app.test(.router) { client in
            let (status, text, _) = try await Self.post(client, headers, body)
            #expect(status == .ok && text.contains("; processed\r\n"), "\(text.prefix(800))")
        }
        #expect(try await fixture.store.inboundMessages(partner: nil, limit: 10).map(\.status) == ["processed"])
    }
}
