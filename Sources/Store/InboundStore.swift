/// The AS2 messages partners sent us: each kept raw and opened, with its validation verdict
/// and the MDN we answered, in one transaction before that MDN goes out.
public protocol InboundStore: Sendable {
    /// Stores a received message with its raw file and (processed) payload file, in one
    /// transaction. A processed message whose partner and Message-ID are already stored is not
    /// stored again: the stored one is returned, with the MDN that was sent for it.
    /// - Returns: the stored row, and whether it was already there.
    func recordInbound(_ message: InboundMessageRow, raw: String, payload: String?) async throws -> (row: InboundMessageRow, duplicate: Bool)
    /// The processed message of `partner` with `messageID` (without brackets).
    func inboundMessage(partner: String, messageID: String) async throws -> InboundMessageRow?
    func inboundMessage(id: String) async throws -> InboundMessageRow?
    /// Newest first.
    func inboundMessages(partner: String?, limit: Int) async throws -> [InboundMessageRow]
    /// A partner's messages whose id starts with `prefix` (its capture jobs: `capture:`), newest first.
    func inboundMessages(partner: String, messageIDPrefix prefix: String, limit: Int) async throws -> [InboundMessageRow]
    /// Writes the stored raw message or payload to `path`, checking its digest.
    func inboundContent(_ id: String, part: InboundPart, to path: String) async throws
    /// Messages whose disposition is `disposition`, oldest first (capture jobs still running).
    func inboundMessages(disposition: String, limit: Int) async throws -> [InboundMessageRow]
    /// Records a capture job's verdict: its disposition, validity and summary.
    /// - Throws: `StoreError` when there is no message `id`.
    func settleInbound(_ id: String, disposition: String, valid: Bool, validation: String) async throws
}

/// What of a received message is kept.
public enum InboundPart: String, Sendable, CaseIterable {
    /// The HTTP body exactly as it arrived.
    case raw
    /// The opened payload (processed messages only).
    case payload
}

/// A message a partner sent, as stored.
public struct InboundMessageRow: Hashable, Sendable {
    public var id: String
    public var partner: String
    /// Without angle brackets.
    public var messageID: String
    /// `processed` or `refused`.
    public var status: String
    public var receivedAt: Int64
    /// The disposition our MDN gave (`processed`, `processed/error: decryption-failed`, …).
    public var disposition: String
    public var reason: String?
    /// The HTTP headers as received, `Name: value` lines.
    public var headers: String
    public var fileName: String?
    public var contentType: String?
    public var signed: Bool
    public var encrypted: Bool
    public var compressed: Bool
    public var mic: String?
    public var micAlgorithm: String
    public var rawBytes: Int64
    public var rawSHA256: String
    public var payloadBytes: Int64?
    public var payloadSHA256: String?
    /// The EPCIS validation verdict (nil: not validated, for example not EPCIS).
    public var valid: Bool?
    public var validation: String?
    /// `sync`, `async` or `none`.
    public var mdnChannel: String
    public var mdnURL: String?
    public var mdnHeaders: String?
    public var mdnBody: [UInt8]?

    public init(
        id: String, partner: String, messageID: String, status: String, receivedAt: Int64, disposition: String, reason: String?, headers: String,
        fileName: String?, contentType: String?, signed: Bool, encrypted: Bool, compressed: Bool, mic: String?, micAlgorithm: String,
        valid: Bool?, validation: String?, mdnChannel: String, mdnURL: String?, mdnHeaders: String?, mdnBody: [UInt8]?
    ) {
        self.id = id
        self.partner = partner
        self.messageID = messageID
        self.status = status
        self.receivedAt = receivedAt
        self.disposition = disposition
        self.reason = reason
        self.headers = headers
        self.fileName = fileName
        self.contentType = contentType
        self.signed = signed
        self.encrypted = encrypted
        self.compressed = compressed
        self.mic = mic
        self.micAlgorithm = micAlgorithm
        rawBytes = 0
        rawSHA256 = ""
        self.valid = valid
        self.validation = validation
        self.mdnChannel = mdnChannel
        self.mdnURL = mdnURL
        self.mdnHeaders = mdnHeaders
        self.mdnBody = mdnBody
    }
}

/// The columns both engines share.
enum InboundSQL {
    /// The ids starting with `prefix` are those from `prefix` up to (not including) the prefix
    /// with its last character raised by one: a range on the index, the same on both engines.
    static func prefixRange(_ prefix: String) -> (lower: String, upper: String) {
        guard let last = prefix.unicodeScalars.last, let next = Unicode.Scalar(last.value + 1) else { return (prefix, prefix + "\u{10FFFF}") }
        return (prefix, String(prefix.unicodeScalars.dropLast()) + String(next))
    }

    static let columns = """
        inbound_id, partner, message_id, status, received_at, disposition, reason, headers, file_name, content_type, signed, encrypted, compressed, \
        mic, mic_algorithm, raw_bytes, raw_sha256, payload_bytes, payload_sha256, valid, validation, mdn_channel, mdn_url, mdn_headers, mdn_body
        """
    static let placeholders = Array(repeating: "?", count: 25).joined(separator: ", ")

    /// A stored status; anything else is corruption.
    static func status(_ text: String) throws -> String {
        guard text == "processed" || text == "refused" else {
            throw StoreError(
                .corrupt, "an AS2 message's status is the unknown value '\(text)' (known: processed, refused); restore the row from a backup")
        }
        return text
    }
}
