public import DSCSA
public import EPCIS
internal import Foundation
public import Partners
public import Store

/// Composes a shipment's document for a partner and queues its exact bytes: the use case
/// behind `queue add` and the API.
public struct ShipmentQueueing: Sendable {
    public let store: any GatewayStore
    /// Where the document is composed before it is stored (private; see ``Spool``).
    public let spool: Spool
    /// The schemas the composed document is validated against before it is queued.
    public let schemas: EPCISSchemas?

    public init(store: any GatewayStore, spool: Spool, schemas: EPCISSchemas?) {
        self.store = store
        self.spool = spool
        self.schemas = schemas
    }

    /// What was queued.
    public struct Queued: Sendable {
        public var delivery: DeliveryRow
        public var report: ComposeReport
    }

    /// Composes `shipment` as `profile` asks, checks it, and stores it as a new delivery due
    /// at once. Nothing is stored when any step refuses.
    ///
    /// - Throws: ``ComposeRejected`` (the records to fix), ``QueueRefused`` (the partner's
    ///   transport or limits), ``DeliveryExists`` (already queued), ``StoreError``.
    public func queue(_ shipment: String, for profile: PartnerProfile, now: Int64 = DeliveryOutbox.now()) async throws -> Queued {
        let options = ComposeOptions(partner: profile)
        // Refuse before composing what could never be queued.
        try DeliveryOutbox.checkTransport(profile)
        let file = spool.composePath()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let report = try await ShipmentComposer(store: store, options: options).compose(shipment: shipment, to: file, schemas: schemas)
        let row = try await DeliveryOutbox.enqueue(
            file, for: profile, shipment: shipment, documentID: report.documentID, contentType: options.contentType, queue: store, now: now)
        return Queued(delivery: row, report: report)
    }
}
