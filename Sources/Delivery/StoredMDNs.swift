public import Store
public import Transports

/// The AS2 MDN archive in the gateway's store.
public struct StoredMDNs: MDNArchive {
    public let queue: any DeliveryQueue

    public init(queue: any DeliveryQueue) { self.queue = queue }

    public func keep(_ mdn: ReceivedMDN) async throws {
        try await queue.recordMDN(
            MDNRow(
                id: mdn.id, messageID: mdn.messageKey, deliveryID: mdn.deliveryID, partner: mdn.partner, channel: mdn.channel,
                receivedAt: mdn.receivedAt, headers: mdn.headers, body: mdn.body))
    }

    public func received(messageKey: String) async throws -> [ReceivedMDN] {
        try await queue.mdns(messageID: messageKey).map {
            ReceivedMDN(
                id: $0.id, messageKey: $0.messageID, deliveryID: $0.deliveryID, partner: $0.partner, channel: $0.channel, receivedAt: $0.receivedAt,
                headers: $0.headers, body: $0.body)
        }
    }
}
