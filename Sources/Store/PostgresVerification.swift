internal import Foundation
internal import NIOCore
internal import PostgresNIO
internal import Records

extension PostgresStore {
    /// Three queries at once on pooled connections, each its own statement (no transaction
    /// round trips): the unit; the product flag with the printed expiry; the statuses. The
    /// statuses are those of the requested lot: when it is not the unit's, the answer is a
    /// no-match and statuses are not read.
    public func verificationLookup(gtin: String, serial: String, lot: String) async throws -> VerificationLookup {
        // Each query's rows are read inside its own task: a row sequence left unread holds its
        // connection, and requests holding some while waiting for more would starve the pool.
        async let unit = unit(UnitKey(gtinColumn: gtin, serialColumn: serial))
        async let facts = productAndPrintedExpiry(gtin: gtin, serial: serial)
        async let statusList = statuses(gtin: gtin, serial: serial, lot: lot)
        let (known, printed) = try await facts
        let statuses = try await statusList
        return VerificationLookup(productKnown: known, unit: try await unit, printedExpiry: printed, statuses: statuses)
    }

    private func productAndPrintedExpiry(gtin: String, serial: String) async throws -> (Bool, String?) {
        var result: (Bool, String?) = (false, nil)
        do {
            for try await (exists, expiry) in try await rows(
                """
                SELECT EXISTS (SELECT 1 FROM products WHERE gtin = $1),
                  (SELECT e.expiry FROM units u JOIN events e ON e.record_id = u.commission_record WHERE u.gtin = $1 AND u.serial = $2)
                """, [gtin, serial]
            ).decode((Bool, String?).self) {
                result = (exists, expiry)
            }
        } catch let error as PostgresDecodingError {
            throw StoreError(.corrupt, "the printed expiry of GTIN \(gtin) serial \(serial) cannot be read", cause: StoreError.Detail(error))
        }
        return result
    }

    private func statuses(gtin: String, serial: String, lot: String) async throws -> [StoredStatus] {
        var statuses: [StoredStatus] = []
        do {
            for try await (id, status, time, offset, utc, lot, serial, newExpiry, reason) in try await rows(
                """
                SELECT \(VerificationSQL.statusColumns) FROM statuses WHERE gtin = $1 AND serial = $2
                UNION ALL SELECT \(VerificationSQL.statusColumns) FROM statuses WHERE gtin = $1 AND serial IS NULL AND (lot IS NULL OR lot = $3)
                ORDER BY utc, record_id
                """, [gtin, serial, lot]
            ).decode((String, String, String, String, String, String?, String?, String?, String?).self) {
                statuses.append(
                    StoredStatus(
                        recordID: id, status: try StoredForms.status(status, record: id), time: FeedTime(text: time, offset: offset, utc: utc),
                        lot: lot, serial: serial, newExpiry: newExpiry, reason: reason))
            }
        } catch let error as PostgresDecodingError {
            throw StoreError(.corrupt, "a status row of GTIN \(gtin) cannot be read", cause: StoreError.Detail(error))
        }
        return statuses
    }

    /// One multi-row INSERT per 1 000 entries (19 binds each, under PostgreSQL's 65 535),
    /// committed on its own: one round trip for a group of entries.
    public func recordVerifications(_ entries: [VerificationLogEntry]) async throws {
        for chunk in entries.chunked(1_000) { try await insertVerifications(chunk) }
    }

    private func insertVerifications(_ entries: ArraySlice<VerificationLogEntry>) async throws {
        guard !entries.isEmpty else { return }
        var bindings = PostgresBindings()
        var rows: [String] = []
        for entry in entries {
            let first = bindings.count
            bindings.append(entry.id)
            bindings.append(entry.at)
            bindings.append(entry.kind)
            bindings.append(entry.requestor)
            bindings.append(entry.partner)
            bindings.append(entry.gtin)
            bindings.append(entry.lot)
            bindings.append(entry.serial)
            bindings.append(entry.expiry)
            bindings.append(entry.correlationID)
            bindings.append(Int64(entry.status))
            bindings.append(entry.verified.map { Int64($0 ? 1 : 0) })
            bindings.append(entry.failureReason)
            bindings.append(entry.additionalInfo)
            bindings.append(entry.problem)
            bindings.append(entry.attestations)
            bindings.append(entry.target)
            bindings.append(entry.remote)
            bindings.append(entry.latencyMicroseconds)
            rows.append("(" + (first + 1...bindings.count).map { "$\($0)" }.joined(separator: ", ") + ")")
        }
        let query = PostgresQuery(
            unsafeSQL: "INSERT INTO verification_log (\(VerificationSQL.logColumns)) VALUES \(rows.joined(separator: ", "))", binds: bindings)
        do { _ = try await client.query(query, logger: logger) } catch {
            throw StoreError(.failed, "cannot write \(entries.count) verification log entries", cause: StoreError.Detail(error))
        }
    }

