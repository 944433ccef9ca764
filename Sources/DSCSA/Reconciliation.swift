internal import Records
public import Store

/// Reconciliation: the store's counts per lot and per shipment (commissioned, packed, shipped,
/// destroyed or decommissioned, on hand) against what the ERP says, with every difference
/// naming the serials involved, so that an unexplained unit is never just a number.
public struct Reconciliation: Sendable {
    let store: any GatewayStore

    public init(store: any GatewayStore) {
        self.store = store
    }

    /// One line of the ERP count file: a lot's quantity made (no shipment), or the quantity
    /// of it a shipment (delivery) carried.
    public struct Expectation: Sendable, Hashable, Codable {
        public var gtin: String
        public var lot: String
        public var shipment: String?
        public var quantity: Int
        /// The file's line, for messages.
        public var line: Int

        public init(gtin: String, lot: String, shipment: String?, quantity: Int, line: Int) {
            self.gtin = gtin
            self.lot = lot
            self.shipment = shipment
            self.quantity = quantity
            self.line = line
        }
    }

    /// A lot as the store counts it.
    public struct LotCounts: Sendable, Hashable, Codable {
        public var gtin: String
        public var lot: String
        public var commissioned: Int
        public var packed: Int
        public var shipped: Int
        public var returned: Int
        public var destroyed: Int
        public var decommissioned: Int
        public var onHand: Int
        /// Units per shipment they last left in.
        public var shipments: [String: Int]
    }

    /// A count that does not match, and the serials it is about.
    public struct Difference: Sendable, Hashable, Codable {
        public var gtin: String
        public var lot: String
        public var shipment: String?
        /// Nil: the ERP file does not name it.
        public var expected: Int?
        public var found: Int
        public var explanation: String
        /// The serials of the store's side of the count (all of them).
        public var serials: [String]
    }

    public struct Report: Sendable, Hashable, Codable {
        public var lots: [LotCounts]
        public var differences: [Difference]
    }

    /// Reconciles the lots the ERP file names (and `lots`), against `expectations`.
    public func run(lots extra: [(gtin: String, lot: String)] = [], expectations: [Expectation]) async throws -> Report {
        var keys: [String] = []
        var wanted: [String: (gtin: String, lot: String)] = [:]
        for (gtin, lot) in extra + expectations.map({ ($0.gtin, $0.lot) }) where wanted["\(gtin) \(lot)"] == nil {
            wanted["\(gtin) \(lot)"] = (gtin, lot)
            keys.append("\(gtin) \(lot)")
        }
        var report = Report(lots: [], differences: [])
        for key in keys {
            guard let (gtin, lot) = wanted[key] else { continue }
            let counts = try await self.counts(gtin: gtin, lot: lot)
            report.lots.append(counts)
            let rows = expectations.filter { $0.gtin == gtin && $0.lot == lot }
            guard !rows.isEmpty else { continue }
            var serials: [String: [String]]?
            func serialsOf(_ shipment: String?) async throws -> [String] {
                if serials == nil { serials = try await self.serials(gtin: gtin, lot: lot) }
                return serials?[shipment ?? ""] ?? []
            }
            func allSerials() async throws -> [String] {
                if serials == nil { serials = try await self.serials(gtin: gtin, lot: lot) }
                return (serials ?? [:]).values.flatMap { $0 }.sorted()
            }
            for row in rows {
                if let shipment = row.shipment {
                    let found = counts.shipments[shipment] ?? 0
                    guard found != row.quantity else { continue }
                    report.differences.append(
                        Difference(
                            gtin: gtin, lot: lot, shipment: shipment, expected: row.quantity, found: found,
                            explanation: found > row.quantity
                                ? "shipment \(shipment) carried \(found - row.quantity) unit(s) of lot \(lot) more than the ERP says (line \(row.line)); its serials are listed"
                                : "shipment \(shipment) carried \(row.quantity - found) unit(s) of lot \(lot) fewer than the ERP says (line \(row.line)); the serials it did carry are listed",
                            serials: try await serialsOf(shipment)))
                } else {
                    let made = counts.commissioned
                    guard made != row.quantity else { continue }
                    report.differences.append(
                        Difference(
                            gtin: gtin, lot: lot, shipment: nil, expected: row.quantity, found: made,
                            explanation:
                                "lot \(lot) has \(made) serialised unit(s), the ERP says \(row.quantity) were made (line \(row.line)); every serial of the lot is listed",
                            serials: try await allSerials()))
                }
            }
            // A shipment the ERP file does not list for this lot.
            let named = Set(rows.compactMap(\.shipment))
            if rows.contains(where: { $0.shipment != nil }) {
                for (shipment, found) in counts.shipments.sorted(by: { $0.key < $1.key }) where !named.contains(shipment) {
                    report.differences.append(
                        Difference(
                            gtin: gtin, lot: lot, shipment: shipment, expected: nil, found: found,
                            explanation: "shipment \(shipment) carried \(found) unit(s) of lot \(lot), but the ERP file lists no quantity for it",
                            serials: try await serialsOf(shipment)))
                }
            }
        }
        return report
    }

    /// The store's counts for one lot.
    public func counts(gtin: String, lot: String) async throws -> LotCounts {
        var result = LotCounts(
            gtin: gtin, lot: lot, commissioned: 0, packed: 0, shipped: 0, returned: 0, destroyed: 0, decommissioned: 0, onHand: 0, shipments: [:])
        for count in try await store.traceCounts(.lot(gtin: gtin, lot: lot)) {
            // Every unit of the lot was commissioned once, whatever happened to it since.
            result.commissioned += count.units
            result.packed += count.packed
            switch count.phase {
            case .commissioned: result.onHand += count.units
            case .shipped:
                result.shipped += count.units
                if let shipment = count.shipment { result.shipments[shipment, default: 0] += count.units }
            case .returned:
                result.returned += count.units
                result.onHand += count.units
            case .destroyed: result.destroyed += count.units
            case .decommissioned: result.decommissioned += count.units
            }
        }
        return result
    }

    /// The lot's serials by the shipment they are in ("" for those on hand), streamed.
    private func serials(gtin: String, lot: String) async throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        try await Trace(store: store).units(.lot(gtin: gtin, lot: lot)) { page in
            for unit in page {
                let key =
                    unit.phase == "shipped" ? unit.shipment ?? "" : unit.phase == "commissioned" || unit.phase == "returned" ? "" : "(\(unit.phase))"
                result[key, default: []].append(unit.serial)
            }
        }
        return result
    }
}
