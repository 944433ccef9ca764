import DSCSA
import Foundation
import Outbox
import Records
import Store
import StoreTestSupport
import TestSupport
import Testing

/// Trace and recall scope on both engines: a lot split over two shipments to two partners, one
/// acknowledged with its evidence, a destroyed unit, a unit on hand and a recall of the lot.
@Suite struct TraceTests {
    static let item = "00300010123455"

    /// Lot B7: six packs; B-1 and B-2 ship to the distributor, B-3 and B-4 to a clinic, B-5 is
    /// destroyed, B-6 stays on hand; the lot is then recalled.
    static func lot() throws -> [FeedRecord] {
        let lines = [
            #"{"id": "l-clinic", "kind": "location", "gln": "0399991111117", "companyPrefixLength": 6, "name": "Clinic", "address": {"street1": "1 Main St", "city": "Boston", "state": "MA", "postalCode": "02110", "country": "US"}}"#,
            #"{"id": "l-clinic-dock", "kind": "location", "gln": "0399991111124", "companyPrefixLength": 6, "name": "Clinic dock", "address": {"street1": "1 Main St", "city": "Boston", "state": "MA", "postalCode": "02110", "country": "US"}}"#,
            #"{"id": "c-b7", "kind": "commission", "time": "2023-05-01T08:00:00-05:00", "site": "0300011111116", "gtin": "\#(item)", "lot": "B7", "expiry": "2026-05-31", "serials": ["B-1", "B-2", "B-3", "B-4", "B-5", "B-6"]}"#,
            #"{"id": "s-a", "kind": "ship", "time": "2023-05-02T09:00:00-05:00", "shipment": "SHIP-A", "from": {"party": "0300011111116", "location": "0300011111215"}, "to": {"party": "0399999999991", "location": "0399993456780"}, "purchaseOrder": "PO-A", "dropShipment": false, "items": [{"gtin": "\#(item)", "serial": "B-1"}, {"gtin": "\#(item)", "serial": "B-2"}]}"#,
            #"{"id": "s-b", "kind": "ship", "time": "2023-05-03T09:00:00-05:00", "shipment": "SHIP-B", "from": {"party": "0300011111116", "location": "0300011111215"}, "to": {"party": "0399991111117", "location": "0399991111124"}, "purchaseOrder": "PO-B", "dropShipment": false, "items": [{"gtin": "\#(item)", "serial": "B-3"}, {"gtin": "\#(item)", "serial": "B-4"}]}"#,
            #"{"id": "d-b5", "kind": "destroy", "time": "2023-05-04T09:00:00-05:00", "site": "0300011111116", "reason": "damaged in the warehouse", "items": [{"gtin": "\#(item)", "serial": "B-5"}]}"#,
            #"{"id": "st-recall", "kind": "status", "time": "2023-06-01T09:00:00-05:00", "status": "recall", "reason": "out of specification", "gtin": "\#(item)", "lot": "B7"}"#,
        ]
        return try RecordFeed.parse(Array(lines.joined(separator: "\n").utf8), format: .jsonLines)
    }

