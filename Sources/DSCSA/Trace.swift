internal import GS1
internal import Outbox
internal import Records
public import Store

/// Trace requests and recall scope: for a GTIN, a lot, a serial or an SSCC, where every unit is
/// and went: commissioned when and where, packed into what, shipped in which shipment to which
/// partner and when that partner acknowledged it (with the evidence), and the statuses and
/// quarantines that touch it.
///
/// The summary is set-based (one counting query, then the few shipments it names), so a lot of
/// a million units answers in the time of one indexed scan; the unit listing streams in pages.
public struct Trace: Sendable {
    let store: any GatewayStore

    public init(store: any GatewayStore) {
        self.store = store
    }

    /// One shipment a scope's units left in, with its deliveries.
    public struct Shipment: Sendable, Codable, Hashable {
        public var id: String
        /// The ship event's time as the feed gave it.
        public var shippedAt: String
        public var toParty: String
        public var toLocation: String
        public var purchaseOrder: String
        /// The scope's units in it.
        public var units: Int
        public var deliveries: [Delivery]
    }

    /// A delivery of a shipment's document to a partner, and its acknowledgement.
    public struct Delivery: Sendable, Codable, Hashable {
        public var id: String
        public var partner: String
        public var state: String
        /// Milliseconds since 1970 (UTC).
        public var acknowledgedAt: Int64?
        /// What acknowledged it: an MDN's Message-ID, a capture job, an acknowledgement file.
        public var evidence: String?
    }

    /// The recall summary of a scope.
    public struct Summary: Sendable, Codable, Hashable {
        public var scope: String
        public var units: Int
        /// Units by phase (`commissioned`, `shipped`, `returned`, `decommissioned`, `destroyed`).
        public var phases: [String: Int]
        /// Units in our possession: commissioned or returned, not shipped since.
        public var onHand: Int
        public var shipments: [Shipment]
        /// Shipped units by the partner their document went to (the ship-to party's GLN when
        /// no delivery was queued).
        public var unitsByPartner: [String: Int]
        public var statuses: [Status]
        public var quarantines: [QuarantineRow]
    }

    /// A status record (recall, withdrawal, destruction, …) that touches the scope.
    public struct Status: Sendable, Codable, Hashable {
        public var status: String
        public var lot: String?
        public var serial: String?
        public var time: String
        public var reason: String?
        public var record: String
    }

    /// One unit of a trace.
    public struct Unit: Sendable, Codable, Hashable {
        public var unit: String
        public var gtin: String?
        public var serial: String
        public var lot: String?
        public var expiry: String?
        public var phase: String
        public var commissionedAt: String
        public var commissionSite: String?
        public var packedIn: String?
        public var shipment: String?
        public var partner: String?
        public var delivery: String?
        public var acknowledgedAt: Int64?
    }

    /// The summary of `scope`.
    public func summary(_ scope: TraceScope) async throws -> Summary {
        let counts = try await store.traceCounts(scope)
        var phases: [String: Int] = [:]
        var perShipment: [String: Int] = [:]
        var onHand = 0
        for count in counts {
            phases[count.phase.word, default: 0] += count.units
            if count.phase == .shipped, let shipment = count.shipment { perShipment[shipment, default: 0] += count.units }
            if count.phase.inPossession && (count.shipment == nil || count.phase == .returned) { onHand += count.units }
        }
        let ids = perShipment.keys.sorted()
        let deliveries = Dictionary(grouping: try await store.deliveries(shipments: ids), by: { $0.shipment ?? "" })
        var shipments: [Shipment] = []
        var byPartner: [String: Int] = [:]
        for id in ids {
            guard let stored = try await store.shipment(id) else {
                throw StoreError(.corrupt, "units name shipment \(id), which the store does not hold; restore the store from a backup")
            }
            let record = stored.record
            let sent = (deliveries[id] ?? []).map {
                Delivery(
                    id: $0.id, partner: $0.partner, state: $0.snapshot.state.rawValue, acknowledgedAt: $0.snapshot.acknowledgedAt,
                    evidence: $0.snapshot.acknowledgementReference)
            }
            let units = perShipment[id] ?? 0
            shipments.append(
                Shipment(
                    id: id, shippedAt: record.time.text, toParty: record.to.party.value, toLocation: record.to.location.value,
                    purchaseOrder: record.purchaseOrder, units: units, deliveries: sent))
            byPartner[sent.first?.partner ?? record.to.party.value, default: 0] += units
        }
        let (statuses, quarantines) = try await statusesAndQuarantines(scope)
        return Summary(
            scope: scope.description, units: counts.reduce(0) { $0 + $1.units }, phases: phases, onHand: onHand, shipments: shipments,
            unitsByPartner: byPartner, statuses: statuses, quarantines: quarantines)
    }

    private func statusesAndQuarantines(_ scope: TraceScope) async throws -> ([Status], [QuarantineRow]) {
        let gtin: String
        var lot: String?
        var serial: String?
        switch scope {
        case .gtin(let value): gtin = value
        case .lot(let value, let lotValue): (gtin, lot) = (value, lotValue)
        case .serial(let value, let serialValue): (gtin, serial) = (value, serialValue)
        case .sscc: return ([], try await store.quarantines(includeClosed: true).filter { $0.gtin.isEmpty })
        }
        // A status or quarantine of the whole GTIN, of this lot, or of this serial touches the scope.
        func touches(_ otherLot: String?, _ otherSerial: String?) -> Bool {
            if let otherSerial, let serial { return otherSerial == serial }
            if otherSerial != nil { return serial == nil }
            if let otherLot, let lot { return otherLot == lot }
            return true
        }
        let statuses = try await store.statuses(gtin: gtin).filter { touches($0.lot, $0.serial) }.map {
            Status(status: $0.status.rawValue, lot: $0.lot, serial: $0.serial, time: $0.time.text, reason: $0.reason, record: $0.recordID)
        }
        let quarantines = try await store.quarantines(includeClosed: true).filter { $0.gtin == gtin && touches($0.lot, $0.serial) }
        return (statuses, quarantines)
    }

    /// Every unit of `scope`, in (GTIN, serial) order, handed to `body` a page at a time.
    public func units(_ scope: TraceScope, pageSize: Int = 5_000, _ body: ([Unit]) throws -> Void) async throws {
        var cursor: UnitKey?
        var deliveries: [String: DeliveryRow?] = [:]
        // Bounded: every page moves the cursor forward along the index, and an empty page ends it.
        while true {
            let page = try await store.traceUnits(scope, after: cursor, limit: pageSize)
            guard let last = page.last else { return }
            cursor = last.key
            let sites = try await store.eventHeaders(Array(Set(page.map(\.commissionRecord))))
            for shipment in Set(page.compactMap(\.shipment)) where deliveries[shipment] == nil {
                deliveries[shipment] = try await store.deliveries(shipments: [shipment]).first
            }
            try body(
                page.map { row in
                    let delivery = row.phase == .shipped ? row.shipment.flatMap { deliveries[$0] ?? nil } : nil
                    return Unit(
                        unit: row.key.description, gtin: row.key.gtin, serial: row.key.serialColumn, lot: row.lot, expiry: row.expiry,
                        phase: row.phase.word, commissionedAt: row.commissionUTC, commissionSite: sites[row.commissionRecord]?.site,
                        packedIn: row.parent?.description, shipment: row.shipment, partner: delivery?.partner, delivery: delivery?.id,
                        acknowledgedAt: delivery?.snapshot.acknowledgedAt)
                })
            if page.count < pageSize { return }
        }
    }
}
