internal import Foundation
internal import GatewayCore
internal import NIOCore
public import Outbox
internal import PostgresNIO

extension PostgresStore {
    /// Runs `body` in one transaction; failures become ``StoreError`` naming what was being done.
    func transaction<T: Sendable>(_ what: String, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch {
            var error: any Error = error
            if let transaction = error as? PostgresTransactionError, let inner = transaction.closureError ?? transaction.commitError { error = inner }
            switch error {
            case let error as DeliveryExists: throw error
            case let error as PayloadCorrupt: throw error
            case let error as StoreError: throw error
            default: throw StoreError(.failed, "could not \(what)", cause: StoreError.Detail(error))
            }
        }
    }

    public func enqueue(_ delivery: NewDelivery, at now: Int64) async throws -> DeliveryRow {
        try await transaction("queue delivery \(delivery.id)") { connection in
            // Two processes queueing the same shipment: the second waits here, then sees the first.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\(delivery.partner + "\u{1F}" + (delivery.shipment ?? delivery.id))))", logger: self.logger)
            if let shipment = delivery.shipment,
                let existing = try await self.rows(
                    connection, "SELECT \(QueueSQL.columns) FROM deliveries WHERE partner = $1 AND shipment = $2", [delivery.partner, shipment]
                ).first
            {
                throw DeliveryExists(existing: existing)
            }
            return try await self.insert(connection, delivery, now: now)
        }
    }

    private func insert(_ connection: PostgresConnection, _ delivery: NewDelivery, now: Int64) async throws -> DeliveryRow {
        // Chunks are read one at a time and sent one statement each: bounded memory.
        // File reads go to the blocking pool; this task stays on the cooperative one.
        let reader = try PayloadReader(path: delivery.payload)
        var sequence = 0
        while let data = try await reader.nextOffThePool() {
            try await connection.query(
                "INSERT INTO delivery_payload (delivery_id, seq, data) VALUES (\(delivery.id), \(sequence), \(ByteBuffer(bytes: data)))",
                logger: logger)
            sequence += 1
        }
        let (total, digest) = (reader.bytes, reader.finish())
        let snapshot = DeliverySnapshot.new(at: now)
        try await connection.query(
            """
            INSERT INTO deliveries (\(unescaped: QueueSQL.columns)) VALUES (\(delivery.id), \(delivery.partner), \(delivery.shipment), \(delivery.transport),
              \(delivery.documentID), \(delivery.contentType), \(total), \(digest), \(QueueSQL.encode(delivery.metadata)), \(snapshot.state.rawValue),
              1, 0, \(now), \(now), NULL, NULL, NULL, NULL, NULL, NULL, \(now))
            """, logger: logger)
        guard let row = try await rows(connection, "SELECT \(QueueSQL.columns) FROM deliveries WHERE id = $1", [delivery.id]).first else {
            throw StoreError(.failed, "delivery \(delivery.id) vanished while it was queued")
        }
        return row
    }

    public func claim(
        owner: String, now: Int64, leaseUntil: Int64, limit: Int, polls: Int, transition: @Sendable (DeliverySnapshot) -> DeliverySnapshot?
    )
        async throws -> [DeliveryRow]
    {
        try await transaction("claim deliveries") { connection in
            // SKIP LOCKED: rows another process is claiming right now are left to it. Polls
            // first: they are small and must not wait behind sends.
            var due = try await self.rows(
                connection,
                "SELECT \(QueueSQL.columns) FROM deliveries WHERE \(QueueSQL.duePoll(now: "$1")) ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
                [now, Int64(polls)])
            if due.count < limit {
                due += try await self.rows(
                    connection,
                    "SELECT \(QueueSQL.columns) FROM deliveries WHERE \(QueueSQL.dueSend(now: "$1")) ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
                    [now, Int64(limit - due.count)])
            }
            var claimed: [DeliveryRow] = []
            for delivery in due {
                guard let next = transition(delivery.snapshot) else { continue }
                try await self.write(connection, id: delivery.id, snapshot: next, lease: (owner, leaseUntil), now: now)
                // No live claim held it, so whatever attempt is unfinished died with its process.
                try await connection.query(
                    """
                    UPDATE delivery_attempts SET outcome = \(AttemptRow.interrupted), detail = \(QueueSQL.interruptedDetail)
                      WHERE delivery_id = \(delivery.id) AND finished_at IS NULL
                    """, logger: self.logger)
                claimed.append(delivery.claimed(next, owner: owner, until: leaseUntil, now: now))
            }
            return claimed
        }
    }

