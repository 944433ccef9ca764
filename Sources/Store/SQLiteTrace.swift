internal import GRDB
public import Records

extension SQLiteStore {
    public func traceUnits(_ scope: TraceScope, after cursor: UnitKey?, limit: Int) async throws -> [UnitRow] {
        let (sql, arguments) = TraceSQL.units(scope, after: cursor, limit: limit, placeholder: { _ in "?" })
        return try await storeCall("trace \(scope)") { pool in
            try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Self.unitRow) }
        }
    }

    public func traceCounts(_ scope: TraceScope) async throws -> [TraceCount] {
        let (sql, arguments) = TraceSQL.counts(scope, placeholder: { _ in "?" })
        return try await storeCall("count the units of \(scope)") { pool in
            try await pool.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                    let shipment: String? = try row.decode(atIndex: 0)
                    let phase: Int = try row.decode(atIndex: 1)
                    let units: Int = try row.decode(atIndex: 2)
                    let packed: Int = try row.decode(atIndex: 3)
                    return TraceCount(
                        shipment: shipment, phase: try StoredForms.phase(phase, gtin: "", serial: "(count)"), units: units, packed: packed)
                }
            }
        }
    }

    public func deliveries(shipments: [String]) async throws -> [DeliveryRow] {
        guard !shipments.isEmpty else { return [] }
        return try await storeCall("read the deliveries of \(shipments.count) shipment(s)") { pool in
            try await pool.read { db in
                var rows: [DeliveryRow] = []
                // In pieces, under SQLite's bound-parameter limit.
                for start in stride(from: 0, to: shipments.count, by: 500) {
                    let part = Array(shipments[start..<min(start + 500, shipments.count)])
                    rows += try Row.fetchAll(
                        db,
                        sql:
                            "SELECT \(QueueSQL.columns) FROM deliveries WHERE shipment IN (\(part.map { _ in "?" }.joined(separator: ", "))) ORDER BY queued_at, id",
                        arguments: StatementArguments(part)
                    ).map(Self.deliveryRow)
                }
                return rows
            }
        }
    }
}
