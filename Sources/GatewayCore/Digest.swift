internal import COpenSSL

/// Cryptographic digests the gateway needs, through OpenSSL.
public enum Digest {
    /// OpenSSL's SHA-256 method, looked up once (a constant table inside OpenSSL).
    nonisolated(unsafe) private static let sha256Method = EVP_sha256()

    /// SHA-256 through OpenSSL's one-shot digest.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, sha256Method, nil)
        }
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return digest
    }

    /// Lower-case hexadecimal SHA-256.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(sha256(bytes)) }

    /// Lower-case hexadecimal.
    public static func hex(_ digest: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// SHA-256 over bytes that arrive in pieces (a document spooled chunk by chunk), so
    /// nothing needs the whole document in memory.
    public final class SHA256Stream {
        private let context: OpaquePointer

        public init() {
            guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
                preconditionFailure("OpenSSL could not start a SHA-256 digest")
            }
            self.context = context
        }

        deinit { EVP_MD_CTX_free(context) }

        public func update(_ buffer: UnsafeRawBufferPointer) {
            precondition(EVP_DigestUpdate(context, buffer.baseAddress, buffer.count) == 1, "OpenSSL SHA-256 update failed")
        }

        /// The lower-case hexadecimal digest; the stream cannot be used afterwards.
        public func finish() -> String {
            var digest = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1 && length == 32, "OpenSSL SHA-256 final failed")
            return Digest.hex(digest)
        }
    }
}