    public func startAttempt(_ attempt: AttemptRow, version: Int64) async throws -> Bool {
        try await transaction("record the start of an attempt on \(attempt.deliveryID)") { connection in
            guard try await self.version(connection, attempt.deliveryID) == version else { return false }
            try await self.insert(connection, attempt)
            return true
        }
    }

    public func update(_ id: String, version: Int64, to snapshot: DeliverySnapshot, attempt: AttemptRow?, action: ActionRow?, now: Int64) async throws
        -> Bool
    {
        try await transaction("update delivery \(id)") { connection in
            if let attempt {
                let finished = try await connection.query(
                    """
                    UPDATE delivery_attempts SET finished_at = \(attempt.finishedAt), outcome = \(attempt.outcome), detail = \(attempt.detail)
                      WHERE attempt_id = \(attempt.id) RETURNING 1
                    """, logger: self.logger)
                var found = false
                for try await _ in finished { found = true }
                if !found { try await self.insert(connection, attempt) }
            }
            guard try await self.version(connection, id) == version else { return false }
            try await self.write(connection, id: id, snapshot: snapshot, lease: nil, now: now)
            if let action {
                try await connection.query(
                    """
                    INSERT INTO delivery_actions (delivery_id, at, action, reason, actor, from_state, to_state) VALUES (\(action.deliveryID), \(action.at),
                      \(action.action), \(action.reason), \(action.actor), \(action.fromState), \(action.toState))
                    """, logger: self.logger)
            }
            return true
        }
    }

    /// The delivery's version, its row locked until the transaction ends.
    private func version(_ connection: PostgresConnection, _ id: String) async throws -> Int64? {
        var current: Int64?
        for try await value in try await connection.query("SELECT version FROM deliveries WHERE id = \(id) FOR UPDATE", logger: logger).decode(
            Int64.self)
        {
            current = value
        }
        return current
    }

    private func insert(_ connection: PostgresConnection, _ attempt: AttemptRow) async throws {
        try await connection.query(
            """
            INSERT INTO delivery_attempts (delivery_id, attempt_id, kind, started_at, finished_at, outcome, detail, owner) VALUES (\(attempt.deliveryID),
              \(attempt.id), \(attempt.kind), \(attempt.startedAt), \(attempt.finishedAt), \(attempt.outcome), \(attempt.detail), \(attempt.owner))
            """, logger: logger)
    }

    public func spool(_ id: String, to path: String) async throws {
        try await transaction("read the bytes of delivery \(id)") { connection in
            var expected: String?
            for try await value in try await connection.query("SELECT sha256 FROM deliveries WHERE id = \(id)", logger: self.logger).decode(
                String.self)
            {
                expected = value
            }
            guard let expected else { throw StoreError(.failed, "there is no delivery \(id)") }
            let handle: FileHandle
            do { handle = try PrivateFile.create(path) } catch {
                throw StoreError(.failed, "cannot write \(path) to send delivery \(id)", cause: error as? PrivateFileError)
            }
            defer { try? handle.close() }
            let digest = Digest.SHA256Stream()
            // Rows stream with back-pressure, one chunk at a time.
            let chunks = try await connection.query("SELECT data FROM delivery_payload WHERE delivery_id = \(id) ORDER BY seq", logger: self.logger)
            for try await buffer in chunks.decode(ByteBuffer.self) {
                buffer.withUnsafeReadableBytes { digest.update($0) }
                // File writes go to the blocking pool; this task stays on the cooperative one.
                let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
                try await BlockingPool.run { try handle.write(contentsOf: bytes) }
            }
            let found = digest.finish()
            guard found == expected else { throw PayloadCorrupt(deliveryID: id, expected: expected, found: found) }
        }
    }

