import Foundation
import Partners
import TestSupport
import Testing
import Transports

/// Certificates by their dates: what is listed, what is warned about, which one is used.
/// The peers' generator makes 30-day certificates; "now" is moved instead of the certificates.
@Suite struct CertificateTests {
    static let day: Int64 = 86_400_000

    static func certificates() -> URL? {
        guard let certificates = Peers.certificates else {
            print("⚠️  certificate tests SKIPPED: ../shared/peers is not beside the project")
            if Peers.required { Issue.record("../shared/peers is missing") }
            return nil
        }
        return certificates
    }

    static func settings(_ certificates: URL, partner: [String]) -> AS2Settings {
        AS2Settings(
            url: "https://x", as2From: "A", as2To: "B", partnerCertificates: partner.map { certificates.appendingPathComponent($0).path },
            ourCertificate: certificates.appendingPathComponent("gateway.crt").path, ourKey: certificates.appendingPathComponent("gateway.key").path)
    }

    @Test func aCertificateReadsAsOpenSSLShowsIt() throws {
        guard let certificates = Self.certificates() else { return }
        let file = certificates.appendingPathComponent("partner.crt").path
        let info = try #require(try CertificateInfo.read(pem: Array(FileManager.default.contents(atPath: file)!)).first)
        #expect(info.subject.contains("CN=PARTNER AS2 test") && info.issuer.contains("CN=AS2 Test CA"))
        let openssl = try Command.run(["openssl", "x509", "-in", file, "-noout", "-fingerprint", "-sha256"])
        #expect(openssl.output.contains(info.fingerprint), "\(openssl.output) vs \(info.fingerprint)")
        #expect(info.notAfter - info.notBefore == 30 * Self.day)
    }

    @Test func expiringExpiredAndNotYetValidCertificatesAreWarnedAbout() throws {
        guard let certificates = Self.certificates() else { return }
        let profile = PartnerProfile(
            id: "p", name: "p", glns: [], epcis: EPCISSettings(), transport: .as2(Self.settings(certificates, partner: ["partner.crt"])),
            file: "p.yaml")
        let info = try #require(
            try CertificateInfo.read(pem: Array(FileManager.default.contents(atPath: certificates.appendingPathComponent("partner.crt").path)!)).first
        )
        let soon = CertificateReport.warnings([profile], now: info.notBefore + Self.day)
        // 28 or 29 days: the two certificates were made a moment apart.
        #expect(soon.count == 2 && soon.allSatisfy { $0.contains("in 28 day(s)") || $0.contains("in 29 day(s)") }, "\(soon)")
        let late = CertificateReport.warnings([profile], now: info.notAfter + Self.day)
        #expect(late.count == 2 && late.allSatisfy { $0.contains("expired on") }, "\(late)")
        let early = CertificateReport.warnings([profile], now: info.notBefore - Self.day)
        #expect(early.count == 2 && early.allSatisfy { $0.contains("is not valid before") }, "\(early)")
        let entries = CertificateReport.entries([profile], now: info.notBefore + Self.day)
        #expect(entries.map(\.role) == ["partner", "our"] && entries.allSatisfy { $0.status == "expiring" && (28...29).contains($0.daysLeft ?? 0) })
    }

    @Test func theFirstPartnerCertificateValidNowIsEncryptedToAndNoneValidIsAClearError() throws {
        guard let certificates = Self.certificates() else { return }
        // A second, longer-lived partner certificate: the rollover target.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rollover-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let next = directory.appendingPathComponent("partner-next.crt").path
        let made = try Command.run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "60", "-subj", "/CN=PARTNER next", "-keyout",
            directory.appendingPathComponent("partner-next.key").path, "-out", next,
        ])
        #expect(made.status == 0, "\(made.output)")
        var settings = Self.settings(certificates, partner: ["partner.crt"])
        settings.partnerCertificates.append(next)
        let current = try #require(
            try CertificateInfo.read(pem: Array(FileManager.default.contents(atPath: settings.partnerCertificates[0])!)).first)
        let nextPEM = Array(FileManager.default.contents(atPath: next)!)
        #expect(try AS2Credentials.load(settings, now: current.notBefore + Self.day).encryptionCertificate != nextPEM)
        #expect(try AS2Credentials.load(settings, now: current.notAfter + Self.day).encryptionCertificate == nextPEM)
        let profile = PartnerProfile(id: "p", name: "p", glns: [], epcis: EPCISSettings(), transport: .as2(settings), file: "p.yaml")
        let warnings = CertificateReport.warnings([profile], now: current.notAfter + Self.day)
        #expect(!warnings.contains { $0.contains("partner.crt") }, "an expired partner certificate covered by a valid one is no alarm: \(warnings)")
        let error = #expect(throws: TransportConfigurationError.self) { try AS2Credentials.load(settings, now: current.notAfter + 61 * Self.day) }
        #expect(error?.code == .certificateInvalid && error?.message.contains("no certificate of the partner is valid now") == true)
    }
}
