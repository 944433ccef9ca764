internal import Foundation

/// The MDN the gateway sends for a message it received (RFC 8098 with RFC 4130 §7): a
/// `multipart/report` with a human-readable part and the disposition fields, optionally wrapped
/// in `multipart/signed` once the caller has signed the report's exact bytes.
public enum MDNDocument {
    /// What the MDN says.
    public struct Content: Hashable, Sendable {
        /// Our AS2 name: the message's recipient.
        public var recipient: String
        public var originalMessageID: String
        /// `processed`, or `processed/error: decryption-failed` and the like.
        public var disposition: String
        /// The MIC of what was received, when it was computed.
        public var mic: (digest: String, algorithm: MICAlgorithm)?
        public var text: String

        public init(recipient: String, originalMessageID: String, disposition: String, mic: (digest: String, algorithm: MICAlgorithm)?, text: String)
        {
            self.recipient = recipient
            self.originalMessageID = originalMessageID
            self.disposition = disposition
            self.mic = mic
            self.text = text
        }

        public static func == (lhs: Content, rhs: Content) -> Bool {
            lhs.recipient == rhs.recipient && lhs.originalMessageID == rhs.originalMessageID && lhs.disposition == rhs.disposition
                && lhs.mic?.digest == rhs.mic?.digest && lhs.mic?.algorithm == rhs.mic?.algorithm && lhs.text == rhs.text
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(originalMessageID)
            hasher.combine(disposition)
        }
    }

    /// The product name MDNs carry in `Reporting-UA`.
    public static let reportingUA = "EPCIS Gateway"

    /// The report entity: its `Content-Type` and its whole bytes (headers, blank line, body).
    public static func report(_ content: Content, boundary: String) -> (contentType: String, entity: [UInt8]) {
        let contentType = "multipart/report; report-type=disposition-notification; boundary=\"\(boundary)\""
        var fields = [
            "Reporting-UA: \(reportingUA)", "Original-Recipient: rfc822; \(AS2Name.header(content.recipient))",
            "Final-Recipient: rfc822; \(AS2Name.header(content.recipient))", "Original-Message-ID: \(content.originalMessageID)",
            "Disposition: automatic-action/MDN-sent-automatically; \(content.disposition)",
        ]
        if let mic = content.mic { fields.append("Received-Content-MIC: \(mic.digest), \(mic.algorithm.micalg)") }
        let text = content.text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        let entity =
            "Content-Type: \(contentType)\r\n\r\n"
            + "--\(boundary)\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\(text)\r\n"
            + "--\(boundary)\r\nContent-Type: message/disposition-notification\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
            + fields.joined(separator: "\r\n") + "\r\n\r\n--\(boundary)--\r\n"
        return (contentType, Array(entity.utf8))
    }

    /// The signed MDN's `Content-Type` and body, around the report entity and its detached
    /// DER signature.
    public static func signed(entity: [UInt8], signature: [UInt8], algorithm: MICAlgorithm, boundary: String) -> (contentType: String, body: [UInt8])
    {
        let contentType = "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=\(algorithm.micalg); boundary=\"\(boundary)\""
        let base64 = Data(signature).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        var body = Array("--\(boundary)\r\n".utf8)
        body += entity
        body += Array(
            ("\r\n--\(boundary)\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n\(base64)\r\n--\(boundary)--\r\n").utf8)
        return (contentType, body)
    }

    /// The body of an unsigned MDN: the report entity without its header block (which goes
    /// into the HTTP headers).
    public static func body(ofEntity entity: [UInt8]) -> [UInt8] {
        guard let (_, start) = MIMEEntity.headerEnd(entity) else { return entity }
        return Array(entity[start...])
    }
}

/// What a message's sender asked for in its MDN headers (RFC 4130 §7.3).
public struct MDNRequest: Hashable, Sendable {
    /// An MDN was asked for at all (`Disposition-Notification-To`).
    public var requested: Bool
    /// Where to POST it (`Receipt-Delivery-Option`); nil means sync.
    public var asyncURL: String?
    /// A signed receipt was asked for.
    public var signed: Bool
    /// The first requested MIC algorithm we support (nil: none was named).
    public var requestedMICAlgorithm: MICAlgorithm?

    public init(headers: MIMEHeaders) {
        requested = !(headers["Disposition-Notification-To"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        asyncURL = headers["Receipt-Delivery-Option"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        var signed = false
        var algorithm: MICAlgorithm?
        if let options = headers["Disposition-Notification-Options"] {
            for option in options.split(separator: ";") {
                let pieces = option.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard pieces.count == 2 else { continue }
                let values = pieces[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                if pieces[0] == "signed-receipt-protocol", values.contains("pkcs7-signature") { signed = true }
                // Preference order, left to right; the importance word comes first.
                if pieces[0] == "signed-receipt-micalg",
                    let first = values.filter({ $0 != "optional" && $0 != "required" }).compactMap(MICAlgorithm.init(liberal:)).first
                {
                    algorithm = first
                }
            }
        }
        self.signed = signed
        requestedMICAlgorithm = algorithm
    }
}