    public func delivery(_ id: String) async throws -> DeliveryRow? {
        try await transaction("read delivery \(id)") { connection in
            try await self.rows(connection, "SELECT \(QueueSQL.columns) FROM deliveries WHERE id = $1", [id]).first
        }
    }

    public func deliveries(states: [DeliveryState]?, partner: String?, limit: Int) async throws -> [DeliveryRow] {
        try await transaction("list deliveries") { connection in
            try await self.rows(
                connection,
                "SELECT \(QueueSQL.columns) FROM deliveries WHERE state = ANY($1) AND ($2 = '' OR partner = $2) ORDER BY queued_at DESC, id LIMIT $3",
                [(states ?? DeliveryState.allCases).map(\.rawValue), partner ?? "", Int64(limit)])
        }
    }

    public func attempts(_ id: String) async throws -> [AttemptRow] {
        try await transaction("read the attempts of \(id)") { connection in
            var result: [AttemptRow] = []
            let rows = try await connection.query(
                "SELECT \(unescaped: QueueSQL.attemptColumns) FROM delivery_attempts WHERE delivery_id = \(id) ORDER BY started_at, n",
                logger: self.logger)
            do {
                for try await (attempt, kind, started, finished, outcome, detail, owner) in rows.decode(
                    (String, String, Int64, Int64?, String, String, String).self)
                {
                    result.append(
                        AttemptRow(
                            id: attempt, deliveryID: id, kind: kind, startedAt: started, finishedAt: finished, outcome: outcome, detail: detail,
                            owner: owner))
                }
            } catch let error as PostgresDecodingError {
                throw StoreError(.corrupt, "an attempt on delivery \(id) cannot be read", cause: StoreError.Detail(error))
            }
            return result
        }
    }

    public func actions(_ id: String) async throws -> [ActionRow] {
        try await transaction("read the actions on \(id)") { connection in
            var result: [ActionRow] = []
            let rows = try await connection.query(
                "SELECT at, action, reason, actor, from_state, to_state FROM delivery_actions WHERE delivery_id = \(id) ORDER BY at, n",
                logger: self.logger)
            for try await (at, action, reason, actor, from, to) in rows.decode((Int64, String, String, String, String, String).self) {
                result.append(ActionRow(deliveryID: id, at: at, action: action, reason: reason, actor: actor, fromState: from, toState: to))
            }
            return result
        }
    }

    public func queueCounts() async throws -> [DeliveryState: Int] {
        try await transaction("count deliveries") { connection in
            var counts: [DeliveryState: Int] = [:]
            for try await (state, count) in try await connection.query("SELECT state, count(*) FROM deliveries GROUP BY state", logger: self.logger)
                .decode((String, Int64).self)
            {
                counts[try QueueSQL.state(state, delivery: "(one or more)")] = Int(count)
            }
            return counts
        }
    }

    private func write(_ connection: PostgresConnection, id: String, snapshot: DeliverySnapshot, lease: (String, Int64)?, now: Int64) async throws {
        try await connection.query(
            """
            UPDATE deliveries SET state = \(snapshot.state.rawValue), version = version + 1, attempts = \(snapshot.attempts), queued_at = \(snapshot.queuedAt),
              due_at = \(snapshot.dueAt), ack_deadline = \(snapshot.acknowledgementDeadline), ack_reference = \(snapshot.acknowledgementReference),
              acknowledged_at = \(snapshot.acknowledgedAt), last_error = \(snapshot.lastError), lease_owner = \(lease?.0), lease_until = \(lease?.1),
              updated_at = \(now) WHERE id = \(id)
            """, logger: logger)
    }

