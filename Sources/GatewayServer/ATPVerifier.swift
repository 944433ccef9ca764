internal import Foundation
internal import JWTKit
internal import Synchronization

/// The optional ATP credential check of GS1 US R1.3: a signed JWT the requestor sends in a
/// configured header, verified against the issuer keys its profile names (ES256 or RS256,
/// as PEM public keys or certificates). The signature, the expiry (`exp`, required) and the
/// subject (`sub`, the requestor's GLN) must all hold, else the answer is 403.
final class ATPVerifier: Sendable {
    /// The claims the check reads; others are ignored.
    struct Credential: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        /// Expiry is judged against the gateway's clock after decoding, not the system's here.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private struct Keys: Sendable {
        var modified: Date
        var collection: JWTKeyCollection?
        var count: Int
    }

    private let cache = Mutex<[String: Keys]>([:])

    /// Nil when the credential holds; else why not, in words for the log (never the token).
    func problem(token: String?, issuerKeys path: String, requestor: String, now milliseconds: Int64) async -> String? {
        guard let token, !token.isEmpty else { return "the ATP credential is missing" }
        guard let keys = await keys(path) else { return "the profile's ATP issuer keys (\(path)) cannot be read or hold no ES256/RS256 key" }
        let credential: Credential
        do { credential = try await keys.verify(token, as: Credential.self, iteratingKeys: true) } catch {
            return "the ATP credential's signature is not one of the issuer keys', or it is not a JWT"
        }
        if credential.exp.value.timeIntervalSince1970 * 1_000 <= Double(milliseconds) {
            return "the ATP credential expired at \(ISO8601DateFormatter().string(from: credential.exp.value))"
        }
        if credential.sub.value != requestor { return "the ATP credential's subject is not reqGLN \(requestor)" }
        return nil
    }

    /// The issuer keys, read again when the file changes.
    private func keys(_ path: String) async -> JWTKeyCollection? {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
        if let cached = cache.withLock({ $0[path] }), cached.modified == modified { return cached.collection }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let collection = JWTKeyCollection()
        var count = 0
        for block in Self.pemBlocks(text) {
            let kid = JWKIdentifier(string: "issuer-\(count)")
            if let key = (try? ES256PublicKey(pem: block)) ?? (try? ES256PublicKey(certificate: block)) {
                await collection.add(ecdsa: key, kid: kid)
            } else if let key = (try? Insecure.RSA.PublicKey(pem: block)) ?? (try? Insecure.RSA.PublicKey(certificatePEM: block)) {
                await collection.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
            } else {
                continue
            }
            count += 1
        }
        let result = count > 0 ? collection : nil
        cache.withLock { $0[path] = Keys(modified: modified, collection: result, count: count) }
        return result
    }

    /// Each `-----BEGIN …-----` … `-----END …-----` block of a PEM file.
    static func pemBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring] = []
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("-----BEGIN ") { current = [line] } else if !current.isEmpty { current.append(line) }
            if line.hasPrefix("-----END "), !current.isEmpty {
                blocks.append(current.joined(separator: "\n") + "\n")
                current = []
            }
        }
        return blocks
    }
}
