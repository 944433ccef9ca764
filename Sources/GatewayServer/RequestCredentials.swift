internal import Foundation
internal import GatewayCore
internal import HTTPTypes
internal import Hummingbird
internal import NIOSSL
internal import Partners
internal import Transports

/// What a request shows of its sender, and whether that is the credential a profile names:
/// the headers, and the SHA-256 (hex) of the TLS client certificate it presented (the
/// handshake has already checked it against the configured client CA).
struct RequestCredentials {
    var header: (String) -> String?
    var certificateSHA256: String?

    /// The credentials of `request` on `context`'s connection.
    static func of(_ request: Request, _ context: GatewayRequestContext) async -> RequestCredentials {
        let certificate = try? await context.channel.nioSSL_peerCertificate().get()
        let fingerprint = certificate.flatMap { try? $0.toDERBytes() }.map { Digest.sha256Hex($0) }
        return RequestCredentials(header: { name in HTTPField.Name(name).flatMap { request.headers[$0] } }, certificateSHA256: fingerprint)
    }

    /// Whether these are the credentials `method` names; secrets are compared in constant time.
    func match(_ method: VerificationSettings.Authentication, secrets: SecretReader, certificates: CertificateFingerprints) -> Bool {
        let expected: String
        let given: String?
        switch method {
        case .apiKey(let name, let source):
            guard case .success(let value) = secrets.read(source) else { return false }
            expected = value
            given = header(name)
        case .bearer(let source):
            guard case .success(let value) = secrets.read(source) else { return false }
            expected = value
            given = header("Authorization").flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        case .clientCertificate(let path):
            guard let certificateSHA256 else { return false }
            return certificates.fingerprints(path).contains(certificateSHA256)
        }
        guard let given, !expected.isEmpty else { return false }
        return Self.constantTimeEqual(Array(given.utf8), Array(expected.utf8))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