    /// Delivery rows of a query whose binds are `$1`, `$2`, … in order.
    public func recordMDN(_ mdn: MDNRow) async throws {
        try await transaction("keep the MDN for \(mdn.messageID)") { connection in
            _ = try await connection.query(
                """
                INSERT INTO as2_mdns (\(unescaped: QueueSQL.mdnColumns)) VALUES (\(mdn.id), \(mdn.messageID), \(mdn.deliveryID), \(mdn.partner),
                  \(mdn.channel), \(mdn.receivedAt), \(mdn.headers), \(ByteBuffer(bytes: mdn.body)))
                """, logger: self.logger)
        }
    }

    public func mdns(messageID: String) async throws -> [MDNRow] {
        try await mdnRows("the MDNs for \(messageID)", "message_id", messageID)
    }

    public func mdns(delivery: String) async throws -> [MDNRow] {
        try await mdnRows("the MDNs of delivery \(delivery)", "delivery_id", delivery)
    }

    private func mdnRows(_ what: String, _ column: String, _ key: String) async throws -> [MDNRow] {
        try await transaction("read \(what)") { connection in
            var result: [MDNRow] = []
            let rows = try await connection.query(
                "SELECT \(unescaped: QueueSQL.mdnColumns) FROM as2_mdns WHERE \(unescaped: column) = \(key) ORDER BY received_at, mdn_id",
                logger: self.logger)
            do {
                for try await (id, message, delivery, partner, channel, received, headers, body) in rows.decode(
                    (String, String, String?, String?, String, Int64, String, ByteBuffer).self)
                {
                    result.append(
                        MDNRow(
                            id: id, messageID: message, deliveryID: delivery, partner: partner, channel: channel, receivedAt: received,
                            headers: headers,
                            body: Array(buffer: body)))
                }
            } catch let error as PostgresDecodingError {
                throw StoreError(.corrupt, "\(what) cannot be read", cause: StoreError.Detail(error))
            }
            return result
        }
    }

    public func delivery(reference: String) async throws -> DeliveryRow? {
        try await transaction("find the delivery of \(reference)") { connection in
            try await self.rows(
                connection, "SELECT \(QueueSQL.columns) FROM deliveries WHERE ack_reference = $1 ORDER BY queued_at DESC LIMIT 1", [reference]
            ).first
        }
    }

    func rows(_ connection: PostgresConnection, _ sql: String, _ binds: [any PostgresEncodable & Sendable]) async throws -> [DeliveryRow] {
        var bindings = PostgresBindings()
        for bind in binds { try bindings.append(bind) }
        var result: [DeliveryRow] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            let columns = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T {
                do { return try columns[name].decode(T.self) } catch {
                    throw StoreError(.corrupt, "a delivery's \(name) cannot be read", cause: StoreError.Detail(error))
                }
            }
            let id: String = try value("id")
            result.append(
                DeliveryRow(
                    id: id, partner: try value("partner"), shipment: try value("shipment"), transport: try value("transport"),
                    documentID: try value("document_id"), contentType: try value("content_type"), byteCount: try value("byte_count"),
                    sha256: try value("sha256"), metadata: try QueueSQL.decode(try value("metadata"), delivery: id),
                    snapshot: DeliverySnapshot(
                        state: try QueueSQL.state(try value("state"), delivery: id), attempts: Int(try value("attempts", Int32.self)),
                        queuedAt: try value("queued_at"), dueAt: try value("due_at"), acknowledgementDeadline: try value("ack_deadline"),
                        acknowledgementReference: try value("ack_reference"), acknowledgedAt: try value("acknowledged_at"),
                        lastError: try value("last_error")),
                    version: try value("version"), leaseOwner: try value("lease_owner"), leaseUntil: try value("lease_until"),
                    updatedAt: try value("updated_at")))
        }
        return result
    }
}
