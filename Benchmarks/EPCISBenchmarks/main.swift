// Benchmarks for the EPCIS documents issue. Run: swift run -c release EPCISBenchmarks [serials]
//
// write-1.2-xml: a DSCSA-shaped EPCIS 1.2 document with N item SGTINs (default 1,000,000):
// one commissioning event streaming all items, one case per 100 items (commissioned and packed
// by an aggregation event each), and the shipping event. EPC URIs are built by the GS1 module
// from (GTIN, serial, company-prefix length) as the composer will, so the figure includes that.
// Output goes to a temporary file; peak RSS is the process's high-water mark (getrusage).
import Compliance
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
let prefixes = [
    itemGTIN: try SGTIN.uriPrefix(gtin: itemGTIN, companyPrefixLength: 6), caseGTIN: try SGTIN.uriPrefix(gtin: caseGTIN, companyPrefixLength: 6),
]
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
print(
    String(
        format: "  item serials/s: %.0f   EPC elements/s: %.0f   MB/s: %.1f", Double(serials) / elapsed, epcs / elapsed, Double(bytes) / 1e6 / elapsed
    ))
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
print(
    String(
        format: "event-hash: %d events in %.2f s = %.0f events/s (%d distinct IDs)   goal: >= 200,000 events/s", hashCount, hashSeconds,
        Double(hashCount) / hashSeconds, distinct.count))

// validate-1.2 and convert-to-jsonld on a ~300 MB DSCSA-shaped 1.2 file (second argument: item
// serials, default 2,400,000; commissioning in events of 10,000 EPCs, packing per 100).
// Validation is compared side by side with `xmllint --stream --noout --schema` on the same file
// and the same schema (the project's Schemas/epcis-1.2.xsd, or the official one from ../shared).
let bigSerials = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? 2_400_000
let bigPath = FileManager.default.temporaryDirectory.appendingPathComponent("epcis-bench-big-\(getpid()).xml").path
let jsonPath = bigPath + ".jsonld"
defer {
    try? FileManager.default.removeItem(atPath: bigPath)
    try? FileManager.default.removeItem(atPath: jsonPath)
}
do {
    let sink = try FileSink(path: bigPath)
    var writer = EPCISXMLWriter(sink: sink, version: .epcis12)
    try writer.begin(header: header, creationDate: "2026-11-21T10:00:00Z")
    var commission = event(.object, .add, "commissioning", "active")
    commission.ilmd = [XMLElement(namespace: EPCISNamespace.cbvmda, prefix: "cbvmda", name: "lotNumber", text: "LOT1")]
    for start in stride(from: 0, to: bigSerials, by: 10_000) {
        try writer.write(commission, streamingEPCs: (start..<min(bigSerials, start + 10_000)).lazy.map { sgtin(itemGTIN, $0) })
    }
    for caseIndex in 0..<(bigSerials + 99) / 100 {
        var pack = event(.aggregation, .add, "packing", "in_progress")
        pack.parentID = sgtin(caseGTIN, caseIndex)
        try writer.write(pack, streamingEPCs: (caseIndex * 100..<min(bigSerials, caseIndex * 100 + 100)).lazy.map { sgtin(itemGTIN, $0) })
    }
    try writer.finish()
    try sink.close()
}
let bigBytes = Double((try FileManager.default.attributesOfItem(atPath: bigPath)[.size] as? NSNumber)?.intValue ?? 0)
let schemaCandidates = ["Schemas/epcis-1.2.xsd", "../shared/reference/epcis/xsd-1.2/EPCglobal-epcis-1_2.xsd"]
if let schemaPath = schemaCandidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
    let schema = try XMLSchema(path: schemaPath)
    let schemas = EPCISSchemas(epcis12: schema, epcis20: schema)
    let xmllint = Process()
    xmllint.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    xmllint.arguments = ["xmllint", "--stream", "--noout", "--schema", schemaPath, bigPath]
    xmllint.standardError = FileHandle.nullDevice
    let lintSeconds = try seconds {
        try xmllint.run()
        xmllint.waitUntilExit()
    }
    var report: EPCISValidationReport?
    let oursSeconds = seconds { report = EPCISValidator.validate(path: bigPath, schemas: schemas, decodeEvents: false) }
    var decodedReport: EPCISValidationReport?
    let decodedSeconds = seconds { decodedReport = EPCISValidator.validate(path: bigPath, schemas: schemas, decodeEvents: true) }
    // `validate --profile dscsa`: the same, with the DSCSA rules fed every event.
    var dscsaReport: EPCISValidationReport?
    let dscsaSeconds = seconds {
        dscsaReport = EPCISValidator.validate(path: bigPath, schemas: schemas, decodeEvents: true, rules: DSCSAProfile())
    }
    print(String(format: "validate-1.2: %.0f MB against %@", bigBytes / 1e6, schemaPath))
    print(
        String(
            format:
                "  xmllint --stream: %.2f s (exit %d)   ours (schema only): %.2f s = %.2fx (valid: %@)   ours + events decoded and rule-checked: %.2f s = %.2fx (%d events)   goal: <= 1.2x",
            lintSeconds, xmllint.terminationStatus, oursSeconds, oursSeconds / lintSeconds, report?.valid == true ? "yes" : "NO",
            decodedSeconds, decodedSeconds / lintSeconds, decodedReport?.events ?? 0))
    print(
        String(
            format: "  ours + --profile dscsa: %.2f s = %.2fx xmllint --stream (%d findings)   goal: <= 1.5x", dscsaSeconds,
            dscsaSeconds / lintSeconds, dscsaReport?.issues.count(where: { $0.rule.hasPrefix("dscsa:") }) ?? 0))
} else {
    print("validate-1.2: SKIPPED (no 1.2 XSD found at \(schemaCandidates))")
}
var converted = 0
let convertSeconds = try seconds {
    let sink = try FileSink(path: jsonPath)
    converted = try EPCISDocuments.convert(try EPCISXMLReader(path: bigPath), to: .jsonld20, sink: sink)
    try sink.close()
}
let jsonBytes = Double((try FileManager.default.attributesOfItem(atPath: jsonPath)[.size] as? NSNumber)?.intValue ?? 0)
print(
    String(
        format:
            "convert-to-jsonld: %.0f MB XML -> %.0f MB JSON-LD, %d events in %.2f s = %.1f MB/s of input   goal: >= 100 MB/s   peak RSS so far: %.1f MB",
        bigBytes / 1e6, jsonBytes / 1e6, converted, convertSeconds, bigBytes / 1e6 / convertSeconds, peakRSSMegabytes()))
