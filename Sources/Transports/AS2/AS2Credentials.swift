internal import Foundation
public import Partners

/// The keys and certificates of one AS2 partnership, read from the files its profile names.
public struct AS2Credentials: Sendable {
    /// Our certificate (PEM).
    public var ourCertificate: [UInt8]
    /// Our private key (PEM). Never logged.
    public var ourKey: [UInt8]
    /// Each of the partner's certificates (PEM), in the profile's order.
    public var partnerCertificates: [[UInt8]]

    /// Every partner certificate in one PEM bundle: any of them may sign (rollover).
    public var partnerBundle: [UInt8] { partnerCertificates.flatMap { $0 + [0x0A] } }

    /// - Throws: ``TransportConfigurationError`` naming the file that cannot be read.
    public static func load(_ settings: AS2Settings) throws -> AS2Credentials {
        func read(_ path: String, _ what: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                throw TransportConfigurationError(.fileUnreadable, "\(what) cannot be read from \(path); install it or correct the profile")
            }
            return Array(data)
        }
        return AS2Credentials(
            ourCertificate: try read(settings.ourCertificate, "our AS2 certificate"), ourKey: try read(settings.ourKey, "our AS2 private key"),
            partnerCertificates: try settings.partnerCertificates.map { try read($0, "the partner's AS2 certificate") })
    }
}