    public func verificationLog(_ filter: VerificationLogFilter) async throws -> [VerificationLogEntry] {
        var bindings = PostgresBindings()
        let condition = VerificationSQL.logCondition(
            filter,
            text: {
                bindings.append($0)
                return "$\(bindings.count)"
            },
            number: {
                bindings.append($0)
                return "$\(bindings.count)"
            })
        let sql = "SELECT \(VerificationSQL.logColumns) FROM verification_log WHERE \(condition) ORDER BY at DESC, entry_id LIMIT \(filter.limit)"
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await transaction("read the verification log") { connection in
            var result: [VerificationLogEntry] = []
            for try await row in try await connection.query(query, logger: self.logger) {
                let columns = row.makeRandomAccess()
                func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T {
                    do { return try columns[name].decode(T.self) } catch {
                        throw StoreError(.corrupt, "a verification log entry's \(name) cannot be read", cause: StoreError.Detail(error))
                    }
                }
                let status: Int64 = try value("status")
                result.append(
                    VerificationLogEntry(
                        id: try value("entry_id"), at: try value("at"), kind: try value("kind"), requestor: try value("requestor"),
                        partner: try value("partner"), gtin: try value("gtin"), lot: try value("lot"), serial: try value("serial"),
                        expiry: try value("expiry"), correlationID: try value("corr_uuid"), status: Int(status),
                        verified: try StoredForms.flag(try value("verified"), "verified"), failureReason: try value("failure_reason"),
                        additionalInfo: try value("additional_info"), problem: try value("problem"), attestations: try value("attestations"),
                        target: try value("target"), remote: try value("remote"), latencyMicroseconds: try value("latency_us")))
            }
            return result
        }
    }

    public func quarantines(includeClosed: Bool) async throws -> [QuarantineRow] {
        try await transaction("read the quarantines") { connection in
            try await self.quarantineRows(connection, includeClosed ? "" : " AND c.closed_at IS NULL", PostgresBindings())
        }
    }

    public func closeQuarantine(recordID: String, position: Int, reason: String, by operator: String, at milliseconds: Int64) async throws
        -> QuarantineRow
    {
        try await transaction("close quarantine \(recordID)#\(position)") { connection in
            var bindings = PostgresBindings()
            bindings.append(recordID)
            bindings.append(Int64(position))
            guard var row = try await self.quarantineRows(connection, " AND s.record_id = $1 AND s.position = $2", bindings).first else {
                throw StoreError(.failed, "there is no quarantine \(recordID)#\(position); `quarantine list` shows the open ones")
            }
            if let closedAt = row.closedAt {
                throw StoreError(.failed, "quarantine \(recordID)#\(position) was closed already at \(closedAt) by \(row.closedBy ?? "?")")
            }
            _ = try await connection.query(
                """
                INSERT INTO quarantine_closures (record_id, position, closed_at, reason, closed_by)
                VALUES (\(recordID), \(Int64(position)), \(milliseconds), \(reason), \(`operator`))
                """, logger: self.logger)
            row.closedAt = milliseconds
            row.closeReason = reason
            row.closedBy = `operator`
            return row
        }
    }

    private func quarantineRows(_ connection: PostgresConnection, _ condition: String, _ bindings: PostgresBindings) async throws -> [QuarantineRow] {
        // Two operators closing the same quarantine at once: the closures' primary key refuses
        // the second.
        let sql = VerificationSQL.quarantineSelect + condition + " ORDER BY s.utc, s.record_id, s.position"
        var result: [QuarantineRow] = []
        do {
            for try await (record, position, status, gtin, lot, serial, utc, reason, closedAt, closeReason, closedBy) in try await connection.query(
                PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger
            ).decode((String, Int64, String, String, String?, String?, String, String?, Int64?, String?, String?).self) {
                result.append(
                    QuarantineRow(
                        recordID: record, position: Int(position), status: status, gtin: gtin, lot: lot, serial: serial, utc: utc, reason: reason,
                        closedAt: closedAt, closeReason: closeReason, closedBy: closedBy))
            }
        } catch let error as PostgresDecodingError {
            throw StoreError(.corrupt, "a quarantine cannot be read", cause: StoreError.Detail(error))
        }
        return result
    }
}
