import DSCSA
import Foundation
import Store
import StoreTestSupport
import Testing

/// Reconciliation on both engines: lot B7 of ``TraceTests`` against ERP files that agree and
/// that do not, and ERP files that cannot be read.
@Suite struct ReconciliationTests {
    static func erp(_ lines: [String]) throws -> [Reconciliation.Expectation] {
        try ERPCountFile.parse(Array((["gtin,lot,shipment,quantity"] + lines).joined(separator: "\n").utf8))
    }

    @Test(arguments: Engine.allCases)
    func countsAgreeOrEveryDifferenceNamesItsSerials(_ engine: Engine) async throws {
        guard let store = try await TraceTests.store(engine) else { return }
        defer { Task { try? await store.close() } }
        let item = TraceTests.item
        let agreeing = try await Reconciliation(store: store).run(
            expectations: try Self.erp(["\(item),B7,,6", "\(item),B7,SHIP-A,2", "\(item),B7,SHIP-B,2"]))
        #expect(agreeing.differences.isEmpty, "\(agreeing.differences)")
        let lot = try #require(agreeing.lots.first)
        let counted: [Int] = [lot.commissioned, lot.packed, lot.shipped, lot.returned, lot.destroyed, lot.decommissioned, lot.onHand]
        #expect(counted == [6, 0, 4, 0, 1, 0, 1], "\(lot)")
        #expect(lot.shipments == ["SHIP-A": 2, "SHIP-B": 2])
        // The ERP says SHIP-A carried three and made seven, and does not know SHIP-B.
        let report = try await Reconciliation(store: store).run(expectations: try Self.erp(["\(item),B7,,7", "\(item),B7,SHIP-A,3"]))
        #expect(report.differences.count == 3, "\(report.differences)")
        let made = try #require(report.differences.first { $0.shipment == nil })
        #expect(made.expected == 7 && made.found == 6 && made.serials == ["B-1", "B-2", "B-3", "B-4", "B-5", "B-6"])
        let fewer = try #require(report.differences.first { $0.shipment == "SHIP-A" })
        #expect(fewer.expected == 3 && fewer.found == 2 && fewer.serials == ["B-1", "B-2"] && fewer.explanation.contains("line 3"))
        let unlisted = try #require(report.differences.first { $0.shipment == "SHIP-B" })
        #expect(unlisted.expected == nil && unlisted.found == 2 && unlisted.serials == ["B-3", "B-4"])
        // A pallet's lot: packed units count as packed, and a lot that is not there has zeros.
        let a123 = try await Reconciliation(store: store).counts(gtin: item, lot: "A123")
        #expect(a123.commissioned == 12 && a123.packed == 12 && a123.shipped == 12 && a123.shipments == ["SHIP-1": 12])
        let none = try await Reconciliation(store: store).run(expectations: try Self.erp(["\(item),NOPE,,5"]))
        #expect(none.differences.map(\.found) == [0] && none.differences.first?.serials.isEmpty == true)
    }

    @Test func anERPFileThatCannotBeReadSaysWhereAndWhy() {
        func refusal(_ text: String) -> ERPCountError? {
            #expect(throws: ERPCountError.self) { try ERPCountFile.parse(Array(text.utf8)) }
        }
        #expect(refusal("")?.code == .empty)
        #expect(refusal("gtin;lot;shipment;quantity\n")?.code == .header)
        let badGTIN = refusal("gtin,lot,shipment,quantity\n00300010123456,B7,,6\n")
        #expect(badGTIN?.line == 2 && badGTIN?.description.contains("check digit") == true, "\(String(describing: badGTIN))")
        #expect(refusal("gtin,lot,shipment,quantity\n00300010123455,B7,,-1\n")?.line == 2)
        #expect(refusal("gtin,lot,shipment,quantity\n00300010123455,,,1\n")?.description.contains("no lot") == true)
        #expect(refusal("gtin,lot,shipment,quantity\n00300010123455,B7,,6,extra\n")?.description.contains("5 fields") == true)
        let repeated = refusal("gtin,lot,shipment,quantity\n00300010123455,B7,S,1\n00300010123455,B7,S,2\n")
        #expect(repeated?.line == 3 && repeated?.description.contains("line 2") == true)
        #expect((try? ERPCountFile.parse(Array("gtin,lot,shipment,quantity\r\n00300010123455,B7,,6\r\n".utf8)))?.count == 1, "CRLF files read")
    }
}
