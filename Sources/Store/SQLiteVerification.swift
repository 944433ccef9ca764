internal import Foundation
internal import GRDB
internal import Records

extension SQLiteStore {
    public func verificationLookup(gtin: String, serial: String, lot: String) async throws -> VerificationLookup {
        try await storeCall("look up GTIN \(gtin) serial \(serial)") { pool in
            try await pool.read { db in
                let product = try db.cachedStatement(sql: "SELECT 1 FROM products WHERE gtin = ?")
                let known = try Row.fetchOne(product, arguments: [gtin]) != nil
                let unit = try Self.units(db, [UnitKey(gtinColumn: gtin, serialColumn: serial)]).first
                var printed: String?
                if let unit {
                    let event = try db.cachedStatement(sql: "SELECT expiry FROM events WHERE record_id = ?")
                    printed = try String.fetchOne(event, arguments: [unit.commissionRecord])
                }
                // The unit's own statuses by the (gtin, serial) index, then its GTIN's and lot's.
                let statuses = try db.cachedStatement(
                    sql: """
                        SELECT \(VerificationSQL.statusColumns) FROM statuses WHERE gtin = ?1 AND serial = ?2
                        UNION ALL SELECT \(VerificationSQL.statusColumns) FROM statuses WHERE gtin = ?1 AND serial IS NULL AND (lot IS NULL OR lot = ?3)
                        ORDER BY utc, record_id
                        """)
                let rows = try Row.fetchAll(statuses, arguments: [gtin, serial, unit?.lot ?? lot]).map { row in
                    try Self.decoded("a status row", row) { row in
                        let record: String = try row.decode(atIndex: 0)
                        return StoredStatus(
                            recordID: record, status: try StoredForms.status(try row.decode(atIndex: 1), record: record),
                            time: FeedTime(text: try row.decode(atIndex: 2), offset: try row.decode(atIndex: 3), utc: try row.decode(atIndex: 4)),
                            lot: try row.decode(atIndex: 5), serial: try row.decode(atIndex: 6), newExpiry: try row.decode(atIndex: 7),
                            reason: try row.decode(atIndex: 8))
                    }
                }
                return VerificationLookup(productKnown: known, unit: unit, printedExpiry: printed, statuses: rows)
            }
        }
    }

    public func recordVerifications(_ entries: [VerificationLogEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await storeCall("write \(entries.count) verification log entries") { pool in
            try await pool.write { db in
                let placeholders = Array(repeating: "?", count: 19).joined(separator: ", ")
                let statement = try db.cachedStatement(sql: "INSERT INTO verification_log (\(VerificationSQL.logColumns)) VALUES (\(placeholders))")
                for entry in entries {
                    // Typed values: casting each `Any` to a database value showed in profiles.
                    let values: [(any DatabaseValueConvertible)?] = [
                        entry.id, entry.at, entry.kind, entry.requestor, entry.partner, entry.gtin, entry.lot, entry.serial, entry.expiry,
                        entry.correlationID, Int64(entry.status), entry.verified.map { Int64($0 ? 1 : 0) }, entry.failureReason,
                        entry.additionalInfo, entry.problem, entry.attestations, entry.target, entry.remote, entry.latencyMicroseconds,
                    ]
                    try statement.execute(arguments: StatementArguments(values))
                }
            }
        }
    }

    public func verificationLog(_ filter: VerificationLogFilter) async throws -> [VerificationLogEntry] {
        var binds: [any DatabaseValueConvertible & Sendable] = []
        let condition = VerificationSQL.logCondition(
            filter,
            text: {
                binds.append($0)
                return "?"
            },
            number: {
                binds.append($0)
                return "?"
            })
        let arguments = binds
        return try await storeCall("read the verification log") { pool in
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT \(VerificationSQL.logColumns) FROM verification_log WHERE \(condition) ORDER BY at DESC, entry_id LIMIT \(filter.limit)",
                    arguments: StatementArguments(arguments)
                ).map { row in
                    try Self.decoded("a verification log entry", row) { row in
                        let verified: Int64? = try row.decode(atIndex: 11)
                        let status: Int64 = try row.decode(atIndex: 10)
                        return VerificationLogEntry(
                            id: try row.decode(atIndex: 0), at: try row.decode(atIndex: 1), kind: try row.decode(atIndex: 2),
                            requestor: try row.decode(atIndex: 3), partner: try row.decode(atIndex: 4), gtin: try row.decode(atIndex: 5),
                            lot: try row.decode(atIndex: 6), serial: try row.decode(atIndex: 7), expiry: try row.decode(atIndex: 8),
                            correlationID: try row.decode(atIndex: 9), status: Int(status), verified: try StoredForms.flag(verified, "verified"),
                            failureReason: try row.decode(atIndex: 12), additionalInfo: try row.decode(atIndex: 13),
                            problem: try row.decode(atIndex: 14),
                            attestations: try row.decode(atIndex: 15), target: try row.decode(atIndex: 16), remote: try row.decode(atIndex: 17),
                            latencyMicroseconds: try row.decode(atIndex: 18))
                    }
                }
            }
        }
    }

    public func quarantines(includeClosed: Bool) async throws -> [QuarantineRow] {
        try await storeCall("read the quarantines") { pool in
            try await pool.read { db in try Self.quarantineRows(db, includeClosed ? "" : " AND c.closed_at IS NULL", []) }
        }
    }

    public func closeQuarantine(recordID: String, position: Int, reason: String, by operator: String, at milliseconds: Int64) async throws
        -> QuarantineRow
    {
        try await storeCall("close quarantine \(recordID)#\(position)") { pool in
            try await pool.write { db in
                guard var row = try Self.quarantineRows(db, " AND s.record_id = ? AND s.position = ?", [recordID, Int64(position)]).first else {
                    throw StoreError(.failed, "there is no quarantine \(recordID)#\(position); `quarantine list` shows the open ones")
                }
                if let closedAt = row.closedAt {
                    throw StoreError(.failed, "quarantine \(recordID)#\(position) was closed already at \(closedAt) by \(row.closedBy ?? "?")")
                }
                try db.execute(
                    sql: "INSERT INTO quarantine_closures (record_id, position, closed_at, reason, closed_by) VALUES (?, ?, ?, ?, ?)",
                    arguments: [recordID, position, milliseconds, reason, `operator`])
                row.closedAt = milliseconds
                row.closeReason = reason
                row.closedBy = `operator`
                return row
            }
        }
    }

    private static func quarantineRows(_ db: Database, _ condition: String, _ binds: [any DatabaseValueConvertible]) throws -> [QuarantineRow] {
        try Row.fetchAll(
            db, sql: VerificationSQL.quarantineSelect + condition + " ORDER BY s.utc, s.record_id, s.position", arguments: StatementArguments(binds)
        )
        .map { row in
            try decoded("a quarantine", row) { row in
                let position: Int64 = try row.decode(atIndex: 1)
                return QuarantineRow(
                    recordID: try row.decode(atIndex: 0), position: Int(position), status: try row.decode(atIndex: 2),
                    gtin: try row.decode(atIndex: 3), lot: try row.decode(atIndex: 4), serial: try row.decode(atIndex: 5),
                    utc: try row.decode(atIndex: 6),
                    reason: try row.decode(atIndex: 7), closedAt: try row.decode(atIndex: 8), closeReason: try row.decode(atIndex: 9),
                    closedBy: try row.decode(atIndex: 10))
            }
        }
    }
}