    static func store(_ engine: Engine) async throws -> (any GatewayStore)? {
        guard let store = try await engine.makeStore() else { return nil }
        _ = try await store.ingest(try Fixtures.r13, batch: "r13")
        _ = try await store.ingest(try Self.lot(), batch: "b7")
        let payload = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString).xml").path
        try Data("<doc/>".utf8).write(to: URL(fileURLWithPath: payload))
        defer { try? FileManager.default.removeItem(atPath: payload) }
        let sent = try await store.enqueue(
            NewDelivery(
                id: "d-ship-a", partner: "acme-wholesale", shipment: "SHIP-A", transport: "as2", documentID: "urn:uuid:a",
                contentType: "application/xml",
                payload: payload), at: 1_000)
        var acknowledged = sent.snapshot
        acknowledged.state = .acknowledged
        acknowledged.acknowledgedAt = 5_000
        acknowledged.acknowledgementReference = "mdn-1@acme"
        let updated = try await store.update(sent.id, version: sent.version, to: acknowledged, attempt: nil, action: nil, now: 5_000)
        #expect(updated, "the acknowledgement is recorded on the delivery as queued")
        _ = try await store.enqueue(
            NewDelivery(
                id: "d-ship-b", partner: "clinic", shipment: "SHIP-B", transport: "https", documentID: "urn:uuid:b", contentType: "application/xml",
                payload: payload), at: 2_000)
        return store
    }

    @Test(arguments: Engine.allCases)
    func aLotSplitOverShipmentsAndPartnersGivesItsRecallScope(_ engine: Engine) async throws {
        guard let store = try await Self.store(engine) else { return }
        defer { Task { try? await store.close() } }
        let summary = try await Trace(store: store).summary(.lot(gtin: Self.item, lot: "B7"))
        #expect(summary.units == 6 && summary.onHand == 1, "\(summary)")
        #expect(summary.phases == ["shipped": 4, "destroyed": 1, "commissioned": 1], "\(summary.phases)")
        #expect(summary.shipments.map(\.id) == ["SHIP-A", "SHIP-B"] && summary.shipments.map(\.units) == [2, 2])
        let first = try #require(summary.shipments.first)
        #expect(first.toParty == "0399999999991" && first.purchaseOrder == "PO-A" && first.shippedAt == "2023-05-02T09:00:00-05:00")
        #expect(first.deliveries.map(\.state) == ["acknowledged"] && first.deliveries.first?.evidence == "mdn-1@acme")
        #expect(first.deliveries.first?.acknowledgedAt == 5_000)
        #expect(summary.shipments.last?.deliveries.map(\.state) == ["queued"])
        #expect(summary.unitsByPartner == ["acme-wholesale": 2, "clinic": 2])
        #expect(summary.statuses.map(\.status) == ["recall"] && summary.statuses.first?.lot == "B7")
        // Another lot of the same GTIN is not in this one's scope.
        let other = try await Trace(store: store).summary(.lot(gtin: Self.item, lot: "A123"))
        #expect(other.units == 12 && other.shipments.map(\.id) == ["SHIP-1"] && other.statuses.isEmpty, "\(other)")
    }

    @Test(arguments: Engine.allCases)
    func everyUnitSaysWhereItWasMadePackedAndSent(_ engine: Engine) async throws {
        guard let store = try await Self.store(engine) else { return }
        defer { Task { try? await store.close() } }
        var units: [Trace.Unit] = []
        // A page of two, so the listing crosses pages.
        try await Trace(store: store).units(.lot(gtin: Self.item, lot: "B7"), pageSize: 2) { units += $0 }
        #expect(units.map(\.serial) == ["B-1", "B-2", "B-3", "B-4", "B-5", "B-6"])
        #expect(units.map(\.phase) == ["shipped", "shipped", "shipped", "shipped", "destroyed", "commissioned"])
        #expect(units[0].partner == "acme-wholesale" && units[0].delivery == "d-ship-a" && units[0].acknowledgedAt == 5_000)
        #expect(units[2].partner == "clinic" && units[2].acknowledgedAt == nil && units[5].shipment == nil && units[5].partner == nil)
        #expect(
            units.allSatisfy { $0.commissionSite == "0300011111116" && $0.commissionedAt == "2023-05-01T13:00:00.000Z" && $0.expiry == "2026-05-31" })
        // One serial, and an SSCC with everything packed in it.
        var one: [Trace.Unit] = []
        try await Trace(store: store).units(.serial(gtin: Self.item, serial: "13")) { one += $0 }
        #expect(one.map(\.packedIn) == ["(01)10300010123452(21)110"] && one.first?.shipment == "SHIP-1")
        var pallet: [Trace.Unit] = []
        try await Trace(store: store).units(.sscc("403000112345678901")) { pallet += $0 }
        #expect(pallet.count == 16 && pallet.filter { $0.gtin == Self.item }.count == 12, "\(pallet.map(\.unit))")
        let summary = try await Trace(store: store).summary(.sscc("403000112345678901"))
        #expect(summary.units == 16 && summary.shipments.map(\.id) == ["SHIP-1"])
        let nothing = try await Trace(store: store).summary(.lot(gtin: Self.item, lot: "NO-SUCH-LOT"))
        #expect(nothing.units == 0 && nothing.shipments.isEmpty && nothing.onHand == 0)
    }
}
