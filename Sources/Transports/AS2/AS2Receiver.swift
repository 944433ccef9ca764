public import AS2
internal import Foundation
internal import GatewayCore
public import Partners

/// Opens a message a partner sent: decrypts, verifies and decompresses it, file to file, and
/// computes the MIC its MDN returns. Pure of storage: the caller stores what came out before
/// any MDN says `processed`.
public struct AS2Receiver: Sendable {
    /// The sending partner's settings (its names, certificates and what it must apply).
    public var settings: AS2Settings
    public var credentials: AS2Credentials
    /// A private directory for the layers on the way.
    public var workDirectory: String

    public init(settings: AS2Settings, credentials: AS2Credentials, workDirectory: String) {
        self.settings = settings
        self.credentials = credentials
        self.workDirectory = workDirectory
    }

    /// What a received message came to.
    public struct Received: Sendable {
        /// As the partner sent it (angle brackets kept).
        public var messageID: String
        /// `processed`, or the RFC 4130 error, e.g. `processed/error: decryption-failed`.
        public var disposition: String
        /// Why it was refused, in words (nil when processed).
        public var reason: String?
        /// The payload's file (processed messages only).
        public var payload: String?
        public var fileName: String?
        public var contentType: String?
        public var signed = false
        public var encrypted = false
        public var compressed = false
        /// Base64; nil when nothing was far enough opened to compute it.
        public var mic: String?
        /// What the MIC is computed with: the requested algorithm, else the signature's.
        public var micAlgorithm: MICAlgorithm
        public var request: MDNRequest
        /// The files made on the way (the caller removes them).
        public var scratch: [String] = []

        public var processed: Bool { disposition == "processed" }
    }

    /// The deepest layering a real message has (encrypted, signed, compressed, payload).
    static let maximumLayers = 6

    /// Opens the message whose HTTP headers are `headers` and whose body is in `body`.
    public func receive(headers: MIMEHeaders, body: String, id: String) -> Received {
        let request = MDNRequest(headers: headers)
        var received = Received(
            messageID: headers["Message-ID"] ?? "", disposition: "processed", micAlgorithm: request.requestedMICAlgorithm ?? .sha256, request: request
        )
        func refuse(_ error: String, _ reason: String) -> Received {
            received.disposition = "processed/error: \(error)"
            received.reason = reason
            received.payload = nil
            return received
        }
        var counter = 0
        func temporary(_ name: String) throws -> String {
            counter += 1
            let path = (workDirectory as NSString).appendingPathComponent("as2in-\(id)-\(counter)-\(name)")
            received.scratch.append(path)
            try PrivateFile.create(path).close()
            return path
        }
        var entity = FileEntity(file: body, headers: headers, bodyOffset: 0)
        do {
            for _ in 0..<Self.maximumLayers {
                let type = entity.contentType
                let media = type?.mediaType ?? "application/octet-stream"
                let smime = type?.parameters["smime-type"]?.lowercased()
                if media == "application/pkcs7-mime" || media == "application/x-pkcs7-mime", smime != "compressed-data" {
                    guard !received.encrypted else { return refuse("unexpected-processing-error", "the message is encrypted twice") }
                    let der = try entity.bodyFile(try temporary("enveloped.p7m"))
                    let opened = try temporary("decrypted.mime")
                    // The current key first, then earlier ones the partner may still encrypt to.
                    var failures: [String] = []
                    for (certificate, key) in credentials.decryptionKeys {
                        do {
                            try CMS.decrypt(input: der, scratch: der + ".content", certificate: certificate, key: key, output: opened)
                            failures = []
                            break
                        } catch {
                            failures.append("\(error)")
                        }
                    }
                    if !failures.isEmpty {
                        return refuse(
                            "decryption-failed", "the message cannot be decrypted with our key(s): \(failures.joined(separator: "; "))")
                    }
                    received.encrypted = true
                    if !received.signed {
                        // Encrypted and unsigned: the MIC covers the decrypted entity, headers included.
                        received.mic = try digest(opened, received.micAlgorithm)
                    }
                    entity = try FileEntity.parse(opened)
                } else if media == "application/pkcs7-mime" || media == "application/x-pkcs7-mime" {
                    let der = try entity.bodyFile(try temporary("compressed.p7z"))
                    let opened = try temporary("decompressed.mime")
                    do { try CMS.uncompress(input: der, output: opened) } catch {
                        return refuse("decompression-failed", "the message cannot be decompressed: \(error)")
                    }
                    received.compressed = true
                    entity = try FileEntity.parse(opened)
                } else if media == "multipart/signed" {
                    guard !received.signed else { return refuse("unexpected-processing-error", "the message is signed twice") }
                    let parts = try entity.parts(maximum: 2)
                    guard parts.count == 2 else { return refuse("unexpected-processing-error", "a signed message has \(parts.count) parts, not 2") }
                    let signed = try temporary("signed.mime")
                    try FileEntity.copy(entity.file, range: parts[0], to: signed)
                    let signatureFile = try temporary("signature.mime")
                    try FileEntity.copy(entity.file, range: parts[1], to: signatureFile)
                    let signaturePart = try FileEntity.parse(signatureFile)
                    let signatureBytes = try temporary("signature.der")
                    try signaturePart.body(to: signatureBytes)
                    // The MIC is over the signed entity exactly as it arrived, with the requested
                    // algorithm (or, none requested, the signature's own).
                    received.micAlgorithm =
                        request.requestedMICAlgorithm ?? type?.parameters["micalg"].flatMap(MICAlgorithm.init(liberal:)) ?? .sha256
                    received.mic = try digest(signed, received.micAlgorithm)
                    do {
                        _ = try CMS.verify(
                            signature: Array(FileManager.default.contents(atPath: signatureBytes) ?? Data()), file: signed,
                            certificates: credentials.partnerBundle)
                    } catch {
                        return refuse("authentication-failed", "the signature is not the partner's: \(error)")
                    }
                    received.signed = true
                    entity = try FileEntity.parse(signed)
                } else {
                    let payload = try entity.bodyFile(try temporary("payload"))
                    if received.mic == nil { received.mic = try digest(payload, received.micAlgorithm) }
                    received.payload = payload
                    received.contentType = media
                    received.fileName = Self.fileName(entity.headers["Content-Disposition"])
                    break
                }
            }
        } catch let error as MIMEError {
            return refuse("unexpected-processing-error", "the message cannot be read: \(error.message)")
        } catch {
            return refuse("unexpected-processing-error", "the message cannot be opened: \(error)")
        }
        guard received.payload != nil else {
            return refuse("unexpected-processing-error", "the message nests more than \(Self.maximumLayers) layers")
        }
        if settings.sign != nil && !received.signed {
            return refuse("insufficient-message-security", "the partner's profile requires signed messages, and this one is not signed")
        }
        if settings.encrypt != nil && !received.encrypted {
            return refuse("insufficient-message-security", "the partner's profile requires encrypted messages, and this one is not encrypted")
        }
        return received
    }

