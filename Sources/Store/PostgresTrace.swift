internal import PostgresNIO
public import Records

extension PostgresStore {
    public func traceUnits(_ scope: TraceScope, after cursor: UnitKey?, limit: Int) async throws -> [UnitRow] {
        let (sql, arguments) = TraceSQL.units(scope, after: cursor, limit: limit, placeholder: { "$\($0)" })
        return try await transaction("trace \(scope)") { connection in
            try await Self.unitRows(try await connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.textBinds(arguments)), logger: self.logger))
        }
    }

    public func traceCounts(_ scope: TraceScope) async throws -> [TraceCount] {
        let (sql, arguments) = TraceSQL.counts(scope, placeholder: { "$\($0)" })
        return try await transaction("count the units of \(scope)") { connection in
            var counts: [TraceCount] = []
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.textBinds(arguments)), logger: self.logger)
            do {
                for try await (shipment, phase, units, packed) in rows.decode((String?, Int, Int, Int).self) {
                    counts.append(
                        TraceCount(shipment: shipment, phase: try StoredForms.phase(phase, gtin: "", serial: "(count)"), units: units, packed: packed)
                    )
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.corrupt, "a unit count cannot be read", cause: StoreError.Detail(error))
            }
            return counts
        }
    }

    public func deliveries(shipments: [String]) async throws -> [DeliveryRow] {
        guard !shipments.isEmpty else { return [] }
        return try await transaction("read the deliveries of \(shipments.count) shipment(s)") { connection in
            try await self.rows(
                connection, "SELECT \(QueueSQL.columns) FROM deliveries WHERE shipment = ANY($1) ORDER BY queued_at, id", [shipments])
        }
    }

    static func textBinds(_ values: [String]) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }
}
