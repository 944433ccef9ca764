// Benchmarks for the EPCIS documents issue. Run: swift run -c release EPCISBenchmarks [serials]
//
// write-1.2-xml: a DSCSA-shaped EPCIS 1.2 document with N item SGTINs (default 1,000,000):
// one commissioning event streaming all items, one case per 100 items (commissioned and packed
// by an aggregation event each), and the shipping event. EPC URIs are built by the GS1 module
// from (GTIN, serial, company-prefix length) as the composer will, so the figure includes that.
// Output goes to a temporary file; peak RSS is the process's high-water mark (getrusage).
import EPCIS
import Foundation
import GS1

#if canImport(Glibc)
import Glibc
#endif

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let serials = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
let itemGTIN = try GTIN("00300010123455")
let caseGTIN = try GTIN("10300010123452")
let site = "urn:epc:id:sgln:030001.111111.0"
let header = EPCISHeader(
    sbdh: StandardBusinessDocumentHeader(
        senders: [.init(authority: "GS1", value: site)], receivers: [.init(authority: "GS1", value: "urn:epc:id:sgln:039999.999999.0")],
        instanceIdentifier: "BENCH-1", creationDateAndTime: "2026-11-21T10:00:00Z"))

// As the composer does: one URI prefix per GTIN, then each validated serial, escaped.
let prefixes = [itemGTIN: try SGTIN.uriPrefix(gtin: itemGTIN, companyPrefixLength: 6), caseGTIN: try SGTIN.uriPrefix(gtin: caseGTIN, companyPrefixLength: 6)]
func sgtin(_ gtin: GTIN, _ serial: Int) -> String {
    // A digits-only serial always passes SerialNumber's checks.
    prefixes[gtin]! + EPCURIEscaping.escape(try! SerialNumber(String(serial)).value)
}

func event(_ type: EPCISEventType, _ action: EPCISAction, _ bizStep: String, _ disposition: String) -> EPCISEvent {
    var event = EPCISEvent(type: type, eventTime: "2026-11-20T08:00:00Z", eventTimeZoneOffset: "-05:00", action: action)
    event.bizStep = bizStep
    event.disposition = disposition
    event.readPoint = site
    event.bizLocation = site
    return event
}

let path = FileManager.default.temporaryDirectory.appendingPathComponent("epcis-bench-\(getpid()).xml").path
defer { try? FileManager.default.removeItem(atPath: path) }
let rssBefore = peakRSSMegabytes()
var bytes = 0
let elapsed = try seconds {
    let sink = try FileSink(path: path)
    var writer = EPCISXMLWriter(sink: sink, version: .epcis12)
    try writer.begin(header: header, creationDate: "2026-11-21T10:00:00Z")
    var commission = event(.object, .add, "commissioning", "active")
    commission.ilmd = [
        XMLElement(namespace: EPCISNamespace.cbvmda, prefix: "cbvmda", name: "lotNumber", text: "LOT1"),
        XMLElement(namespace: EPCISNamespace.cbvmda, prefix: "cbvmda", name: "itemExpirationDate", text: "2028-06-30"),
    ]
    try writer.write(commission, streamingEPCs: (0..<serials).lazy.map { sgtin(itemGTIN, $0) })
    let cases = (serials + 99) / 100
    try writer.write(commission, streamingEPCs: (0..<cases).lazy.map { sgtin(caseGTIN, $0) })
    for caseIndex in 0..<cases {
        var pack = event(.aggregation, .add, "packing", "in_progress")
        pack.parentID = sgtin(caseGTIN, caseIndex)
        try writer.write(pack, streamingEPCs: (caseIndex * 100..<min(serials, caseIndex * 100 + 100)).lazy.map { sgtin(itemGTIN, $0) })
    }
    var ship = event(.object, .observe, "shipping", "in_transit")
    ship.bizTransactions = [TypedReference(type: "po", value: "urn:epcglobal:cbv:bt:0399999999991:PO1")]
    try writer.write(ship, streamingEPCs: (0..<cases).lazy.map { sgtin(caseGTIN, $0) })
    try writer.finish()
    try sink.close()
    bytes = writer.bytesWritten
}
let epcs = Double(serials * 2 + ((serials + 99) / 100) * 3)
print("write-1.2-xml: \(serials) item serials, \(Int(epcs)) EPC elements, \(bytes / 1_000_000) MB in \(String(format: "%.2f", elapsed)) s")
print(String(format: "  item serials/s: %.0f   EPC elements/s: %.0f   MB/s: %.1f", Double(serials) / elapsed, epcs / elapsed, Double(bytes) / 1e6 / elapsed))
print(String(format: "  peak RSS: %.1f MB (%.1f MB before writing)   goal: >= 1,000,000 EPCs/s, <= 100 MB", peakRSSMegabytes(), rssBefore))

// event-hash: CBV 2.0 hash IDs of DSCSA commissioning events (2 SGTINs, lot + expiry ILMD,
// local time with offset), each event distinct by serial.
let hashCount = 200_000
var hashEvent = EPCISEvent(type: .object, eventTime: "2024-03-01T09:30:00.000+01:00", eventTimeZoneOffset: "+01:00", action: .add)
hashEvent.bizStep = "commissioning"
hashEvent.disposition = "active"
hashEvent.readPoint = "urn:epc:id:sgln:030001.111111.0"
hashEvent.ilmd = [
    XMLElement(namespace: EPCISNamespace.cbvmda, prefix: "cbvmda", name: "lotNumber", text: "LOT1"),
    XMLElement(namespace: EPCISNamespace.cbvmda, prefix: "cbvmda", name: "itemExpirationDate", text: "2028-06-30"),
]
var distinct = Set<String>()
let hashSeconds = try seconds {
    for index in 0..<hashCount {
        hashEvent.epcList = [sgtin(itemGTIN, index * 2), sgtin(itemGTIN, index * 2 + 1)]
        distinct.insert(try EventHash.id(of: hashEvent))
    }
}
print(String(format: "event-hash: %d events in %.2f s = %.0f events/s (%d distinct IDs)   goal: >= 200,000 events/s", hashCount, hashSeconds, Double(hashCount) / hashSeconds, distinct.count))
