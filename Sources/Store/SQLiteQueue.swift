internal import Foundation
internal import GRDB
internal import GatewayCore
public import Outbox

extension SQLiteStore {
    /// Runs `body` on the pool; database failures become ``StoreError`` naming what was being done.
    func storeCall<T: Sendable>(_ what: String, _ body: (DatabasePool) async throws -> T) async throws -> T {
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
                    let existing = try Row.fetchOne(
                        db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE partner = ? AND shipment = ?",
                        arguments: [delivery.partner, shipment])
                {
                    throw DeliveryExists(existing: try Self.deliveryRow(existing))
                }
                let reader = try PayloadReader(path: delivery.payload)
                var sequence = 0
                while let data = try reader.next() {
                    try db.execute(
                        sql: "INSERT INTO delivery_payload (delivery_id, seq, data) VALUES (?, ?, ?)", arguments: [delivery.id, sequence, data])
                    sequence += 1
                }
                let (bytes, digest) = (reader.bytes, reader.finish())
                let snapshot = DeliverySnapshot.new(at: now)
                try db.execute(
                    sql: """
                        INSERT INTO deliveries (\(QueueSQL.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, NULL, NULL, NULL, NULL, NULL, NULL, ?)
                        """,
                    arguments: [
                        delivery.id, delivery.partner, delivery.shipment, delivery.transport, delivery.documentID, delivery.contentType, bytes,
                        digest,
                        QueueSQL.encode(delivery.metadata), snapshot.state.rawValue, now, now, now,
                    ])
                return try Self.deliveryRow(
                    try Row.fetchOne(db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE id = ?", arguments: [delivery.id])!)
            }
        }
    }

    public func claim(
        owner: String, now: Int64, leaseUntil: Int64, limit: Int, polls: Int, transition: @Sendable (DeliverySnapshot) -> DeliverySnapshot?
    )
        async throws -> [DeliveryRow]
    {
        try await storeCall("claim deliveries") { pool in
            try await pool.write { db in
                // One writer at a time: the selects and the updates below cannot interleave with
                // another process's claim. Polls first: they are small and must not wait behind sends.
                var rows = try Row.fetchAll(
                    db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE \(QueueSQL.duePoll(now: "?")) ORDER BY due_at, id LIMIT ?",
                    arguments: [now, now, polls])
                if rows.count < limit {
                    rows += try Row.fetchAll(
                        db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE \(QueueSQL.dueSend(now: "?")) ORDER BY due_at, id LIMIT ?",
                        arguments: [now, now, now, limit - rows.count])
                }
                var claimed: [DeliveryRow] = []
                for row in rows {
                    let delivery = try Self.deliveryRow(row)
                    guard let next = transition(delivery.snapshot) else { continue }
                    try Self.write(db, id: delivery.id, snapshot: next, lease: (owner, leaseUntil), now: now)
                    // No live claim held it, so whatever attempt is unfinished died with its process.
                    try db.execute(
                        sql: "UPDATE delivery_attempts SET outcome = ?, detail = ? WHERE delivery_id = ? AND finished_at IS NULL",
                        arguments: [AttemptRow.interrupted, QueueSQL.interruptedDetail, delivery.id])
                    claimed.append(delivery.claimed(next, owner: owner, until: leaseUntil, now: now))
                }
                return claimed
            }
        }
    }

    public func startAttempt(_ attempt: AttemptRow, version: Int64) async throws -> Bool {
        try await storeCall("record the start of an attempt on \(attempt.deliveryID)") { pool in
            try await pool.write { db in
                guard try Int64.fetchOne(db, sql: "SELECT version FROM deliveries WHERE id = ?", arguments: [attempt.deliveryID]) == version else {
                    return false
                }
                try Self.insert(db, attempt)
                return true
            }
        }
    }

