public import AS2
internal import Foundation

/// An AS2 message as built once at `queue add`: the body file that goes on the wire and the
/// facts stored with the delivery, so every retry sends the same bytes, Message-ID and Date.
public struct AS2Message: Hashable, Sendable {
    /// The HTTP body (the outermost entity's content).
    public var file: String
    /// The outermost entity's `Content-Type`, sent as the HTTP `Content-Type`.
    public var contentType: String
    /// Every other HTTP header, in the order sent.
    public var headers: [Header]
    /// With angle brackets, as sent.
    public var messageID: String
    /// Base64 of the MIC the partner's MDN must return.
    public var mic: String
    public var micAlgorithm: MICAlgorithm
    public var signed: Bool
    public var encrypted: Bool
    public var compressed: Bool
    public var mdn: AS2MDNRequest

    public struct Header: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The MDN this message asks for.
    public struct AS2MDNRequest: Hashable, Sendable {
        /// `sync`, `async` or `none`.
        public var mode: String
        public var signed: Bool
        public init(mode: String, signed: Bool) {
            self.mode = mode
            self.signed = signed
        }
    }

    /// The Message-ID without angle brackets: how MDNs are matched and stored.
    public var messageKey: String { Self.key(messageID) }

    /// A Message-ID as a lookup key (brackets and space removed).
    public static func key(_ messageID: String) -> String {
        messageID.trimmingCharacters(in: CharacterSet(charactersIn: " \t<>"))
    }

    /// What the MDN check compares against.
    public var expectation: MDNVerdict.Expectation {
        MDNVerdict.Expectation(messageID: messageID, mic: mic, micAlgorithm: micAlgorithm, signedReceipt: mdn.signed, messageSigned: signed)
    }

    /// The facts as the delivery stores them (`as2.` keys).
    public var metadata: [String: String] {
        [
            "as2.message-id": messageID, "as2.mic": mic, "as2.mic-algorithm": micAlgorithm.micalg, "as2.signed": "\(signed)",
            "as2.encrypted": "\(encrypted)", "as2.compressed": "\(compressed)", "as2.mdn": mdn.mode, "as2.mdn-signed": "\(mdn.signed)",
            "as2.headers": headers.map { "\($0.name): \($0.value)" }.joined(separator: "\r\n"),
        ]
    }

    /// The message a delivery stores; nil when its metadata is not an AS2 message's (corrupt,
    /// or queued before AS2 was available).
    public init?(metadata: [String: String], file: String, contentType: String) {
        guard let messageID = metadata["as2.message-id"], let mic = metadata["as2.mic"],
            let algorithm = metadata["as2.mic-algorithm"].flatMap(MICAlgorithm.init(liberal:)), let mode = metadata["as2.mdn"],
            let lines = metadata["as2.headers"]
        else { return nil }
        var headers: [Header] = []
        for line in lines.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.append(Header(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        self.init(
            file: file, contentType: contentType, headers: headers, messageID: messageID, mic: mic, micAlgorithm: algorithm,
            signed: metadata["as2.signed"] == "true", encrypted: metadata["as2.encrypted"] == "true",
            compressed: metadata["as2.compressed"] == "true",
            mdn: AS2MDNRequest(mode: mode, signed: metadata["as2.mdn-signed"] == "true"))
    }

    public init(
        file: String, contentType: String, headers: [Header], messageID: String, mic: String, micAlgorithm: MICAlgorithm, signed: Bool,
        encrypted: Bool,
        compressed: Bool, mdn: AS2MDNRequest
    ) {
        self.file = file
        self.contentType = contentType
        self.headers = headers
        self.messageID = messageID
        self.mic = mic
        self.micAlgorithm = micAlgorithm
        self.signed = signed
        self.encrypted = encrypted
        self.compressed = compressed
        self.mdn = mdn
    }
}
