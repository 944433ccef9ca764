internal import CGatewayShims
internal import Foundation

/// What a certificate says about itself: who, by whom, and when it is valid.
public struct CertificateInfo: Hashable, Sendable {
    public var subject: String
    public var issuer: String
    /// Hexadecimal.
    public var serial: String
    /// Milliseconds since 1970.
    public var notBefore: Int64
    public var notAfter: Int64
    /// SHA-256 of the DER, colon-separated hexadecimal (as `openssl x509 -fingerprint -sha256`).
    public var fingerprint: String

    /// Valid at `now` (ms since 1970).
    public func isValid(at now: Int64) -> Bool { notBefore <= now && now <= notAfter }

    /// Whole days from `now` until it expires (negative once it has).
    public func daysLeft(at now: Int64) -> Int { Int((notAfter - now) / 86_400_000) }

    /// Every certificate in a PEM file or bundle.
    /// - Throws: ``CMSError`` when none can be read.
    public static func read(pem: [UInt8]) throws -> [CertificateInfo] {
        var result: [CertificateInfo] = []
        for index in 0..<64 {
            var subject = [CChar](repeating: 0, count: 512)
            var issuer = [CChar](repeating: 0, count: 512)
            var serial = [CChar](repeating: 0, count: 128)
            var notBefore: Int64 = 0
            var notAfter: Int64 = 0
            var fingerprint = [UInt8](repeating: 0, count: 32)
            var error = [CChar](repeating: 0, count: 512)
            let status = pem.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { text in
                    CGatewayShims_x509_info(
                        text.baseAddress, text.count, Int32(index), &subject, subject.count, &issuer, issuer.count, &serial, serial.count, &notBefore,
                        &notAfter, &fingerprint, &error, error.count)
                }
            }
            if status == 1 && index > 0 { break }
            guard status == 0 else {
                throw CMSError(.failed, "the certificate cannot be read: \(Self.text(error))")
            }
            result.append(
                CertificateInfo(
                    subject: Self.text(subject), issuer: Self.text(issuer), serial: Self.text(serial), notBefore: notBefore * 1000,
                    notAfter: notAfter * 1000,
                    fingerprint: fingerprint.map { String(format: "%02X", $0) }.joined(separator: ":")))
        }
        return result
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
