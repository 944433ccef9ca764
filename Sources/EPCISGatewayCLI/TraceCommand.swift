import ArgumentParser
import DSCSA
import Foundation
import GS1
import Store

/// `epcis-gateway trace`: where units are and went, and a lot's recall scope.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Trace units by GTIN, lot, serial or SSCC, and give a lot's recall scope.",
        discussion: """
            The summary gives the units by phase, those still on hand, every shipment they left in
            with the partner its document went to and when that partner acknowledged it (with the
            evidence), the units per partner, and the statuses and quarantines that touch them.
            --units lists every unit (commissioned when and where, packed in what, shipped in
            which shipment to whom). A unit shows the shipment it last left in.

            Exit status: 0 when traced (also when nothing matches), 2 when the store failed.
            """
    )

    @Option(help: "The GTIN (14 digits, or 8/12/13 with its check digit).")
    var gtin: String?
    @Option(help: "With --gtin: one lot.")
    var lot: String?
    @Option(help: "With --gtin: one serial.")
    var serial: String?
    @Option(help: "An SSCC (18 digits): the logistic unit and everything packed in it.")
    var sscc: String?
    @Flag(help: "List every unit as well as the summary.")
    var units = false
    @Option(help: "table (default), json or csv (csv lists the units).")
    var format: Format = .table
    @OptionGroup var storeOptions: StoreOptions

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    func scope() throws -> TraceScope {
        if let sscc {
            guard gtin == nil, lot == nil, serial == nil else { throw ValidationError("--sscc stands alone; leave out --gtin, --lot and --serial") }
            do { return .sscc(try SSCC(sscc).value) } catch { throw ValidationError("--sscc: \(error)") }
        }
        guard let gtin else { throw ValidationError("name what to trace: --gtin (with --lot or --serial), or --sscc") }
        let value: String
        do { value = try GTIN(gtin).value } catch { throw ValidationError("--gtin: \(error)") }
        switch (lot, serial) {
        case (let lot?, nil): return .lot(gtin: value, lot: lot)
        case (nil, let serial?): return .serial(gtin: value, serial: serial)
        case (nil, nil): return .gtin(value)
        default: throw ValidationError("give --lot or --serial, not both")
        }
    }

    func run() async throws {
        let scope = try scope()
        try await storeOptions.withStore { store in
            let trace = Trace(store: store)
            do {
                let summary = try await trace.summary(scope)
                switch format {
                case .json:
                    var listed: [Trace.Unit] = []
                    if units { try await trace.units(scope) { listed += $0 } }
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(TraceOutput(summary: summary, units: units ? listed : nil)), as: UTF8.self))
                case .csv:
                    print("unit,gtin,serial,lot,expiry,phase,commissioned_at,commission_site,packed_in,shipment,partner,delivery,acknowledged_at")
                    try await trace.units(scope) { page in
                        for unit in page {
                            let fields: [String?] = [
                                unit.unit, unit.gtin, unit.serial, unit.lot, unit.expiry, unit.phase, unit.commissionedAt, unit.commissionSite,
                                unit.packedIn, unit.shipment, unit.partner, unit.delivery, unit.acknowledgedAt.map { String($0) },
                            ]
                            print(fields.map { Self.csv($0 ?? "") }.joined(separator: ","))
                        }
                    }
                case .table:
                    Self.printSummary(summary)
                    if units {
                        print(
                            "\nUNIT                                         LOT          PHASE           PACKED IN                                    SHIPMENT"
                        )
                        try await trace.units(scope) { page in
                            for unit in page {
                                print(
                                    "\(Self.pad(unit.unit, 44)) \(Self.pad(unit.lot ?? "-", 12)) \(Self.pad(unit.phase, 15)) \(Self.pad(unit.packedIn ?? "-", 44)) \(unit.shipment ?? "-")"
                                )
                            }
                        }
                    }
                }
            } catch let error as StoreError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
    }

    struct TraceOutput: Encodable {
        var summary: Trace.Summary
        var units: [Trace.Unit]?
    }

    static func printSummary(_ summary: Trace.Summary) {
        print("\(summary.scope): \(summary.units) unit(s), \(summary.onHand) on hand")
        for (phase, count) in summary.phases.sorted(by: { $0.key < $1.key }) { print("  \(pad(phase, 15)) \(count)") }
        if !summary.shipments.isEmpty {
            print("\nSHIPMENT         SHIPPED AT                 TO PARTY       UNITS   PARTNER          DELIVERY STATE      ACKNOWLEDGED (EVIDENCE)")
            for shipment in summary.shipments {
                let delivery = shipment.deliveries.first
                let acknowledged =
                    delivery?.acknowledgedAt.map { "\(Date(timeIntervalSince1970: Double($0) / 1_000)) (\(delivery?.evidence ?? "-"))" } ?? "-"
                print(
                    "\(pad(shipment.id, 16)) \(pad(shipment.shippedAt, 26)) \(pad(shipment.toParty, 14)) \(pad(String(shipment.units), 7)) \(pad(delivery?.partner ?? "(none queued)", 16)) \(pad(delivery?.state ?? "-", 19)) \(acknowledged)"
                )
            }
            print("\nUNITS BY PARTNER")
            for (partner, count) in summary.unitsByPartner.sorted(by: { $0.key < $1.key }) { print("  \(pad(partner, 20)) \(count)") }
        }
        for status in summary.statuses {
            print(
                "status: \(status.status) at \(status.time)\(status.lot.map { " lot \($0)" } ?? "")\(status.serial.map { " serial \($0)" } ?? "")\(status.reason.map { ": \($0)" } ?? "") (record \(status.record))"
            )
        }
        for quarantine in summary.quarantines {
            print(
                "quarantine: \(quarantine.status) since \(quarantine.utc)\(quarantine.closedAt == nil ? " (open)" : " (closed)")\(quarantine.reason.map { ": \($0)" } ?? "")"
            )
        }
    }

    static func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }

    static func csv(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
