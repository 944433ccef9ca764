internal import AS2
internal import Foundation
internal import GatewayCore
public import Partners

/// Builds the AS2 message for a document, streamed file to file: the payload entity (binary
/// transfer encoding, file name from the profile), then optionally compressed (RFC 5402),
/// signed (detached CMS, MIC over exactly the signed bytes) and encrypted, as the profile says.
public struct AS2MessageBuilder: Sendable {
    public var settings: AS2Settings
    public var credentials: AS2Credentials
    /// A private directory for the layers on the way (removed before returning).
    public var workDirectory: String

    public init(settings: AS2Settings, credentials: AS2Credentials, workDirectory: String) {
        self.settings = settings
        self.credentials = credentials
        self.workDirectory = workDirectory
    }

    /// The document to send.
    public struct Payload: Sendable {
        public var file: String
        public var contentType: String
        public var fileName: String
        public init(file: String, contentType: String, fileName: String) {
            self.file = file
            self.contentType = contentType
            self.fileName = fileName
        }
    }

    /// Builds the message into `output`. `now` (ms since 1970) is its Date; `id` makes its
    /// Message-ID unique.
    /// - Throws: ``CMSError`` or ``PrivateFileError``.
    public func build(_ payload: Payload, output: String, now: Int64, id: String) throws -> AS2Message {
        var scratch: [String] = []
        defer { for file in scratch { try? FileManager.default.removeItem(atPath: file) } }
        // Created private before OpenSSL and zlib open them (they keep the mode they find).
        func temporary(_ name: String) throws -> String {
            let path = (workDirectory as NSString).appendingPathComponent("as2-\(id)-\(name)")
            scratch.append(path)
            try PrivateFile.create(path).close()
            return path
        }
        var layer = Layer(
            headers: [
                ("Content-Type", payload.contentType), ("Content-Transfer-Encoding", "binary"),
                ("Content-Disposition", "attachment; filename=\"\(payload.fileName)\""),
            ], body: payload.file)
        if settings.compress {
            let entity = try layer.write(to: try temporary("payload.mime"))
            let der = try temporary("compressed.p7z")
            try CMS.compress(content: entity, scratch: try temporary("deflate"), output: der)
            layer = Layer(
                headers: [
                    ("Content-Type", "application/pkcs7-mime; smime-type=compressed-data; name=\"smime.p7z\""),
                    ("Content-Transfer-Encoding", "binary"),
                    ("Content-Disposition", "attachment; filename=\"smime.p7z\""),
                ], body: der)
        }
        let algorithm = settings.sign.flatMap(MICAlgorithm.init(liberal:)) ?? .sha256
        var mic: [UInt8]
        if settings.sign != nil {
            let entity = try layer.write(to: try temporary("signed-entity.mime"))
            let (signature, digest) = try CMS.sign(
                content: entity, certificate: credentials.ourCertificate, key: credentials.ourKey, digest: algorithm.openSSLName)
            mic = digest
            let boundary = "----=_EPCISGateway_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
            let multipart = try temporary("signed.body")
            let handle = try PrivateFile.create(multipart)
            defer { try? handle.close() }
            try handle.write(contentsOf: Data("--\(boundary)\r\n".utf8))
            try Self.copy(entity, to: handle)
            let base64 = Data(signature).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            try handle.write(
                contentsOf: Data(
                    ("\r\n--\(boundary)\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n"
                        + "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n\(base64)\r\n--\(boundary)--\r\n").utf8))
            layer = Layer(
                headers: [
                    (
                        "Content-Type",
                        "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=\(algorithm.micalg); boundary=\"\(boundary)\""
                    )
                ], body: multipart)
        } else if settings.encrypt != nil {
            // Encrypted, unsigned: the MIC covers the entity that is encrypted, headers included.
            mic = try CMS.digest(file: try layer.write(to: try temporary("entity.mime")), algorithm: algorithm.openSSLName)
        } else {
            mic = try CMS.digest(file: layer.body, algorithm: algorithm.openSSLName)
        }
        if let cipher = settings.encrypt {
            let entity = try layer.write(to: try temporary("encrypted-entity.mime"))
            let der = try temporary("enveloped.p7m")
            try CMS.encrypt(
                content: entity, certificate: credentials.encryptionCertificate, cipher: cipher, oaep: settings.keyEncryption == .rsaOAEP,
                output: der)
            layer = Layer(
                headers: [
                    ("Content-Type", "application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\""),
                    ("Content-Transfer-Encoding", "binary"),
                    ("Content-Disposition", "attachment; filename=\"smime.p7m\""),
                ], body: der)
        }
        // The outermost layer's body is the HTTP body; its headers travel as HTTP headers.
        try? FileManager.default.removeItem(atPath: output)
        if layer.body == payload.file {
            let handle = try PrivateFile.create(output)
            defer { try? handle.close() }
            try Self.copy(payload.file, to: handle)
        } else {
            try FileManager.default.moveItem(atPath: layer.body, toPath: output)
        }
        let messageID = "<\(id)@\(Self.domain(settings.as2From))>"
        var headers = [
            AS2Message.Header("AS2-Version", "1.1"), AS2Message.Header("AS2-From", AS2Name.header(settings.as2From)),
            AS2Message.Header("AS2-To", AS2Name.header(settings.as2To)), AS2Message.Header("Message-ID", messageID),
            AS2Message.Header("Date", Self.date(now)), AS2Message.Header("Subject", "EPCIS document \(payload.fileName)"),
            AS2Message.Header("MIME-Version", "1.0"),
        ]
        headers += layer.headers.dropFirst().map { AS2Message.Header($0.0, $0.1) }
        if settings.mdnMode != .none {
            headers.append(AS2Message.Header("Disposition-Notification-To", "mdn@epcis-gateway.invalid"))
            if settings.mdnSigned {
                headers.append(
                    AS2Message.Header(
                        "Disposition-Notification-Options",
                        "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, \(algorithm.micalg)"))
            }
            if settings.mdnMode == .async, let url = settings.mdnURL { headers.append(AS2Message.Header("Receipt-Delivery-Option", url)) }
        }
        return AS2Message(
            file: output, contentType: layer.headers[0].1, headers: headers, messageID: messageID, mic: Data(mic).base64EncodedString(),
            micAlgorithm: algorithm, signed: settings.sign != nil, encrypted: settings.encrypt != nil, compressed: settings.compress,
            mdn: AS2Message.AS2MDNRequest(mode: settings.mdnMode.rawValue, signed: settings.mdnMode != .none && settings.mdnSigned))
    }

    /// One MIME layer: its headers and the file holding its body.
    struct Layer {
        var headers: [(String, String)]
        var body: String

        /// Writes the whole entity (headers, blank line, body) to `path`, privately.
        func write(to path: String) throws -> String {
            let handle = try PrivateFile.create(path)
            defer { try? handle.close() }
            try handle.write(contentsOf: Data((headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n").utf8))
            try AS2MessageBuilder.copy(body, to: handle)
            return path
        }
    }

    /// Appends a file in 1 MiB pieces.
    static func copy(_ path: String, to handle: FileHandle) throws {
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? input.close() }
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try handle.write(contentsOf: chunk) }
    }

    /// The Message-ID's right-hand side: the AS2 name reduced to what a msg-id allows.
    static func domain(_ name: String) -> String {
        let kept = name.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-" }
        return kept.isEmpty ? "epcis-gateway" : String(String.UnicodeScalarView(kept)).lowercased()
    }

    /// An RFC 5322 date in UTC.
    static func date(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
