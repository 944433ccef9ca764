internal import CGatewayShims
internal import Foundation
public import GatewayCore

/// The S/MIME operations AS2 needs, over OpenSSL 3 CMS (``CGatewayShims``): file to file, so a
/// payload is never held in memory whole. Callers run them on the ``BlockingPool``.
public enum CMS {
    /// Signs `content` (detached, binary: the exact bytes). Returns the DER SignedData and the
    /// digest of the content it covers (the MIC).
    public static func sign(content: String, certificate: [UInt8], key: [UInt8], digest: String) throws -> (signature: [UInt8], mic: [UInt8]) {
        var signature: UnsafeMutablePointer<UInt8>?
        var length = 0
        var mic = [UInt8](repeating: 0, count: 64)
        var micLength = 0
        try call("sign") { error, size in
            certificate.withUnsafeBufferPointer { certificate in
                key.withUnsafeBufferPointer { key in
                    CGatewayShims_cms_sign(
                        content, pointer(certificate), certificate.count, pointer(key), key.count, nil, digest, &signature, &length, &mic, &micLength,
                        error,
                        size)
                }
            }
        }
        defer { CGatewayShims_free(signature) }
        return (Array(UnsafeBufferPointer(start: signature, count: length)), Array(mic.prefix(micLength)))
    }

    /// Encrypts `content` to the certificate into `output` (BER EnvelopedData, streamed).
    public static func encrypt(content: String, certificate: [UInt8], cipher: String, oaep: Bool, output: String) throws {
        try call("encrypt") { error, size in
            certificate.withUnsafeBufferPointer { certificate in
                CGatewayShims_cms_encrypt(content, pointer(certificate), certificate.count, cipher, oaep ? 1 : 0, output, error, size)
            }
        }
    }

    /// Decrypts the EnvelopedData in `input` with our key into `output`, streaming: the
    /// encrypted octets go through `scratch` and OpenSSL's cipher BIO, never into memory whole.
    public static func decrypt(input: String, scratch: String, certificate: [UInt8], key: [UInt8], output: String) throws {
        try call("decrypt") { error, size in
            certificate.withUnsafeBufferPointer { certificate in
                key.withUnsafeBufferPointer { key in
                    CGatewayShims_cms_decrypt_stream(
                        input, scratch, pointer(certificate), certificate.count, pointer(key), key.count, output, error, size)
                }
            }
        }
    }

    /// Compresses `content` into `output` (RFC 3274 CompressedData, zlib), using `scratch` on the way.
    public static func compress(content: String, scratch: String, output: String) throws {
        try call("compress") { error, size in CGatewayShims_cms_compress(content, scratch, output, error, size) }
    }

    /// Inflates the CompressedData in `input` into `output`.
    public static func uncompress(input: String, output: String) throws {
        try call("decompress") { error, size in CGatewayShims_cms_uncompress(input, output, error, size) }
    }

    /// Checks a detached signature over `content` (bytes) or `file`: the signer must be one of
    /// `certificates` (PEM, concatenated). Returns the signer's digest name.
    public static func verify(signature: [UInt8], content: [UInt8]? = nil, file: String? = nil, certificates: [UInt8]) throws -> String {
        var digest = [CChar](repeating: 0, count: 64)
        try call("verify") { error, size in
            signature.withUnsafeBufferPointer { signature in
                certificates.withUnsafeBufferPointer { certificates in
                    (content ?? []).withUnsafeBufferPointer { bytes in
                        CGatewayShims_cms_verify(
                            signature.baseAddress, signature.count, file, bytes.baseAddress, bytes.count, pointer(certificates), certificates.count,
                            &digest,
                            digest.count, error, size)
                    }
                }
            }
        }
        return String(decoding: digest.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The digest of a file or of bytes, by OpenSSL name (`SHA256`).
    public static func digest(file: String? = nil, bytes: [UInt8] = [], algorithm: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var length = 0
        try call("digest") { error, size in
            bytes.withUnsafeBufferPointer { bytes in
                CGatewayShims_digest_file(file, bytes.baseAddress, bytes.count, algorithm, &out, &length, error, size)
            }
        }
        return Array(out.prefix(length))
    }

    private static func pointer(_ buffer: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar>? {
        buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
    }

    private static func call(_ operation: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var error = [CChar](repeating: 0, count: 512)
        let status = error.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        guard status == 0 else {
            throw CMSError(.failed, "S/MIME \(operation): \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
    }
}

/// An S/MIME operation failed; the message carries OpenSSL's reason.
///
/// Equality compares the ``code`` only.
public struct CMSError: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<CMSError>

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension ErrorCode where Domain == CMSError {
    /// OpenSSL refused the operation (the message says why).
    public static let failed = Self("cms-failed")
}
