internal import Foundation
internal import GatewayCore
internal import NIOSSL
internal import Synchronization

/// The SHA-256 fingerprints (hex) of the certificates in PEM files, read again when a file
/// changes (a partner's certificate is replaced by replacing the file).
final class CertificateFingerprints: Sendable {
    private struct Entry {
        var modified: Date
        var fingerprints: Set<String>
    }

    private let cache = Mutex<[String: Entry]>([:])

    /// Empty when the file cannot be read or holds no certificate: nobody matches.
    func fingerprints(_ path: String) -> Set<String> {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
        if let entry = cache.withLock({ $0[path] }), entry.modified == modified { return entry.fingerprints }
        let certificates = (try? NIOSSLCertificate.fromPEMFile(path)) ?? []
        let fingerprints = Set(certificates.compactMap { try? $0.toDERBytes() }.map { Digest.sha256Hex($0) })
        cache.withLock { $0[path] = Entry(modified: modified, fingerprints: fingerprints) }
        return fingerprints
    }
}
