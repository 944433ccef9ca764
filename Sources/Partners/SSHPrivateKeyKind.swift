internal import Foundation

/// What a key file holds, read from its text: enough to refuse a public key or an encrypted key
/// without a passphrase at load time, rather than at the first delivery.
enum SSHPrivateKeyKind: Equatable {
    case publicKey
    /// `type` is the SSH key type when the file says (`ssh-ed25519`, `ssh-rsa`, …).
    case privateKey(type: String?, encrypted: Bool)
    case unknown

    init(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("ssh-") || trimmed.hasPrefix("ecdsa-") || trimmed.hasPrefix("sk-") || trimmed.contains("-----BEGIN PUBLIC KEY-----")
            || trimmed.contains("-----BEGIN SSH2 PUBLIC KEY-----") || trimmed.contains("-----BEGIN RSA PUBLIC KEY-----")
        {
            self = .publicKey
        } else if let body = Self.armored(trimmed, label: "OPENSSH PRIVATE KEY") {
            self = Self.openSSH(body) ?? .unknown
        } else if Self.armored(trimmed, label: "RSA PRIVATE KEY") != nil {
            self = .privateKey(type: "ssh-rsa", encrypted: trimmed.contains("Proc-Type: 4,ENCRYPTED"))
        } else if Self.armored(trimmed, label: "EC PRIVATE KEY") != nil {
            self = .privateKey(type: "ecdsa", encrypted: trimmed.contains("Proc-Type: 4,ENCRYPTED"))
        } else if Self.armored(trimmed, label: "ENCRYPTED PRIVATE KEY") != nil {
            self = .privateKey(type: nil, encrypted: true)
        } else if Self.armored(trimmed, label: "PRIVATE KEY") != nil {
            self = .privateKey(type: nil, encrypted: false)
        } else {
            self = .unknown
        }
    }

    /// The base64 between `-----BEGIN label-----` and `-----END label-----`.
    static func armored(_ text: String, label: String) -> String? {
        guard let begin = text.range(of: "-----BEGIN \(label)-----"), let end = text.range(of: "-----END \(label)-----"),
            begin.upperBound <= end.lowerBound
        else { return nil }
        return String(text[begin.upperBound..<end.lowerBound])
    }

    /// `openssh-key-v1`: magic, cipher name, KDF name, KDF options, key count, then the first
    /// public key blob, whose first string is the key type (PROTOCOL.key in OpenSSH).
    static func openSSH(_ base64: String) -> Self? {
        guard let data = Data(base64Encoded: base64.filter { !$0.isWhitespace }) else { return nil }
        let bytes = [UInt8](data)
        let magic = Array("openssh-key-v1\u{0}".utf8)
        guard bytes.starts(with: magic) else { return nil }
        var offset = magic.count
        func string() -> [UInt8]? {
            guard offset + 4 <= bytes.count else { return nil }
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard length >= 0, offset + length <= bytes.count else { return nil }
            defer { offset += length }
            return Array(bytes[offset..<offset + length])
        }
        guard let cipher = string(), string() != nil, string() != nil, offset + 4 <= bytes.count else { return nil }
        offset += 4
        var type: String?
        if let blob = string(), blob.count >= 4 {
            let length = blob[0..<4].reduce(0) { $0 << 8 | Int($1) }
            if 4 + length <= blob.count { type = String(decoding: blob[4..<4 + length], as: UTF8.self) }
        }
        return .privateKey(type: type, encrypted: cipher != Array("none".utf8))
    }
}
