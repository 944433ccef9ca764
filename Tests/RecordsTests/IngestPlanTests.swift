import Records
import Testing

/// The sans-I/O ingest plan, driven by hand: each question it asks, and its decision from the
/// answers, with no store at all.
@Suite struct IngestPlanTests {
    static let gtin = "00300010123455"
    static let caseGTIN = "10300010123452"
    static let product =
        #"{"id":"p1","kind":"product","gtin":"00300010123455","ndc":"0001-0123-45","name":"Epcistra","dosageForm":"PILL","strength":"100mg","containerSize":"500 pills","manufacturer":"GS1 Pharma LLC","companyPrefixLength":6}"#
    static func commission(_ id: String, _ serials: [String]) -> String {
        #"{"id":"\#(id)","kind":"commission","time":"2026-01-05T08:00:00-05:00","site":"0300011111116","gtin":"00300010123455","lot":"L1","expiry":"2028-01-31","serials":[\#(serials.map { "\"\($0)\"" }.joined(separator: ","))]}"#
    }
    static func aggregate(_ id: String, parent: String, _ children: [String]) -> String {
        #"{"id":"\#(id)","kind":"aggregate","time":"2026-01-05T09:00:00-05:00","site":"0300011111116","parent":{"gtin":"10300010123452","serial":"\#(parent)"},"children":[{"gtin":"00300010123455","serials":[\#(children.map { "\"\($0)\"" }.joined(separator: ","))]}]}"#
    }
    static func ship(_ id: String, items: [(String, String)]) -> String {
        let list = items.map { #"{"gtin":"\#($0.0)","serial":"\#($0.1)"}"# }.joined(separator: ",")
        return
            #"{"id":"\#(id)","kind":"ship","time":"2026-01-06T08:00:00-05:00","shipment":"SHIP-1","from":{"party":"0300011111116","location":"0300011111215"},"to":{"party":"0399999999991","location":"0399993456780"},"purchaseOrder":"PO1","items":[\#(list)]}"#
    }

    /// What a store would hold, answering the plan's questions.
    struct Memory {
        var digests: [String: String] = [:]
        var products: Set<String> = []
        var shipments: Set<String> = []
        var units: [UnitKey: UnitRow] = [:]

        func answer(_ need: IngestPlan.Need) -> IngestPlan.Answer? {
            switch need {
            case .records(let ids): .records(digests.filter { ids.contains($0.key) })
            case .products(let gtins): .products(products.intersection(gtins))
            case .shipments(let ids): .shipments(shipments.intersection(ids))
            case .units(let keys): .units(keys.compactMap { units[$0] })
            case .children(let parents): .units(units.values.filter { $0.parent.map(parents.contains) ?? false }.sorted { $0.key < $1.key })
            case .done: nil
            }
        }

        static func unit(_ key: UnitKey, parent: UnitKey? = nil, phase: UnitPhase = .commissioned) -> UnitRow {
            UnitRow(
                key: key, phase: phase, lot: "L1", expiry: "2028-01-31", parent: parent, shipment: nil, commissionRecord: "c0",
                commissionUTC: "2026-01-05T13:00:00.000Z", packRecord: parent == nil ? nil : "a0",
                packUTC: parent == nil ? nil : "2026-01-05T14:00:00.000Z",
                lastRecord: "c0")
        }
    }

    /// Runs the plan to its decision; the questions asked, in order, by kind.
    static func run(_ lines: [String], _ memory: Memory) throws -> (asked: [String], result: Result<ChangeSet, BatchRejected>) {
        var plan = IngestPlan(records: try RecordFeed.parse(Array(lines.joined(separator: "\n").utf8)))
        var asked: [String] = []
        for _ in 0..<100 {
            let need = plan.next()
            if case .done(let result) = need { return (asked, result) }
            let question: String =
                switch need {
                case .records: "records"
                case .products: "products"
                case .shipments: "shipments"
                case .units(let keys): "units \(keys.count)"
                case .children(let keys): "children \(keys.count)"
                case .done: "done"
                }
            asked.append(question)
            plan.provide(memory.answer(need)!)
        }
        Issue.record("the plan did not decide within 100 questions")
        return (asked, .failure(BatchRejected(issues: [])))
    }

    @Test func aNewProductAndItsCommissioningAreDecidedFromFourQuestions() throws {
        let (asked, result) = try Self.run([Self.product, Self.commission("c1", ["1", "2"])], Memory())
        #expect(asked == ["records", "products", "shipments", "units 0"])
        let changes = try result.get()
        #expect(changes.records.map(\.id) == ["p1", "c1"] && changes.commissionedCount == 2 && changes.products.count == 1)
    }

    @Test func aRecordAlreadyStoredIsSkippedAndAReusedIdIsAConflict() throws {
        let first = try Self.run([Self.product], Memory())
        let digest = try #require(try first.result.get().records.first?.digest)
        let again = try Self.run([Self.product], Memory(digests: ["p1": digest]))
        #expect(try again.result.get().alreadyApplied == ["p1"] && (try again.result.get().records.isEmpty))
        let reused = try Self.run([Self.product], Memory(digests: ["p1": "something else"]))
        guard case .failure(let rejected) = reused.result else {
            Issue.record("a reused id with new content was accepted")
            return
        }
        #expect(rejected.issues.map(\.code) == [.conflictingRecord])
    }

    @Test func commissioningWithoutProductMasterDataIsRefused() throws {
        let (_, result) = try Self.run([Self.commission("c1", ["1"])], Memory())
        guard case .failure(let rejected) = result else {
            Issue.record("commissioned without master data")
            return
        }
        #expect(rejected.issues.map(\.code) == [.unknownMasterData])
    }

    @Test func packingLooksUpTheUnitsAndTheirAncestors() throws {
        var memory = Memory(products: [Self.gtin])
        let item = UnitKey.sgtin(gtin: Self.gtin, serial: "1")
        let box = UnitKey.sgtin(gtin: Self.caseGTIN, serial: "C1")
        memory.units[item] = Memory.unit(item)
        memory.units[box] = Memory.unit(box)
        let (asked, result) = try Self.run([Self.aggregate("a1", parent: "C1", ["1"])], memory)
        // The two units; neither has a container, so no ancestors are followed, and packing
        // needs no walk down.
        #expect(asked == ["records", "products", "shipments", "units 2"])
        let changes = try result.get()
        #expect(changes.updates.first { $0.key == item }?.parent == box)
    }

    @Test func packingAContainerIntoItsOwnChildIsACycle() throws {
        var memory = Memory(products: [Self.gtin])
        let item = UnitKey.sgtin(gtin: Self.gtin, serial: "1")
        let box = UnitKey.sgtin(gtin: Self.caseGTIN, serial: "C1")
        // The case already sits inside the item (bad data upstream); packing the item into the
        // case would close the loop.
        memory.units[box] = Memory.unit(box, parent: item)
        memory.units[item] = Memory.unit(item)
        let (_, result) = try Self.run([Self.aggregate("a1", parent: "C1", ["1"])], memory)
        guard case .failure(let rejected) = result else {
            Issue.record("a cycle was accepted")
            return
        }
        #expect(rejected.issues.map(\.code) == [.aggregationCycle])
    }

    @Test func shippingAContainerWalksDownToEveryUnitInside() throws {
        var memory = Memory(products: [Self.gtin])
        let box = UnitKey.sgtin(gtin: Self.caseGTIN, serial: "C1")
        let items = ["1", "2"].map { UnitKey.sgtin(gtin: Self.gtin, serial: $0) }
        memory.units[box] = Memory.unit(box)
        for item in items { memory.units[item] = Memory.unit(item, parent: box) }
        let (asked, result) = try Self.run([Self.ship("s1", items: [(Self.caseGTIN, "C1")])], memory)
        #expect(asked == ["records", "products", "shipments", "units 1", "children 1", "children 2"])
        let changes = try result.get()
        #expect(Set(changes.updates.map(\.key)) == Set(items + [box]))
        #expect(changes.updates.allSatisfy { $0.phase == .shipped && $0.shipment == "SHIP-1" })
        #expect(changes.shipments.first?.unitCount == 3)
    }

    @Test func shippingAUnitThatAlreadyLeftIsRefused() throws {
        var memory = Memory(products: [Self.gtin])
        let item = UnitKey.sgtin(gtin: Self.gtin, serial: "1")
        memory.units[item] = Memory.unit(item, phase: .shipped)
        let (_, result) = try Self.run([Self.ship("s1", items: [(Self.gtin, "1")])], memory)
        guard case .failure(let rejected) = result else {
            Issue.record("a shipped unit was shipped again")
            return
        }
        #expect(rejected.issues.map(\.code) == [.illegalTransition])
    }
}
