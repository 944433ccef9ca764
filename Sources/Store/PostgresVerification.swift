internal import Foundation
internal import NIOCore
internal import PostgresNIO
internal import Records

extension PostgresStore {
    public func verificationLookup(gtin: String, serial: String, lot: String) async throws -> VerificationLookup {
        let known = try await product(gtin: gtin) != nil
        let unit = try await unit(UnitKey(gtinColumn: gtin, serialColumn: serial))
        var printed: String?
        if let unit {
            for try await (expiry, ) in try await rows("SELECT expiry FROM events WHERE record_id = $1", [unit.commissionRecord]).decode(
                (String?,).self)
            {
                printed = expiry
            }
        }
        let statuses = try await transaction("read the statuses of GTIN \(gtin) serial \(serial)") { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: VerificationSQL.statusColumns) FROM statuses WHERE gtin = \(gtin) AND serial = \(serial)
                UNION ALL SELECT \(unescaped: VerificationSQL.statusColumns) FROM statuses
                  WHERE gtin = \(gtin) AND serial IS NULL AND (lot IS NULL OR lot = \(unit?.lot ?? lot))
                ORDER BY utc, record_id
                """, logger: self.logger)
            var result: [StoredStatus] = []
            do {
                for try await (id, status, time, offset, utc, lot, serial, newExpiry, reason) in rows.decode(
                    (String, String, String, String, String, String?, String?, String?, String?).self)
                {
                    result.append(
                        StoredStatus(
                            recordID: id, status: try StoredForms.status(status, record: id), time: FeedTime(text: time, offset: offset, utc: utc),
                            lot: lot, serial: serial, newExpiry: newExpiry, reason: reason))
                }
            } catch let error as PostgresDecodingError {
                throw StoreError(.corrupt, "a status row cannot be read", cause: StoreError.Detail(error))
            }
            return result
        }
        return VerificationLookup(productKnown: known, unit: unit, printedExpiry: printed, statuses: statuses)
    }

    public func recordVerifications(_ entries: [VerificationLogEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await transaction("write \(entries.count) verification log entries") { connection in
            for entry in entries {
                _ = try await connection.query(
                    """
                    INSERT INTO verification_log (\(unescaped: VerificationSQL.logColumns)) VALUES (\(entry.id), \(entry.at), \(entry.kind),
                      \(entry.requestor), \(entry.partner), \(entry.gtin), \(entry.lot), \(entry.serial), \(entry.expiry), \(entry.correlationID),
                      \(Int64(entry.status)), \(entry.verified.map { Int64($0 ? 1 : 0) }), \(entry.failureReason), \(entry.additionalInfo),
                      \(entry.problem), \(entry.attestations), \(entry.target), \(entry.remote), \(entry.latencyMicroseconds))
                    """, logger: self.logger)
            }
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
