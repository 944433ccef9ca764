internal import Compliance
public import EPCIS
public import Foundation
internal import GS1
internal import Records
public import Store

/// Composes the document a DSCSA partner receives for one shipment, streaming it from the store.
///
/// The document follows the GS1 US DSCSA guideline (R1.3): an SBDH naming seller and buyer;
/// product (EPCClass) and location master data for exactly the GTINs and places involved; the
/// transaction statement; then, in time order, the commissioning events (grouped by commissioning
/// record, which is one GTIN and lot, with lot and expiry in ILMD), the packing events, and the
/// shipping event with the purchase order, despatch advice, owning parties and locations.
///
/// Business rules are checked while streaming (every unit commissioned, not destroyed, the
/// hierarchy complete, lot and expiry known, master data present, times in order); a document
/// that breaks one, or that fails the schema, is deleted and ``ComposeRejected`` names the record
/// to fix. Memory stays bounded: units come from the store a page at a time, and an event holds
/// at most ``ComposeOptions/maximumEPCsPerEvent`` EPCs.
///
/// Transaction history: a manufacturer is the first owner, so the history of a first sale is the
/// document's own event chain from commissioning; with `transactionHistory` on, the guideline
/// version in the header says so (R1.2-era partners) and nothing else changes.
public struct ShipmentComposer: Sendable {
    public let store: any GatewayStore
    public let options: ComposeOptions
    /// Units read from the store per page.
    public var pageSize = 5_000

    public init(store: any GatewayStore, options: ComposeOptions = ComposeOptions()) {
        self.store = store
        self.options = options
    }

    /// The GS1 US legal sentence of the transaction statement (FD&C Act §581(27)(A)–(G)).
    public static let legalNotice = "Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G)."

    /// Writes the document for `shipment` to `path` (through a temporary file, so `path` never
    /// holds a half or a refused document) and, when `schemas` are given, validates it.
    ///
    /// - Throws: ``ComposeRejected`` for a broken rule or schema, ``StoreError`` for the store.
    public func compose(
        shipment id: String, to path: String, schemas: EPCISSchemas?, creationDate: Date = Date(), documentID: String? = nil
    ) async throws -> ComposeReport {
        guard let shipment = try await store.shipment(id) else {
            throw ComposeRejected(
                shipment: id,
                problems: [ComposeProblem(recordID: nil, problem: "there is no shipment \(id)", fix: "check the id, or ingest its ship record first")]
            )
        }
        let quarantined = try await quarantineProblems(shipment)
        guard quarantined.isEmpty else { throw ComposeRejected(shipment: id, problems: quarantined) }
        let temporary = path + ".partial-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let documentID = documentID ?? "urn:uuid:" + UUID().uuidString.lowercased()
        var context = try await Context.load(shipment, store: store, options: options)
        let sink = try FileSink(path: temporary)
        let created = Self.timestamp(creationDate)
        let header = context.header(documentID: documentID, created: created)
        var counts = (events: 0, serials: 0, bytes: 0)
        switch options.format {
        case .xml12, .xml20:
            var writer = EPCISXMLWriter(sink: sink, version: options.format == .xml12 ? .epcis12 : .epcis20, options: context.writerOptions)
            try await stream(&writer, header: header, created: created, &context, &counts)
            counts.bytes = writer.bytesWritten
        case .jsonLD:
            var writer = EPCISJSONLDWriter(sink: sink, options: context.writerOptions)
            try await stream(&writer, header: header, created: created, &context, &counts)
            counts.bytes = writer.bytesWritten
        }
        try sink.close()
        if counts.serials != shipment.unitCount {
            context.problems.append(
                ComposeProblem(
                    recordID: shipment.recordID,
                    problem:
                        "the store holds \(counts.serials) of the shipment's \(shipment.unitCount) units; the others have since been returned and shipped again",
                    fix: "send the document composed when the shipment left (the delivery queue keeps its bytes)"))
        }
        if let schemas, context.problems.isEmpty {
            // The same checks `validate --profile dscsa` makes, so nothing queued fails them.
            let report = try await EPCISValidator.validateOffThePool(path: temporary, schemas: schemas, rules: { DSCSAProfile() })
            for issue in report.issues where issue.severity == .error {
                let dscsa = issue.rule.hasPrefix("dscsa:")
                context.problems.append(
                    ComposeProblem(
                        recordID: shipment.recordID,
                        problem: dscsa
                            ? "the composed document breaks \(issue.rule) at \(issue.location ?? "the document"): \(issue.message)"
                            : "the composed document fails the schema: \(issue)",
                        fix: dscsa ? issue.hint ?? "correct the records the rule names" : "report this as a gateway defect"))
            }
        }
        guard context.problems.isEmpty else { throw ComposeRejected(shipment: id, problems: context.problems) }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        return ComposeReport(shipment: id, path: path, bytes: counts.bytes, events: counts.events, serials: counts.serials, documentID: documentID)
    }

