import ArgumentParser
import DSCSA
import Foundation
import GS1
import Store

/// `epcis-gateway reconcile`: serialisation counts per lot and shipment against the ERP's.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Count a lot's units (commissioned, packed, shipped, destroyed, decommissioned, on hand) and check them against the ERP.",
        discussion: """
            The ERP count file (--erp) is CSV with the header gtin,lot,shipment,quantity: a row
            without a shipment is the quantity of the lot made, a row with one the quantity of the
            lot that shipment carried. Every difference lists the serials involved: a shipment's
            serials of the lot, or every serial of the lot when the total made differs. A shipment
            the file does not list for a lot it names is a difference too.

            Exit status: 0 when everything agrees, 1 when there is a difference, 2 when the file or
            the store failed.
            """
    )

    @Option(help: "A GTIN whose --lot to count (with --lot; the ERP file names its own).")
    var gtin: String?
    @Option(help: "A lot to count (with --gtin).")
    var lot: String?
    @Option(help: "The ERP count file (CSV: gtin,lot,shipment,quantity).")
    var erp: String?
    @Flag(help: "Print the report as JSON (with every serial of every difference).")
    var json = false
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        var lots: [(gtin: String, lot: String)] = []
        if gtin != nil || lot != nil {
            guard let gtin, let lot else { throw ValidationError("give --gtin and --lot together") }
            do { lots.append((try GTIN(gtin).value, lot)) } catch { throw ValidationError("--gtin: \(error)") }
        }
        var expectations: [Reconciliation.Expectation] = []
        if let erp {
            guard let data = FileManager.default.contents(atPath: erp) else {
                printError("error: cannot read the ERP count file \(erp)")
                throw ExitCode(2)
            }
            do { expectations = try ERPCountFile.parse(Array(data)) } catch let error as ERPCountError {
                printError("error: \(erp): \(error)")
                throw ExitCode(2)
            }
        }
        guard !lots.isEmpty || !expectations.isEmpty else { throw ValidationError("name a lot (--gtin and --lot) or an ERP count file (--erp)") }
        try await storeOptions.withStore { store in
            let report: Reconciliation.Report
            do { report = try await Reconciliation(store: store).run(lots: lots, expectations: expectations) } catch let error as StoreError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("GTIN            LOT            MADE    PACKED  SHIPPED RETURNED DESTROYED DECOMM. ON HAND")
                for lot in report.lots {
                    print(
                        [lot.gtin, lot.lot].map { $0.padding(toLength: max(15, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ") + " "
                            + [lot.commissioned, lot.packed, lot.shipped, lot.returned, lot.destroyed, lot.decommissioned, lot.onHand].map {
                                String($0).padding(toLength: 8, withPad: " ", startingAt: 0)
                            }.joined())
                    for (shipment, units) in lot.shipments.sorted(by: { $0.key < $1.key }) { print("    shipment \(shipment): \(units)") }
                }
                if report.differences.isEmpty { print("\nno differences") }
                for difference in report.differences {
                    let shown = difference.serials.prefix(20).joined(separator: ", ")
                    let more = difference.serials.count > 20 ? " … and \(difference.serials.count - 20) more (--json lists them all)" : ""
                    print("\nDIFFERENCE \(difference.gtin) lot \(difference.lot): \(difference.explanation)")
                    print(
                        "  expected \(difference.expected.map(String.init) ?? "-"), found \(difference.found); serials: \(shown.isEmpty ? "none" : shown)\(more)"
                    )
                }
            }
            if !report.differences.isEmpty { throw ExitCode(1) }
        }
    }
}
