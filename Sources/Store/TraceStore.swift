internal import Foundation
public import Records

/// What a trace or a recall covers.
public enum TraceScope: Hashable, Sendable, CustomStringConvertible {
    /// Every unit of a GTIN.
    case gtin(String)
    /// The units of one lot of a GTIN.
    case lot(gtin: String, lot: String)
    /// One serialised unit.
    case serial(gtin: String, serial: String)
    /// A logistic unit and everything packed in it, however deep.
    case sscc(String)

    public var description: String {
        switch self {
        case .gtin(let gtin): "GTIN \(gtin)"
        case .lot(let gtin, let lot): "lot \(lot) of GTIN \(gtin)"
        case .serial(let gtin, let serial): "(01)\(gtin)(21)\(serial)"
        case .sscc(let sscc): "SSCC \(sscc)"
        }
    }
}

/// How many units of a scope are in one phase, by the shipment they last left in.
public struct TraceCount: Hashable, Sendable {
    /// Nil: never shipped (or the unit is back and has not left again).
    public var shipment: String?
    public var phase: UnitPhase
    public var units: Int
    /// Of those, the ones packed in a container.
    public var packed: Int

    public init(shipment: String?, phase: UnitPhase, units: Int, packed: Int = 0) {
        self.shipment = shipment
        self.phase = phase
        self.units = units
        self.packed = packed
    }
}

/// The reads a trace or a recall needs, on both engines.
public protocol TraceStore: Sendable {
    /// The scope's units in (GTIN, serial) order, after `cursor`, at most `limit`: pages of
    /// constant cost along an index, so a lot of a million units streams.
    func traceUnits(_ scope: TraceScope, after cursor: UnitKey?, limit: Int) async throws -> [UnitRow]
    /// The scope's units counted by latest shipment and phase, in one set-based query.
    func traceCounts(_ scope: TraceScope) async throws -> [TraceCount]
    /// The deliveries of these shipments (to every partner).
    func deliveries(shipments: [String]) async throws -> [DeliveryRow]
}

/// The SQL both engines run; `placeholder(n)` spells the n-th parameter (`?` or `$n`).
enum TraceSQL {
    /// `FROM … WHERE …` for the scope's units, as `u`, with its arguments.
    static func source(_ scope: TraceScope, placeholder: (Int) -> String) -> (sql: String, arguments: [String]) {
        switch scope {
        case .gtin(let gtin):
            return ("FROM units u WHERE u.gtin = \(placeholder(1))", [gtin])
        case .lot(let gtin, let lot):
            return ("FROM units u WHERE u.gtin = \(placeholder(1)) AND u.lot = \(placeholder(2))", [gtin, lot])
        case .serial(let gtin, let serial):
            return ("FROM units u WHERE u.gtin = \(placeholder(1)) AND u.serial = \(placeholder(2))", [gtin, serial])
        case .sscc(let sscc):
            let tree = """
                WITH RECURSIVE tree(g, s) AS (SELECT gtin, serial FROM units WHERE gtin = '' AND serial = \(placeholder(1)) \
                UNION ALL SELECT c.gtin, c.serial FROM units c JOIN tree t ON c.parent_gtin = t.g AND c.parent_serial = t.s) \
                SELECT * FROM tree
                """
            return ("FROM units u JOIN (\(tree)) t ON u.gtin = t.g AND u.serial = t.s WHERE 1 = 1", [sscc])
        }
    }

    static func units(_ scope: TraceScope, after cursor: UnitKey?, limit: Int, placeholder: (Int) -> String) -> (sql: String, arguments: [String]) {
        var (from, arguments) = source(scope, placeholder: placeholder)
        let order: String
        if case .sscc = scope {
            // A container's tree holds several GTINs; it is small, so the row value is fine.
            if let cursor {
                from += " AND (u.gtin, u.serial) > (\(placeholder(arguments.count + 1)), \(placeholder(arguments.count + 2)))"
                arguments += [cursor.gtinColumn, cursor.serialColumn]
            }
            order = "u.gtin, u.serial"
        } else {
            // One GTIN (and lot): the page starts at the serial, a range on the index that matches
            // the access path (units_lot or the primary key), so every page costs the same.
            if let cursor {
                from += " AND u.serial > \(placeholder(arguments.count + 1))"
                arguments.append(cursor.serialColumn)
            }
            order = "u.serial"
        }
        let columns = Schema.unitColumns.split(separator: ",").map { "u." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        return ("SELECT \(columns) \(from) ORDER BY \(order) LIMIT \(limit)", arguments)
    }

    static func counts(_ scope: TraceScope, placeholder: (Int) -> String) -> (sql: String, arguments: [String]) {
        let (from, arguments) = source(scope, placeholder: placeholder)
        return (
            "SELECT u.shipment, u.phase, COUNT(*), SUM(CASE WHEN u.parent_serial IS NULL THEN 0 ELSE 1 END) \(from) GROUP BY u.shipment, u.phase ORDER BY u.shipment, u.phase",
            arguments
        )
    }
}
