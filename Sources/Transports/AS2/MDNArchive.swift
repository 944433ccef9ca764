/// Where AS2 MDNs are kept as evidence, durably, before anything acts on them (the store, in
/// the gateway; see the `Delivery` module).
public protocol MDNArchive: Sendable {
    func keep(_ mdn: ReceivedMDN) async throws
    /// Every MDN received for a Message-ID (without brackets), oldest first.
    func received(messageKey: String) async throws -> [ReceivedMDN]
}

/// An MDN exactly as it arrived.
public struct ReceivedMDN: Hashable, Sendable {
    public var id: String
    /// The Message-ID it answers, without brackets.
    public var messageKey: String
    public var deliveryID: String?
    public var partner: String?
    /// `sync` or `async`.
    public var channel: String
    public var receivedAt: Int64
    /// `Name: value` lines, CRLF-separated.
    public var headers: String
    public var body: [UInt8]

    public init(
        id: String, messageKey: String, deliveryID: String?, partner: String?, channel: String, receivedAt: Int64, headers: String, body: [UInt8]
    ) {
        self.id = id
        self.messageKey = messageKey
        self.deliveryID = deliveryID
        self.partner = partner
        self.channel = channel
        self.receivedAt = receivedAt
        self.headers = headers
        self.body = body
    }
}
