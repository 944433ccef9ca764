internal import EPCIS
internal import Foundation
internal import GRDB
public import Outbox

extension SQLiteStore {
    /// Runs `body` on the pool; database failures become ``StoreError`` naming what was being done.
    private func storeCall<T: Sendable>(_ what: String, _ body: (DatabasePool) async throws -> T) async throws -> T {
        do {
            return try await body(pool)
        } catch let error as DeliveryExists {
            throw error
        } catch let error as PayloadCorrupt {
            throw error
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.failed, "could not \(what)", cause: StoreError.Detail(error))
        }
    }

    public func enqueue(_ delivery: NewDelivery, at now: Int64) async throws -> DeliveryRow {
        try await storeCall("queue delivery \(delivery.id)") { pool in
            try await pool.write { db in
                if let shipment = delivery.shipment,
                    let existing = try Row.fetchOne(db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE partner = ? AND shipment = ?", arguments: [delivery.partner, shipment])
                {
                    throw DeliveryExists(existing: try Self.deliveryRow(existing))
                }
                var reader = try PayloadReader(path: delivery.payload)
                var sequence = 0
                while let data = try reader.next() {
                    try db.execute(sql: "INSERT INTO delivery_payload (delivery_id, seq, data) VALUES (?, ?, ?)", arguments: [delivery.id, sequence, data])
                    sequence += 1
                }
                let (bytes, digest) = (reader.bytes, reader.finish())
                let snapshot = DeliverySnapshot.new(at: now)
                try db.execute(
                    sql: """
                        INSERT INTO deliveries (\(QueueSQL.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, NULL, NULL, NULL, NULL, NULL, NULL, ?)
                        """,
                    arguments: [
                        delivery.id, delivery.partner, delivery.shipment, delivery.transport, delivery.documentID, delivery.contentType, bytes, digest,
                        QueueSQL.encode(delivery.metadata), snapshot.state.rawValue, now, now, now,
                    ])
                return try Self.deliveryRow(try Row.fetchOne(db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE id = ?", arguments: [delivery.id])!)
            }
        }
    }

    public func claim(owner: String, now: Int64, leaseUntil: Int64, limit: Int, transition: @Sendable (DeliverySnapshot) -> DeliverySnapshot?) async throws
        -> [DeliveryRow]
    {
        try await storeCall("claim deliveries") { pool in
            try await pool.write { db in
                // One writer at a time: the select and the updates below cannot interleave with
                // another process's claim.
                let rows = try Row.fetchAll(
                    db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE \(QueueSQL.dueCondition(now: "?")) ORDER BY due_at, id LIMIT ?",
                    arguments: [now, now, now, limit])
                var claimed: [DeliveryRow] = []
                for row in rows {
                    let delivery = try Self.deliveryRow(row)
                    guard let next = transition(delivery.snapshot) else { continue }
                    try Self.write(db, id: delivery.id, snapshot: next, lease: (owner, leaseUntil), now: now)
                    claimed.append(delivery.claimed(next, owner: owner, until: leaseUntil, now: now))
                }
                return claimed
            }
        }
    }

    public func update(_ id: String, version: Int64, to snapshot: DeliverySnapshot, attempt: AttemptRow?, action: ActionRow?, now: Int64) async throws -> Bool {
        try await storeCall("update delivery \(id)") { pool in
            try await pool.write { db in
                let current = try Int64.fetchOne(db, sql: "SELECT version FROM deliveries WHERE id = ?", arguments: [id])
                guard current == version else { return false }
                try Self.write(db, id: id, snapshot: snapshot, lease: nil, now: now)
                if let attempt {
                    try db.execute(
                        sql: "INSERT INTO delivery_attempts (delivery_id, kind, started_at, finished_at, outcome, detail, owner) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [attempt.deliveryID, attempt.kind, attempt.startedAt, attempt.finishedAt, attempt.outcome, attempt.detail, attempt.owner])
                }
                if let action {
                    try db.execute(
                        sql: "INSERT INTO delivery_actions (delivery_id, at, action, reason, actor, from_state, to_state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [action.deliveryID, action.at, action.action, action.reason, action.actor, action.fromState, action.toState])
                }
                return true
            }
        }
    }

    public func spool(_ id: String, to path: String) async throws {
        try await storeCall("read the bytes of delivery \(id)") { pool in
            try await pool.read { db in
                guard let expected = try String.fetchOne(db, sql: "SELECT sha256 FROM deliveries WHERE id = ?", arguments: [id]) else {
                    throw StoreError(.failed, "there is no delivery \(id)")
                }
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                guard let handle = FileHandle(forWritingAtPath: path) else { throw StoreError(.failed, "cannot write \(path) to send delivery \(id)") }
                defer { try? handle.close() }
                let digest = Digest.SHA256Stream()
                let cursor = try Data.fetchCursor(db, sql: "SELECT data FROM delivery_payload WHERE delivery_id = ? ORDER BY seq", arguments: [id])
                while let data = try cursor.next() {
                    data.withUnsafeBytes { digest.update($0) }
                    try handle.write(contentsOf: data)
                }
                let found = digest.finish()
                guard found == expected else { throw PayloadCorrupt(deliveryID: id, expected: expected, found: found) }
            }
        }
    }

    public func delivery(_ id: String) async throws -> DeliveryRow? {
        try await storeCall("read delivery \(id)") { pool in
            try await pool.read { db in
                try Row.fetchOne(db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE id = ?", arguments: [id]).map(Self.deliveryRow)
            }
        }
    }

    public func deliveries(states: [DeliveryState]?, partner: String?, limit: Int) async throws -> [DeliveryRow] {
        try await storeCall("list deliveries") { pool in
            try await pool.read { db in
                var conditions: [String] = []
                var arguments: [any DatabaseValueConvertible] = []
                if let states {
                    conditions.append("state IN (\(states.map { _ in "?" }.joined(separator: ", ")))")
                    arguments += states.map(\.rawValue)
                }
                if let partner {
                    conditions.append("partner = ?")
                    arguments.append(partner)
                }
                let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
                return try Row.fetchAll(
                    db, sql: "SELECT \(QueueSQL.columns) FROM deliveries \(filter) ORDER BY queued_at DESC, id LIMIT ?",
                    arguments: StatementArguments(arguments + [limit])
                ).map(Self.deliveryRow)
            }
        }
    }

    public func attempts(_ id: String) async throws -> [AttemptRow] {
        try await storeCall("read the attempts of \(id)") { pool in
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT kind, started_at, finished_at, outcome, detail, owner FROM delivery_attempts WHERE delivery_id = ? ORDER BY started_at, rowid",
                    arguments: [id]
                ).map { AttemptRow(deliveryID: id, kind: $0[0], startedAt: $0[1], finishedAt: $0[2], outcome: $0[3], detail: $0[4], owner: $0[5]) }
            }
        }
    }

    public func actions(_ id: String) async throws -> [ActionRow] {
        try await storeCall("read the actions on \(id)") { pool in
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT at, action, reason, actor, from_state, to_state FROM delivery_actions WHERE delivery_id = ? ORDER BY at, rowid", arguments: [id]
                ).map { ActionRow(deliveryID: id, at: $0[0], action: $0[1], reason: $0[2], actor: $0[3], fromState: $0[4], toState: $0[5]) }
            }
        }
    }

    public func queueCounts() async throws -> [DeliveryState: Int] {
        try await storeCall("count deliveries") { pool in
            try await pool.read { db in
                var counts: [DeliveryState: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM deliveries GROUP BY state") {
                    if let state = DeliveryState(rawValue: row[0]) { counts[state] = row[1] }
                }
                return counts
            }
        }
    }

    private static func write(_ db: Database, id: String, snapshot: DeliverySnapshot, lease: (String, Int64)?, now: Int64) throws {
        try db.execute(
            sql: """
                UPDATE deliveries SET state = ?, version = version + 1, attempts = ?, queued_at = ?, due_at = ?, ack_deadline = ?, ack_reference = ?,
                  acknowledged_at = ?, last_error = ?, lease_owner = ?, lease_until = ?, updated_at = ? WHERE id = ?
                """,
            arguments: [
                snapshot.state.rawValue, snapshot.attempts, snapshot.queuedAt, snapshot.dueAt, snapshot.acknowledgementDeadline, snapshot.acknowledgementReference,
                snapshot.acknowledgedAt, snapshot.lastError, lease?.0, lease?.1, now, id,
            ])
    }

    private static func deliveryRow(_ row: Row) throws -> DeliveryRow {
        guard let state = DeliveryState(rawValue: row["state"]) else {
            throw StoreError(.corrupt, "delivery \(row["id"] as String) has the unknown state '\(row["state"] as String)'")
        }
        return DeliveryRow(
            id: row["id"], partner: row["partner"], shipment: row["shipment"], transport: row["transport"], documentID: row["document_id"],
            contentType: row["content_type"], byteCount: row["byte_count"], sha256: row["sha256"], metadata: QueueSQL.decode(row["metadata"]),
            snapshot: DeliverySnapshot(
                state: state, attempts: row["attempts"], queuedAt: row["queued_at"], dueAt: row["due_at"], acknowledgementDeadline: row["ack_deadline"],
                acknowledgementReference: row["ack_reference"], acknowledgedAt: row["acknowledged_at"], lastError: row["last_error"]),
            version: row["version"], leaseOwner: row["lease_owner"], leaseUntil: row["lease_until"], updatedAt: row["updated_at"])
    }
}