    public func update(_ id: String, version: Int64, to snapshot: DeliverySnapshot, attempt: AttemptRow?, action: ActionRow?, now: Int64) async throws
        -> Bool
    {
        try await storeCall("update delivery \(id)") { pool in
            try await pool.write { db in
                if let attempt {
                    try db.execute(
                        sql: "UPDATE delivery_attempts SET finished_at = ?, outcome = ?, detail = ? WHERE attempt_id = ?",
                        arguments: [attempt.finishedAt, attempt.outcome, attempt.detail, attempt.id])
                    if db.changesCount == 0 { try Self.insert(db, attempt) }
                }
                let current = try Int64.fetchOne(db, sql: "SELECT version FROM deliveries WHERE id = ?", arguments: [id])
                guard current == version else { return false }
                try Self.write(db, id: id, snapshot: snapshot, lease: nil, now: now)
                if let action {
                    try db.execute(
                        sql:
                            "INSERT INTO delivery_actions (delivery_id, at, action, reason, actor, from_state, to_state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [action.deliveryID, action.at, action.action, action.reason, action.actor, action.fromState, action.toState])
                }
                return true
            }
        }
    }

    private static func insert(_ db: Database, _ attempt: AttemptRow) throws {
        try db.execute(
            sql: "INSERT INTO delivery_attempts (delivery_id, \(QueueSQL.attemptColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                attempt.deliveryID, attempt.id, attempt.kind, attempt.startedAt, attempt.finishedAt, attempt.outcome, attempt.detail, attempt.owner,
            ])
    }

