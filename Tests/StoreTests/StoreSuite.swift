import Foundation
import GS1
import Records
import Store
import StoreTestSupport
import Testing

/// The behaviour both engines must share: the same verdicts, the same state.
@Suite("Store engines")
struct StoreSuite {
    static let product =
        #"{"id":"p1","kind":"product","gtin":"00300010123455","ndc":"0001-0123-45","name":"Epcistra","dosageForm":"PILL","strength":"100mg","containerSize":"500 pills","manufacturer":"GS1 Pharma LLC","companyPrefixLength":6}"#
    static let caseProduct =
        #"{"id":"p2","kind":"product","gtin":"10300010123452","ndc":"0001-0123-45","name":"Epcistra","dosageForm":"PILL","strength":"100mg","containerSize":"500 pills","manufacturer":"GS1 Pharma LLC","companyPrefixLength":6}"#
    static func commission(_ id: String, _ serials: [String], gtin: String = "00300010123455", time: String = "2026-01-05T08:00:00-05:00") -> String {
        #"{"id":"\#(id)","kind":"commission","time":"\#(time)","site":"0300011111116","gtin":"\#(gtin)","lot":"L1","expiry":"2028-01-31","serials":[\#(serials.map { "\"\($0)\"" }.joined(separator: ","))]}"#
    }
    static func aggregate(_ id: String, parent: String, _ children: [String], time: String = "2026-01-05T09:00:00-05:00") -> String {
        #"{"id":"\#(id)","kind":"aggregate","time":"\#(time)","site":"0300011111116","parent":{"gtin":"10300010123452","serial":"\#(parent)"},"children":[{"gtin":"00300010123455","serials":[\#(children.map { "\"\($0)\"" }.joined(separator: ","))]}]}"#
    }
    static func ship(_ id: String, shipment: String, items: String, time: String = "2026-01-06T08:00:00-05:00") -> String {
        #"{"id":"\#(id)","kind":"ship","time":"\#(time)","shipment":"\#(shipment)","from":{"party":"0300011111116","location":"0300011111215"},"to":{"party":"0399999999991","location":"0399993456780"},"purchaseOrder":"PO1","items":[\#(items)]}"#
    }
    static func item(_ serial: String, gtin: String = "00300010123455") -> String { #"{"gtin":"\#(gtin)","serial":"\#(serial)"}"# }

    @Test("commissioned serials are found by (GTIN, serial) with their lot, expiry and phase", arguments: Engine.allCases)
    func lookup(engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        let report = try await ingest(store, [Self.product, Self.commission("c1", ["0001", "A-7"])])
        #expect(report.commissioned == 2 && report.applied == 2)
        let row = try #require(try await store.unit(.sgtin(gtin: "00300010123455", serial: "0001")))
        #expect(row.phase == .commissioned && row.lot == "L1" && row.expiry == "2028-01-31" && row.commissionRecord == "c1")
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "1")) == nil, "leading zeros are significant")
        #expect(try await store.product(gtin: "00300010123455")?.ndc.hyphenated == "0001-0123-45")
        try await store.close()
    }

    @Test("re-ingesting the same batch is harmless; a reused id with new content is refused", arguments: Engine.allCases)
    func idempotent(engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        let batch = [Self.product, Self.commission("c1", ["1", "2", "3"])]
        _ = try await ingest(store, batch)
        let before = try await store.counts()
        let again = try await ingest(store, batch)
        #expect(again.applied == 0 && again.alreadyApplied == 2 && again.commissioned == 0)
        #expect(try await store.counts() == before)
        let issues = try await rejection(store, [Self.commission("c1", ["1", "2", "4"])])
        #expect(issues.map(\.code) == [.conflictingRecord] && issues.first?.field == "id")
        try await store.close()
    }

    @Test("illegal transitions are refused with the record, the field and the reason", arguments: Engine.allCases)
    func transitions(engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        _ = try await ingest(
            store,
            [
                Self.product, Self.caseProduct, Self.commission("c1", ["1", "2", "3", "4"]),
                Self.commission("c2", ["C1", "C2"], gtin: "10300010123452"),
                Self.aggregate("a1", parent: "C1", ["1", "2"]),
            ])
        // Commission twice (against the store, and twice within one batch).
        var issues = try await rejection(store, [Self.commission("c3", ["2", "9", "9"])])
        #expect(issues.map(\.code) == [.duplicateSerial, .duplicateSerial])
        #expect(issues.map(\.field) == ["serials[0]", "serials[2]"])
        #expect(issues[0].reason.contains("already commissioned by record c1"))
        // Pack an item already in another case.
        issues = try await rejection(store, [Self.aggregate("a2", parent: "C2", ["3", "1"])])
        #expect(issues.count == 1 && issues[0].code == .illegalTransition && issues[0].field == "children[1]")
        #expect(issues[0].reason.contains("already packed in (01)10300010123452(21)C1"))
        // Ship an uncommissioned item, and an item inside a case.
        issues = try await rejection(store, [Self.ship("s1", shipment: "S1", items: Self.item("77") + "," + Self.item("1"))])
        #expect(issues.map(\.code) == [.illegalTransition, .illegalTransition])
        #expect(issues[0].reason.contains("never commissioned") && issues[1].hint.contains("outermost container"))
        // A cycle: a case into an item it holds is refused (case into itself too).
        issues = try await rejection(
            store,
            [
                #"{"id":"a3","kind":"aggregate","time":"2026-01-05T10:00:00-05:00","site":"0300011111116","parent":{"gtin":"00300010123455","serial":"1"},"children":[{"gtin":"10300010123452","serial":"C1"}]}"#
            ])
        #expect(issues.map(\.code) == [.aggregationCycle])
        // Destroy, then ship the destroyed item.
        _ = try await ingest(
            store, [#"{"id":"d1","kind":"destroy","time":"2026-01-05T11:00:00-05:00","site":"0300011111116","items":[\#(Self.item("4"))]}"#])
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "4"))?.phase == .destroyed)
        issues = try await rejection(store, [Self.ship("s2", shipment: "S2", items: Self.item("4"))])
        #expect(issues.count == 1 && issues[0].reason.contains("destroyed and cannot be shipped"))
        // Packing before commissioning is out of order.
        issues = try await rejection(store, [Self.aggregate("a4", parent: "C2", ["3"], time: "2026-01-04T09:00:00-05:00")])
        #expect(issues.map(\.code) == [.illegalTransition] && issues[0].field == "time")
        try await store.close()
    }

    @Test("a batch with one bad record stores nothing of its good records", arguments: Engine.allCases)
    func atomic(engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        let issues = try await rejection(store, [Self.product, Self.commission("c1", ["1"]), Self.ship("s1", shipment: "S1", items: Self.item("2"))])
        #expect(issues.count == 1 && issues[0].line == 3)
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "1")) == nil)
        #expect(try await store.product(gtin: "00300010123455") == nil)
        try await store.close()
    }

    @Test("shipping moves the whole hierarchy; returns come back; statuses are kept", arguments: Engine.allCases)
    func shipAndReturn(engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        let report = try await store.ingest(try Fixtures.r13, batch: "r13")
        #expect(report.commissioned == 16 && report.shipments == ["SHIP-1"])
        let counts = try await store.counts()
        #expect(counts.unitsByPhase == [UnitPhase.shipped.rawValue: 16] && counts.packed == 15)
        let shipment = try #require(try await store.shipment("SHIP-1"))
        #expect(shipment.unitCount == 16 && shipment.record.items == [.sscc("403000112345678901")])
        _ = try await ingest(
            store,
            [
                #"{"id":"r1","kind":"receive","time":"2023-05-01T09:00:00-05:00","site":"0300011111116","returnAuthorization":"RMA-9","items":[{"gtin":"10300010123452","serial":"110"}]}"#,
                #"{"id":"st1","kind":"status","time":"2023-05-02T09:00:00-05:00","status":"suspect","items":[{"gtin":"00300010123455","serial":"11"}],"reason":"damaged seal"}"#,
                #"{"id":"st2","kind":"status","time":"2023-05-03T09:00:00-05:00","status":"expiry-extension","gtin":"00300010123455","lot":"A123","newExpiry":"2025-09-30"}"#,
            ])
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "11"))?.phase == .returned, "the case's contents came back with it")
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "15"))?.phase == .shipped)
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "19"))?.expiry == "2025-09-30")
        let statuses = try await store.statuses(gtin: "00300010123455")
        #expect(statuses.map(\.status) == [.suspect, .expiryExtended] && statuses[0].serial == "11" && statuses[1].lot == "A123")
        try await store.close()
    }
}
