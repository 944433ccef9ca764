// Store benchmarks: ingest N serials, then compose the shipment holding them, on one engine.
//
//   swift run -c release StoreBenchmarks ingest  STORE N   (STORE: a SQLite path or postgres://…)
//   swift run -c release StoreBenchmarks compose STORE OUT
//   swift run -c release StoreBenchmarks trace   STORE -   (the recall scope of the N-unit lot, then its unit listing)
//
// Run the two steps as separate processes so that compose's peak RSS is its own;
// Benchmarks/store-benchmarks.sh runs both engines side by side.
import DSCSA
import EPCIS
import Foundation
import Records
import Store

func now() -> Double { Date().timeIntervalSince1970 }

func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
}

/// The feed: one product per packaging level, locations, then per pallet: items in cases of
/// 100, 100 cases per pallet, and a ship record for all pallets at the end.
func feed(serials: Int) -> (masterAndItems: [UInt8], hierarchy: [UInt8]) {
    let itemGTIN = "00300010123455", caseGTIN = "10300010123452"
    var master = """
        {"id":"p-item","kind":"product","gtin":"\(itemGTIN)","ndc":"0001-0123-45","name":"Epcistra","dosageForm":"PILL","strength":"100mg","containerSize":"500 pills","manufacturer":"GS1 Pharma LLC","companyPrefixLength":6}
        {"id":"p-case","kind":"product","gtin":"\(caseGTIN)","ndc":"0001-0123-45","name":"Epcistra","dosageForm":"PILL","strength":"100mg","containerSize":"500 pills","manufacturer":"GS1 Pharma LLC","companyPrefixLength":6}

        """
    for (id, gln) in [("l1", "0300011111116"), ("l2", "0300011111215"), ("l3", "0399999999991"), ("l4", "0399993456780")] {
        master +=
            #"{"id":"\#(id)","kind":"location","gln":"\#(gln)","companyPrefixLength":6,"name":"Site \#(id)","address":{"street1":"1 Main St","city":"Town","state":"CA","postalCode":"90000","country":"US"}}"#
            + "\n"
    }
    let perCase = 100, casesPerPallet = 100
    let cases = (serials + perCase - 1) / perCase
    for block in stride(from: 0, to: serials, by: 1000) {
        let list = (block..<min(block + 1000, serials)).map { "\"I\($0)\"" }.joined(separator: ",")
        master +=
            #"{"id":"ci-\#(block)","kind":"commission","time":"2026-01-05T08:00:00-05:00","site":"0300011111116","gtin":"\#(itemGTIN)","lot":"L1","expiry":"2028-01-31","serials":[\#(list)]}"#
            + "\n"
    }
    var hierarchy = ""
    let caseList = (0..<cases).map { "\"C\($0)\"" }.joined(separator: ",")
    hierarchy +=
        #"{"id":"cc","kind":"commission","time":"2026-01-05T08:30:00-05:00","site":"0300011111116","gtin":"\#(caseGTIN)","lot":"L1","expiry":"2028-01-31","serials":[\#(caseList)]}"#
        + "\n"
    let pallets = (cases + casesPerPallet - 1) / casesPerPallet
    func sscc(_ n: Int) -> String {
        let body = "0030001" + String(format: "%010d", n)
        let digits = body.compactMap { $0.wholeNumberValue }
        let sum = digits.reversed().enumerated().reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 3 : 1) }
        return body + String((10 - sum % 10) % 10)
    }
    hierarchy +=
        #"{"id":"cp","kind":"commission","time":"2026-01-05T08:31:00-05:00","site":"0300011111116","ssccs":[\#((0..<pallets).map { "\"\(sscc($0))\"" }.joined(separator: ","))]}"#
        + "\n"
    for c in 0..<cases {
        let children = (c * perCase..<min((c + 1) * perCase, serials)).map { "\"I\($0)\"" }.joined(separator: ",")
        hierarchy +=
            #"{"id":"ac-\#(c)","kind":"aggregate","time":"2026-01-05T09:00:00-05:00","site":"0300011111116","parent":{"gtin":"\#(caseGTIN)","serial":"C\#(c)"},"children":[{"gtin":"\#(itemGTIN)","serials":[\#(children)]}]}"#
            + "\n"
    }
    for p in 0..<pallets {
        let children = (p * casesPerPallet..<min((p + 1) * casesPerPallet, cases)).map { "\"C\($0)\"" }.joined(separator: ",")
        hierarchy +=
            #"{"id":"ap-\#(p)","kind":"aggregate","time":"2026-01-05T10:00:00-05:00","site":"0300011111215","parent":{"sscc":"\#(sscc(p))"},"children":[{"gtin":"\#(caseGTIN)","serials":[\#(children)]}]}"#
            + "\n"
    }
    hierarchy +=
        #"{"id":"s1","kind":"ship","time":"2026-01-06T08:00:00-05:00","shipment":"BENCH-1","from":{"party":"0300011111116","location":"0300011111215"},"to":{"party":"0399999999991","location":"0399993456780"},"purchaseOrder":"PO-1","despatchAdvice":"D-1","items":[\#((0..<pallets).map { #"{"sscc":"\#(sscc($0))"}"# }.joined(separator: ","))]}"#
        + "\n"
    return (Array(master.utf8), Array(hierarchy.utf8))
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    print("usage: StoreBenchmarks ingest STORE N | compose STORE OUT | trace STORE -")
    exit(2)
}
let store = try await StoreLocation.open(arguments[2])
switch arguments[1] {
case "ingest":
    let serials = Int(arguments[3]) ?? 1_000_000
    let (items, hierarchy) = feed(serials: serials)
    var start = now()
    let records = try RecordFeed.parse(items)
    let parsed = now() - start
    let report = try await store.ingest(records, batch: "bench-items")
    let itemsTime = now() - start
    print(
        String(
            format: "ingest commission: %d serials in %.2f s (parse %.2f s) = %.0f serials/s", report.commissioned, itemsTime, parsed,
            Double(report.commissioned) / itemsTime))
    start = now()
    let second = try await store.ingest(try RecordFeed.parse(hierarchy), batch: "bench-hierarchy")
    let hierarchyTime = now() - start
    print(
        String(
            format: "ingest cases, pallets, packing and shipping: %d records, %d units changed in %.2f s = %.0f units/s", second.applied,
            second.unitsChanged, hierarchyTime, Double(second.unitsChanged) / hierarchyTime))
case "compose":
    let start = now()
    let report = try await ShipmentComposer(store: store).compose(shipment: "BENCH-1", to: arguments[3], schemas: nil)
    let seconds = now() - start
    print(
        String(
            format: "compose (1.2 XML, no schema pass): %d units, %d events, %.1f MB in %.2f s = %.0f serials/s, peak RSS %.1f MB", report.serials,
            report.events, Double(report.bytes) / 1e6, seconds, Double(report.serials) / seconds, peakRSSMegabytes()))
case "trace":
    let scope = TraceScope.lot(gtin: "00300010123455", lot: "L1")
    var start = now()
    let summary = try await Trace(store: store).summary(scope)
    let summaryTime = now() - start
    print(
        String(
            format: "trace summary of a %d-unit lot: %.2f s (%d shipment(s), %d on hand)", summary.units, summaryTime, summary.shipments.count,
            summary.onHand))
    start = now()
    var listed = 0
    try await Trace(store: store).units(scope) { listed += $0.count }
    let listTime = now() - start
    print(
        String(
            format: "trace unit listing: %d units in %.2f s = %.0f units/s, peak RSS %.1f MB", listed, listTime, Double(listed) / listTime,
            peakRSSMegabytes()))
default:
    print("unknown step \(arguments[1])")
}
try await store.close()