    /// Units under an open quarantine (a suspect or illegitimate status no operator has closed)
    /// may not ship: one problem per unit, naming the quarantine, at most 20.
    private func quarantineProblems(_ shipment: StoredShipment) async throws -> [ComposeProblem] {
        let open = try await store.quarantines(includeClosed: false)
        guard !open.isEmpty else { return [] }
        var problems: [ComposeProblem] = []
        var units = UnitPages(store: store, shipment: shipment.id, order: .commissioning, pageSize: 1_000)
        while problems.count < 20, let unit = try await units.peek() {
            units.advance()
            guard let quarantine = open.first(where: { $0.covers(gtin: unit.key.gtinColumn, lot: unit.lot, serial: unit.key.serialColumn) }) else {
                continue
            }
            problems.append(
                ComposeProblem(
                    recordID: shipment.recordID,
                    problem:
                        "\(unit.key) is in quarantine \(quarantine.recordID)#\(quarantine.position) (\(quarantine.status) since \(quarantine.utc), \(quarantine.scope)) and may not ship",
                    fix:
                        "take it out of the shipment, or close the quarantine with `epcis-gateway quarantine close \(quarantine.recordID)#\(quarantine.position) --reason …` once it is resolved"
                ))
        }
        return problems
    }

    private func stream<Writer: DocumentWriter>(
        _ writer: inout Writer, header: EPCISHeader, created: String, _ context: inout Context,
        _ counts: inout (events: Int, serials: Int, bytes: Int)
    ) async throws {
        do {
            try writer.begin(header: header, creationDate: created, namespaces: ["gs1ushc": EPCISNamespace.gs1ushc, "cbvmda": EPCISNamespace.cbvmda])
        } catch let error as EPCISError {
            context.problems.append(
                ComposeProblem(
                    recordID: nil, problem: "the document header cannot be written in \(options.format.rawValue): \(error.message)",
                    fix: "set the partner's EPCIS format to 1.2-xml or 2.0-jsonld"))
            return
        }
        var commissioning = UnitPages(store: store, shipment: context.shipment.id, order: .commissioning, pageSize: pageSize)
        var packing = UnitPages(store: store, shipment: context.shipment.id, order: .packing, pageSize: pageSize)
        let limit = max(1, options.maximumEPCsPerEvent)
        while true {
            let nextCommission = try await commissioning.peek()
            let nextPack = try await packing.peek()
            if nextCommission == nil && nextPack == nil { break }
            // Events in time order; a commissioning event goes before a packing event of the same instant.
            var takeCommission = nextPack == nil
            if let c = nextCommission, let p = nextPack {
                takeCommission = (c.commissionUTC, c.commissionRecord) <= (p.packUTC ?? "", p.packRecord ?? "")
            }
            var epcs: [String] = []
            if takeCommission {
                let first = nextCommission!
                while let row = try await commissioning.peek(), row.commissionRecord == first.commissionRecord, epcs.count < limit {
                    context.check(row)
                    epcs.append(context.uri(row.key))
                    commissioning.advance()
                }
                counts.serials += epcs.count
                try write(&writer, context.commissioningEvent(first, epcs), &context)
            } else {
                let first = nextPack!
                while let row = try await packing.peek(), row.packRecord == first.packRecord, row.parent == first.parent, epcs.count < limit {
                    epcs.append(context.uri(row.key))
                    packing.advance()
                }
                try write(&writer, context.packingEvent(first, epcs), &context)
            }
            counts.events += 1
        }
        try write(&writer, context.shippingEvent(), &context)
        counts.events += 1
        try writer.finish()
    }

    private func write<Writer: DocumentWriter>(_ writer: inout Writer, _ event: EPCISEvent?, _ context: inout Context) throws {
        guard let event else { return }
        do { try writer.write(event) } catch let error as EPCISError {
            context.problems.append(
                ComposeProblem(recordID: nil, problem: "an event cannot be written: \(error.message)", fix: "correct the record it names"))
        }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// The writers the composer drives.
protocol DocumentWriter {
    mutating func begin(header: EPCISHeader, creationDate: String, namespaces: [String: String]) throws
    mutating func write(_ event: EPCISEvent) throws
    mutating func finish() throws
}

extension EPCISXMLWriter: DocumentWriter {}
extension EPCISJSONLDWriter: DocumentWriter {}

/// A shipment's units a page at a time (keyset paging).
struct UnitPages {
    let store: any GatewayStore
    let shipment: String
    let order: ShipmentUnitOrder
    let pageSize: Int
    private var page: [UnitRow] = []
    private var index = 0
    private var exhausted = false

    init(store: any GatewayStore, shipment: String, order: ShipmentUnitOrder, pageSize: Int) {
        self.store = store
        self.shipment = shipment
        self.order = order
        self.pageSize = pageSize
    }

    mutating func peek() async throws -> UnitRow? {
        if index < page.count { return page[index] }
        guard !exhausted else { return nil }
        let last = page.last
        page = try await store.shipmentUnits(shipment, order: order, after: last, limit: pageSize)
        index = 0
        exhausted = page.count < pageSize
        return page.first
    }

    mutating func advance() { index += 1 }
}
