internal import Foundation
public import Partners

/// The keys and certificates of one AS2 partnership, read from the files its profile names,
/// with the choices validity dates make: the partner certificate we encrypt to is the first
/// one valid now (rollover), and what the partner encrypted to an earlier key of ours still
/// decrypts while that key is listed (the overlap window).
public struct AS2Credentials: Sendable {
    /// Our current certificate (PEM).
    public var ourCertificate: [UInt8]
    /// Our current private key (PEM). Never logged.
    public var ourKey: [UInt8]
    /// Every key that may decrypt: the current one first, then the earlier ones.
    public var decryptionKeys: [(certificate: [UInt8], key: [UInt8])]
    /// Each of the partner's certificates (PEM), in the profile's order.
    public var partnerCertificates: [[UInt8]]
    /// The partner certificate messages are encrypted to.
    public var encryptionCertificate: [UInt8]

    /// Every partner certificate in one PEM bundle: any of them may sign (rollover).
    public var partnerBundle: [UInt8] { partnerCertificates.flatMap { $0 + [0x0A] } }

    /// Reads the files and chooses by validity at `now` (ms since 1970).
    /// - Throws: ``TransportConfigurationError`` naming the file that cannot be read, or saying
    ///   that no partner certificate is valid now.
    public static func load(_ settings: AS2Settings, now: Int64) throws -> AS2Credentials {
        func read(_ path: String, _ what: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                throw TransportConfigurationError(.fileUnreadable, "\(what) cannot be read from \(path); install it or correct the profile")
            }
            return Array(data)
        }
        let partner = try settings.partnerCertificates.map { try read($0, "the partner's AS2 certificate") }
        var chosen: [UInt8]?
        var reasons: [String] = []
        for (path, pem) in zip(settings.partnerCertificates, partner) {
            guard let info = try? CertificateInfo.read(pem: pem).first else {
                reasons.append("\(path) holds no readable certificate")
                continue
            }
            if info.isValid(at: now) {
                chosen = pem
                break
            }
            reasons.append("\(path) is valid from \(Self.day(info.notBefore)) to \(Self.day(info.notAfter))")
        }
        guard let chosen else {
            throw TransportConfigurationError(
                .certificateInvalid,
                "no certificate of the partner is valid now (\(reasons.joined(separator: "; "))); add its current certificate to partnerCertificates")
        }
        let ourCertificate = try read(settings.ourCertificate, "our AS2 certificate")
        let ourKey = try read(settings.ourKey, "our AS2 private key")
        var decryption = [(ourCertificate, ourKey)]
        for pair in settings.previousKeys {
            decryption.append((try read(pair.certificate, "our earlier AS2 certificate"), try read(pair.key, "our earlier AS2 private key")))
        }
        return AS2Credentials(
            ourCertificate: ourCertificate, ourKey: ourKey, decryptionKeys: decryption, partnerCertificates: partner, encryptionCertificate: chosen)
    }

    static func day(_ milliseconds: Int64) -> String {
        String(EPCISDay.format(milliseconds))
    }
}

/// A date as `YYYY-MM-DD` (UTC), for messages.
enum EPCISDay {
    static func format(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
