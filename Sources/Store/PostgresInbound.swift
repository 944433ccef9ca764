internal import Foundation
internal import GatewayCore
internal import NIOCore
internal import PostgresNIO

extension PostgresStore {
    public func recordInbound(_ message: InboundMessageRow, raw: String, payload: String?) async throws -> (row: InboundMessageRow, duplicate: Bool) {
        try await transaction("keep AS2 message \(message.messageID) from \(message.partner)") { connection in
            // Two copies arriving at once: the second waits here, then sees the first.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\("as2\u{1F}" + message.partner + "\u{1F}" + message.messageID)))", logger: self.logger)
            if message.status == "processed",
                let existing = try await self.inboundRows(
                    connection, "partner = $1 AND message_id = $2 AND status = 'processed'", [message.partner, message.messageID], limit: 1
                ).first
            {
                return (existing, true)
            }
            var row = message
            (row.rawBytes, row.rawSHA256) = try await self.writeContent(connection, row.id, .raw, raw)
            if let payload { (row.payloadBytes, row.payloadSHA256) = try await self.writeContent(connection, row.id, .payload, payload) }
            let mdnBody = row.mdnBody.map { ByteBuffer(bytes: $0) }
            try await connection.query(
                """
                INSERT INTO as2_inbound (\(unescaped: InboundSQL.columns)) VALUES (\(row.id), \(row.partner), \(row.messageID), \(row.status),
                  \(row.receivedAt), \(row.disposition), \(row.reason), \(row.headers), \(row.fileName), \(row.contentType), \(row.signed ? 1 : 0 as Int64),
                  \(row.encrypted ? 1 : 0 as Int64), \(row.compressed ? 1 : 0 as Int64), \(row.mic), \(row.micAlgorithm), \(row.rawBytes), \(row.rawSHA256),
                  \(row.payloadBytes), \(row.payloadSHA256), \(row.valid.map { $0 ? 1 : 0 as Int64 }), \(row.validation), \(row.mdnChannel), \(row.mdnURL),
                  \(row.mdnHeaders), \(mdnBody))
                """, logger: self.logger)
            return (row, false)
        }
    }

    private func writeContent(_ connection: PostgresConnection, _ id: String, _ part: InboundPart, _ path: String) async throws -> (Int64, String) {
        let reader = try PayloadReader(path: path)
        var sequence = 0
        while let data = try await reader.nextOffThePool() {
            try await connection.query(
                "INSERT INTO as2_inbound_content (inbound_id, part, seq, data) VALUES (\(id), \(part.rawValue), \(sequence), \(ByteBuffer(bytes: data)))",
                logger: logger)
            sequence += 1
        }
        return (reader.bytes, reader.finish())
    }

    public func inboundMessage(partner: String, messageID: String) async throws -> InboundMessageRow? {
        try await transaction("read the AS2 message \(messageID) from \(partner)") { connection in
            try await self.inboundRows(connection, "partner = $1 AND message_id = $2 AND status = 'processed'", [partner, messageID], limit: 1).first
        }
    }

    public func inboundMessage(id: String) async throws -> InboundMessageRow? {
        try await transaction("read AS2 message \(id)") { connection in
            try await self.inboundRows(connection, "inbound_id = $1", [id], limit: 1).first
        }
    }

    public func inboundMessages(partner: String?, limit: Int) async throws -> [InboundMessageRow] {
        try await transaction("read the AS2 messages") { connection in
            try await self.inboundRows(connection, "($1 = '' OR partner = $1)", [partner ?? ""], limit: limit)
        }
    }