    public func spool(_ id: String, to path: String) async throws {
        try await storeCall("read the bytes of delivery \(id)") { pool in
            try await pool.read { db in
                guard let expected = try String.fetchOne(db, sql: "SELECT sha256 FROM deliveries WHERE id = ?", arguments: [id]) else {
                    throw StoreError(.failed, "there is no delivery \(id)")
                }
                let handle: FileHandle
                do { handle = try PrivateFile.create(path) } catch {
                    throw StoreError(.failed, "cannot write \(path) to send delivery \(id)", cause: error as? PrivateFileError)
                }
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
                    db, sql: "SELECT \(QueueSQL.attemptColumns) FROM delivery_attempts WHERE delivery_id = ? ORDER BY started_at, rowid",
                    arguments: [id]
                ).map { row in
                    try Self.decoded("an attempt on delivery \(id)", row) {
                        AttemptRow(
                            id: try $0.decode(atIndex: 0), deliveryID: id, kind: try $0.decode(atIndex: 1), startedAt: try $0.decode(atIndex: 2),
                            finishedAt: try $0.decode(atIndex: 3), outcome: try $0.decode(atIndex: 4), detail: try $0.decode(atIndex: 5),
                            owner: try $0.decode(atIndex: 6))
                    }
                }
            }
        }
    }

    public func actions(_ id: String) async throws -> [ActionRow] {
        try await storeCall("read the actions on \(id)") { pool in
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT at, action, reason, actor, from_state, to_state FROM delivery_actions WHERE delivery_id = ? ORDER BY at, rowid",
                    arguments: [id]
                ).map { row in
                    try Self.decoded("an action on delivery \(id)", row) {
                        ActionRow(
                            deliveryID: id, at: try $0.decode(atIndex: 0), action: try $0.decode(atIndex: 1), reason: try $0.decode(atIndex: 2),
                            actor: try $0.decode(atIndex: 3), fromState: try $0.decode(atIndex: 4), toState: try $0.decode(atIndex: 5))
                    }
                }
            }
        }
    }

    public func queueCounts() async throws -> [DeliveryState: Int] {
        try await storeCall("count deliveries") { pool in
            try await pool.read { db in
                var counts: [DeliveryState: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM deliveries GROUP BY state") {
                    let text: String = try Self.decoded("a delivery state", row) { try $0.decode(atIndex: 0) }
                    counts[try QueueSQL.state(text, delivery: "(one or more)")] = try row.decode(atIndex: 1)
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
                snapshot.state.rawValue, snapshot.attempts, snapshot.queuedAt, snapshot.dueAt, snapshot.acknowledgementDeadline,
                snapshot.acknowledgementReference,
                snapshot.acknowledgedAt, snapshot.lastError, lease?.0, lease?.1, now, id,
            ])
    }

    public func recordMDN(_ mdn: MDNRow) async throws {
        try await storeCall("keep the MDN for \(mdn.messageID)") { pool in
            try await pool.write { db in
                try db.execute(
                    sql: "INSERT INTO as2_mdns (\(QueueSQL.mdnColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [mdn.id, mdn.messageID, mdn.deliveryID, mdn.partner, mdn.channel, mdn.receivedAt, mdn.headers, Data(mdn.body)])
            }
        }
    }

    public func mdns(messageID: String) async throws -> [MDNRow] {
        try await mdnRows("the MDNs for \(messageID)", "message_id = ?", messageID)
    }

    public func mdns(delivery: String) async throws -> [MDNRow] {
        try await mdnRows("the MDNs of delivery \(delivery)", "delivery_id = ?", delivery)
    }

    private func mdnRows(_ what: String, _ condition: String, _ key: String) async throws -> [MDNRow] {
        try await storeCall("read \(what)") { pool in
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(QueueSQL.mdnColumns) FROM as2_mdns WHERE \(condition) ORDER BY received_at, rowid", arguments: [key]
                ).map { row in
                    try Self.decoded(what, row) {
                        MDNRow(
                            id: try $0.decode(atIndex: 0), messageID: try $0.decode(atIndex: 1), deliveryID: try $0.decode(atIndex: 2),
                            partner: try $0.decode(atIndex: 3), channel: try $0.decode(atIndex: 4), receivedAt: try $0.decode(atIndex: 5),
                            headers: try $0.decode(atIndex: 6), body: Array(try $0.decode(Data.self, atIndex: 7)))
                    }
                }
            }
        }
    }

    public func delivery(reference: String) async throws -> DeliveryRow? {
        try await storeCall("find the delivery of \(reference)") { pool in
            try await pool.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT \(QueueSQL.columns) FROM deliveries WHERE ack_reference = ? ORDER BY queued_at DESC", arguments: [reference]
                )
                .map(Self.deliveryRow)
            }
        }
    }

    /// Reads a row; a value of the wrong type is ``StoreError/Code/corrupt``, naming `what`.
    static func decoded<T>(_ what: String, _ row: Row, _ body: (Row) throws -> T) throws -> T {
        do { return try body(row) } catch let error as StoreError { throw error } catch {
            throw StoreError(.corrupt, "\(what) cannot be read: \(row.description.prefix(300))", cause: StoreError.Detail(error))
        }
    }

    static func deliveryRow(_ row: Row) throws -> DeliveryRow {
        try decoded("a delivery", row) { row in
            let id: String = try row.decode(forColumn: "id")
            return DeliveryRow(
                id: id, partner: try row.decode(forColumn: "partner"), shipment: try row.decode(forColumn: "shipment"),
                transport: try row.decode(forColumn: "transport"), documentID: try row.decode(forColumn: "document_id"),
                contentType: try row.decode(forColumn: "content_type"), byteCount: try row.decode(forColumn: "byte_count"),
                sha256: try row.decode(forColumn: "sha256"), metadata: try QueueSQL.decode(try row.decode(forColumn: "metadata"), delivery: id),
                snapshot: DeliverySnapshot(
                    state: try QueueSQL.state(try row.decode(forColumn: "state"), delivery: id), attempts: try row.decode(forColumn: "attempts"),
                    queuedAt: try row.decode(forColumn: "queued_at"), dueAt: try row.decode(forColumn: "due_at"),
                    acknowledgementDeadline: try row.decode(forColumn: "ack_deadline"),
                    acknowledgementReference: try row.decode(forColumn: "ack_reference"),
                    acknowledgedAt: try row.decode(forColumn: "acknowledged_at"), lastError: try row.decode(forColumn: "last_error")),
                version: try row.decode(forColumn: "version"), leaseOwner: try row.decode(forColumn: "lease_owner"),
                leaseUntil: try row.decode(forColumn: "lease_until"), updatedAt: try row.decode(forColumn: "updated_at"))
        }
    }
}
