public import AS2

/// Reads an MDN as it arrived (sync in the answer to our POST, or async to `/as2`), checks its
/// signature against the partner's certificates and applies the decision table.
public enum MDNCheck {
    /// What an MDN came to.
    public struct Outcome: Sendable {
        public var verdict: MDNVerdict
        /// The parsed MDN, when it could be read.
        public var mdn: MDN?
    }

    /// The Message-ID an MDN answers, read without checking anything (to file it).
    public static func originalMessageID(headers: MIMEHeaders, body: [UInt8]) -> String? {
        guard case .success(let report) = report(MIMEEntity.from(headers: headers, body: body)).map(\.report),
            case .success(let mdn) = MDN.parse(report: report)
        else { return nil }
        return mdn.originalMessageID
    }

    /// The verdict on the MDN in `headers` and `body` for the message `expected` describes.
    public static func evaluate(headers: MIMEHeaders, body: [UInt8], partnerCertificates: [UInt8], expected: MDNVerdict.Expectation) -> Outcome {
        let entity = MIMEEntity.from(headers: headers, body: body)
        let report: MIMEEntity
        var signature = MDNVerdict.Signature.absent
        switch self.report(entity) {
        case .failure(let error): return Outcome(verdict: .notAcknowledged(reason: "the answer is not a readable MDN: \(error.message)"), mdn: nil)
        case .success(let found):
            report = found.report
            if let (signed, signatureBytes) = found.signature {
                signature = verify(signed, signatureBytes, partnerCertificates)
            }
        }
        switch MDN.parse(report: report) {
        case .failure(let error): return Outcome(verdict: .notAcknowledged(reason: "the MDN cannot be read: \(error.message)"), mdn: nil)
        case .success(let mdn): return Outcome(verdict: MDNVerdict.evaluate(mdn, signature: signature, expected: expected), mdn: mdn)
        }
    }

    /// The report entity, and for a signed MDN the signed bytes and the signature.
    static func report(_ entity: MIMEEntity) -> Result<(report: MIMEEntity, signature: ([UInt8], [UInt8])?), MIMEError> {
        switch entity.contentType?.mediaType {
        case "multipart/report": return .success((entity, nil))
        case "multipart/signed":
            let parts: [[UInt8]]
            switch entity.parts() {
            case .failure(let error): return .failure(error)
            case .success(let value): parts = value
            }
            guard parts.count == 2 else { return .failure(MIMEError(.badMultipart, "a signed MDN has \(parts.count) parts, not 2")) }
            let signed: MIMEEntity
            let signaturePart: MIMEEntity
            switch (MIMEEntity.parse(parts[0]), MIMEEntity.parse(parts[1])) {
            case (.failure(let error), _), (_, .failure(let error)): return .failure(error)
            case (.success(let first), .success(let second)): (signed, signaturePart) = (first, second)
            }
            guard signed.contentType?.mediaType == "multipart/report" else {
                return .failure(MIMEError(.unexpectedType, "the signed part is \(signed.contentType?.mediaType ?? "untyped"), not multipart/report"))
            }
            switch signaturePart.decodedBody() {
            case .failure(let error): return .failure(error)
            case .success(let bytes): return .success((signed, (parts[0], bytes)))
            }
        case let type: return .failure(MIMEError(.unexpectedType, "its type is \(type ?? "missing"), not multipart/report or multipart/signed"))
        }
    }

    /// Verifies the exact bytes first, then their CRLF-canonical form (some signers sign the
    /// canonical form of a part they send with bare LFs).
    static func verify(_ signed: [UInt8], _ signature: [UInt8], _ certificates: [UInt8]) -> MDNVerdict.Signature {
        do {
            return .verified(digest: try CMS.verify(signature: signature, content: signed, certificates: certificates))
        } catch {
            let canonical = canonicalize(signed)
            if canonical != signed, let digest = try? CMS.verify(signature: signature, content: canonical, certificates: certificates) {
                return .verified(digest: digest)
            }
            return .invalid(reason: "\(error)")
        }
    }

    static func canonicalize(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 40)
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D { result.append(0x0D) }
            result.append(byte)
            previous = byte
        }
        return result
    }
}