    public func inboundContent(_ id: String, part: InboundPart, to path: String) async throws {
        try await transaction("read the \(part.rawValue) content of AS2 message \(id)") { connection in
            guard let message = try await self.inboundRows(connection, "inbound_id = $1", [id], limit: 1).first else {
                throw StoreError(.failed, "there is no AS2 message \(id); `inbound list` shows them")
            }
            guard let expected = part == .raw ? message.rawSHA256 : message.payloadSHA256 else {
                throw StoreError(.failed, "AS2 message \(id) was refused, so no payload was kept; its raw message is")
            }
            let handle: FileHandle
            do { handle = try PrivateFile.create(path) } catch {
                throw StoreError(.failed, "cannot write \(path)", cause: error as? PrivateFileError)
            }
            defer { try? handle.close() }
            let digest = Digest.SHA256Stream()
            let chunks = try await connection.query(
                "SELECT data FROM as2_inbound_content WHERE inbound_id = \(id) AND part = \(part.rawValue) ORDER BY seq", logger: self.logger)
            for try await buffer in chunks.decode(ByteBuffer.self) {
                let data = Data(buffer.readableBytesView)
                data.withUnsafeBytes { digest.update($0) }
                try await BlockingPool.run { try handle.write(contentsOf: data) }
            }
            let found = digest.finish()
            guard found == expected else {
                throw StoreError(
                    .corrupt, "the stored \(part.rawValue) content of AS2 message \(id) has SHA-256 \(found), not \(expected); restore the database")
            }
        }
    }

    public func inboundMessages(partner: String, messageIDPrefix prefix: String, limit: Int) async throws -> [InboundMessageRow] {
        let (lower, upper) = InboundSQL.prefixRange(prefix)
        return try await transaction("read the \(prefix) messages from \(partner)") { connection in
            try await self.inboundRows(connection, "partner = $1 AND message_id >= $2 AND message_id < $3", [partner, lower, upper], limit: limit)
        }
    }

    public func inboundMessages(disposition: String, limit: Int) async throws -> [InboundMessageRow] {
        try await transaction("read the inbound messages that are \(disposition)") { connection in
            try await self.inboundRows(connection, "disposition = $1", [disposition], limit: limit, order: "ASC")
        }
    }

    public func settleInbound(_ id: String, disposition: String, valid: Bool, validation: String) async throws {
        try await transaction("record the verdict on inbound message \(id)") { connection in
            let rows = try await connection.query(
                "UPDATE as2_inbound SET disposition = \(disposition), valid = \(Int64(valid ? 1 : 0)), validation = \(validation) WHERE inbound_id = \(id) RETURNING inbound_id",
                logger: self.logger)
            var found = 0
            for try await _ in rows { found += 1 }
            guard found == 1 else { throw StoreError(.failed, "there is no inbound message \(id); `inbound list` shows them") }
        }
    }

    private func inboundRows(
        _ connection: PostgresConnection, _ condition: String, _ binds: [String], limit: Int, order: String = "DESC"
    ) async throws -> [InboundMessageRow] {
        var bindings = PostgresBindings()
        for bind in binds { bindings.append(bind) }
        var result: [InboundMessageRow] = []
        let sql = "SELECT \(InboundSQL.columns) FROM as2_inbound WHERE \(condition) ORDER BY received_at \(order), inbound_id LIMIT \(limit)"
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            let columns = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T {
                do { return try columns[name].decode(T.self) } catch {
                    throw StoreError(.corrupt, "an AS2 message's \(name) cannot be read", cause: StoreError.Detail(error))
                }
            }
            func flag(_ name: String) throws -> Bool {
                let number: Int64 = try value(name)
                guard number == 0 || number == 1 else { throw StoreError(.corrupt, "an AS2 message's \(name) is \(number), not 0 or 1") }
                return number == 1
            }
            let validity: Int64? = try value("valid")
            var message = InboundMessageRow(
                id: try value("inbound_id"), partner: try value("partner"), messageID: try value("message_id"),
                status: try InboundSQL.status(try value("status")), receivedAt: try value("received_at"), disposition: try value("disposition"),
                reason: try value("reason"), headers: try value("headers"), fileName: try value("file_name"), contentType: try value("content_type"),
                signed: try flag("signed"), encrypted: try flag("encrypted"), compressed: try flag("compressed"), mic: try value("mic"),
                micAlgorithm: try value("mic_algorithm"), valid: validity.map { $0 == 1 }, validation: try value("validation"),
                mdnChannel: try value("mdn_channel"), mdnURL: try value("mdn_url"), mdnHeaders: try value("mdn_headers"),
                mdnBody: (try value("mdn_body", ByteBuffer?.self)).map { Array(buffer: $0) })
            message.rawBytes = try value("raw_bytes")
            message.rawSHA256 = try value("raw_sha256")
            message.payloadBytes = try value("payload_bytes")
            message.payloadSHA256 = try value("payload_sha256")
            result.append(message)
        }
        return result
    }
}
