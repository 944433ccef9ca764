internal import Foundation
public import Partners

/// Every certificate the partner profiles name, with what its dates mean now: for
/// `partners certificates`, `partners check` and the gateway's daily expiry warnings.
public enum CertificateReport {
    /// One certificate file a profile names.
    public struct Entry: Hashable, Sendable, Codable {
        public var partner: String
        /// `partner`, `our`, `our earlier` or `tls client`.
        public var role: String
        public var file: String
        public var subject: String?
        public var issuer: String?
        public var fingerprint: String?
        public var notBefore: String?
        public var notAfter: String?
        public var daysLeft: Int?
        /// `valid`, `expiring`, `expired`, `not yet valid`, `missing` or `unreadable`.
        public var status: String
        /// Why it is unreadable.
        public var problem: String?
    }

    /// Warned about this many days before a certificate expires.
    public static let warningDays = 30

    /// The entries of every profile, by partner and role.
    public static func entries(_ profiles: [PartnerProfile], now: Int64) -> [Entry] {
        profiles.sorted { $0.id < $1.id }.flatMap { profile -> [Entry] in
            var files: [(String, String)] = []
            switch profile.transport {
            case .as2(let settings):
                files += settings.partnerCertificates.map { ("partner", $0) } + [("our", settings.ourCertificate)]
                files += settings.previousKeys.map { ("our earlier", $0.certificate) }
            case .https(let settings):
                if let certificate = settings.clientCertificate { files.append(("tls client", certificate)) }
            case .sftp: break
            }
            return files.flatMap { role, file in entries(partner: profile.id, role: role, file: file, now: now) }
        }
    }

    static func entries(partner: String, role: String, file: String, now: Int64) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: file) else {
            return [
                Entry(
                    partner: partner, role: role, file: file, status: "missing", problem: "the file cannot be read; install it or correct the profile"
                )
            ]
        }
        do {
            return try CertificateInfo.read(pem: Array(data)).map { info in
                let days = info.daysLeft(at: now)
                let status: String
                if now < info.notBefore {
                    status = "not yet valid"
                } else if now > info.notAfter {
                    status = "expired"
                } else {
                    status = days < warningDays ? "expiring" : "valid"
                }
                return Entry(
                    partner: partner, role: role, file: file, subject: info.subject, issuer: info.issuer, fingerprint: info.fingerprint,
                    notBefore: EPCISDay.format(info.notBefore), notAfter: EPCISDay.format(info.notAfter), daysLeft: days, status: status)
            }
        } catch {
            return [Entry(partner: partner, role: role, file: file, status: "unreadable", problem: "\(error)")]
        }
    }

    /// One line per certificate that needs attention: expired, expiring within
    /// ``warningDays`` days, not yet valid, or unreadable. A partner certificate that is not
    /// valid now is fine while another of the partner's is (a rollover in progress). A missing
    /// file is left to the profile loader, which already warns about it.
    public static func warnings(_ profiles: [PartnerProfile], now: Int64) -> [String] {
        let all = entries(profiles, now: now)
        return all.compactMap { entry in
            let covered =
                entry.role == "partner" && entry.status != "valid" && entry.status != "expiring"
                && all.contains { $0.partner == entry.partner && $0.role == "partner" && ($0.status == "valid" || $0.status == "expiring") }
            switch entry.status {
            case "valid", "missing": return nil
            case _ where covered: return nil
            case "expiring":
                return
                    "partner \(entry.partner): the \(entry.role) certificate \(entry.file) (\(entry.subject ?? "")) expires on \(entry.notAfter ?? "?"), in \(entry.daysLeft ?? 0) day(s); exchange the new one with the partner now"
            case "expired":
                return
                    "partner \(entry.partner): the \(entry.role) certificate \(entry.file) (\(entry.subject ?? "")) expired on \(entry.notAfter ?? "?"); exchange a new one with the partner"
            case "not yet valid":
                return
                    "partner \(entry.partner): the \(entry.role) certificate \(entry.file) (\(entry.subject ?? "")) is not valid before \(entry.notBefore ?? "?")"
            default:
                return "partner \(entry.partner): the \(entry.role) certificate \(entry.file) cannot be read: \(entry.problem ?? "")"
            }
        }
    }
}
