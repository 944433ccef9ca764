internal import Foundation

/// A digest AS2 computes MICs and signatures with, under every spelling partners use.
public enum MICAlgorithm: String, Hashable, Sendable, CaseIterable {
    case sha1 = "sha-1"
    case sha256 = "sha-256"
    case sha384 = "sha-384"
    case sha512 = "sha-512"

    /// The RFC 5751 `micalg` name we emit (`sha-256`).
    public var micalg: String { rawValue }

    /// The name OpenSSL knows the digest by.
    public var openSSLName: String {
        switch self {
        case .sha1: "SHA1"
        case .sha256: "SHA256"
        case .sha384: "SHA384"
        case .sha512: "SHA512"
        }
    }

    /// Reads `sha256`, `sha-256`, `SHA256`, `rsa-sha256`, `sha1`… (TRANSPORTS §0.3: partners
    /// mix spellings; names are compared normalised, digests exactly).
    public init?(liberal text: String) {
        var name = text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"")).lowercased()
        if name.hasPrefix("rsa-") { name.removeFirst(4) }
        name.removeAll { $0 == "-" || $0 == "_" }
        switch name {
        case "sha1": self = .sha1
        case "sha256": self = .sha256
        case "sha384": self = .sha384
        case "sha512": self = .sha512
        default: return nil
        }
    }
}