    /// The MDN for `received`: HTTP headers and body, signed when the partner asked for it.
    public func mdn(for received: Received, text: String, now: Int64, id: String) throws -> (headers: [(String, String)], body: [UInt8]) {
        // Neither boundary may be a prefix of the other: parsers match delimiters by prefix.
        let token = id.replacingOccurrences(of: "-", with: "")
        let boundary = "----=_EPCISGatewaySigned_\(token)"
        let (reportType, entity) = MDNDocument.report(
            MDNDocument.Content(
                recipient: settings.as2From, originalMessageID: received.messageID, disposition: received.disposition,
                mic: received.mic.map { ($0, received.micAlgorithm) }, text: text),
            boundary: "----=_EPCISGatewayReport_\(token)")
        var contentType = reportType
        var body = MDNDocument.body(ofEntity: entity)
        if received.request.signed {
            let file = (workDirectory as NSString).appendingPathComponent("mdn-\(id).mime")
            try PrivateFile.create(file).close()
            defer { try? FileManager.default.removeItem(atPath: file) }
            try Data(entity).write(to: URL(fileURLWithPath: file))
            let (signature, _) = try CMS.sign(
                content: file, certificate: credentials.ourCertificate, key: credentials.ourKey, digest: received.micAlgorithm.openSSLName)
            (contentType, body) = MDNDocument.signed(entity: entity, signature: signature, algorithm: received.micAlgorithm, boundary: boundary)
        }
        let headers = [
            ("AS2-Version", "1.1"), ("AS2-From", AS2Name.header(settings.as2From)), ("AS2-To", AS2Name.header(settings.as2To)),
            ("Message-ID", "<mdn-\(id)@\(AS2MessageBuilder.domain(settings.as2From))>"), ("Date", AS2MessageBuilder.date(now)),
            ("Subject", "Message Disposition Notification"), ("MIME-Version", "1.0"), ("Content-Type", contentType),
        ]
        return (headers, body)
    }

    private func digest(_ file: String, _ algorithm: MICAlgorithm) throws -> String {
        Data(try CMS.digest(file: file, algorithm: algorithm.openSSLName)).base64EncodedString()
    }

    /// The `filename` parameter of a Content-Disposition, reduced to a safe name.
    static func fileName(_ disposition: String?) -> String? {
        guard let disposition, let parsed = ContentType("x/" + disposition), let name = parsed.parameters["filename"] else { return nil }
        let safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" }.prefix(200))
        return safe.isEmpty || safe.allSatisfy({ $0 == "." }) ? nil : safe
    }
}
