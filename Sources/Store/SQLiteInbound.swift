internal import Foundation
internal import GRDB
internal import GatewayCore

extension SQLiteStore {
    public func recordInbound(_ message: InboundMessageRow, raw: String, payload: String?) async throws -> (row: InboundMessageRow, duplicate: Bool) {
        try await storeCall("keep AS2 message \(message.messageID) from \(message.partner)") { pool in
            try await pool.write { db in
                if message.status == "processed",
                    let existing = try Row.fetchOne(
                        db, sql: "SELECT \(InboundSQL.columns) FROM as2_inbound WHERE partner = ? AND message_id = ? AND status = 'processed'",
                        arguments: [message.partner, message.messageID])
                {
                    return (try Self.inboundRow(existing), true)
                }
                var row = message
                (row.rawBytes, row.rawSHA256) = try Self.writeContent(db, row.id, .raw, raw)
                if let payload { (row.payloadBytes, row.payloadSHA256) = try Self.writeContent(db, row.id, .payload, payload) }
                let values: [(any DatabaseValueConvertible)?] = [
                    row.id, row.partner, row.messageID, row.status, row.receivedAt, row.disposition, row.reason, row.headers, row.fileName,
                    row.contentType, row.signed ? 1 : 0, row.encrypted ? 1 : 0, row.compressed ? 1 : 0, row.mic, row.micAlgorithm, row.rawBytes,
                    row.rawSHA256, row.payloadBytes, row.payloadSHA256, row.valid.map { $0 ? 1 : 0 }, row.validation, row.mdnChannel, row.mdnURL,
                    row.mdnHeaders, row.mdnBody.map { Data($0) },
                ]
                try db.execute(
                    sql: "INSERT INTO as2_inbound (\(InboundSQL.columns)) VALUES (\(InboundSQL.placeholders))", arguments: StatementArguments(values))
                return (row, false)
            }
        }
    }

    /// Writes a file as 1 MiB chunks; its size and SHA-256.
    private static func writeContent(_ db: Database, _ id: String, _ part: InboundPart, _ path: String) throws -> (Int64, String) {
        let reader = try PayloadReader(path: path)
        var sequence = 0
        while let data = try reader.next() {
            try db.execute(
                sql: "INSERT INTO as2_inbound_content (inbound_id, part, seq, data) VALUES (?, ?, ?, ?)",
                arguments: [id, part.rawValue, sequence, data])
            sequence += 1
        }
        return (reader.bytes, reader.finish())
    }

    public func inboundMessage(partner: String, messageID: String) async throws -> InboundMessageRow? {
        try await inboundRows(
            "the AS2 message \(messageID) from \(partner)", "partner = ? AND message_id = ? AND status = 'processed'", [partner, messageID], limit: 1
        ).first
    }

    public func inboundMessage(id: String) async throws -> InboundMessageRow? {
        try await inboundRows("AS2 message \(id)", "inbound_id = ?", [id], limit: 1).first
    }

    public func inboundMessages(partner: String?, limit: Int) async throws -> [InboundMessageRow] {
        if let partner { return try await inboundRows("the AS2 messages from \(partner)", "partner = ?", [partner], limit: limit) }
        return try await inboundRows("the AS2 messages", "1 = 1", [], limit: limit)
    }

    public func inboundMessages(partner: String, messageIDPrefix prefix: String, limit: Int) async throws -> [InboundMessageRow] {
        let (lower, upper) = InboundSQL.prefixRange(prefix)
        return try await inboundRows(
            "the \(prefix) messages from \(partner)", "partner = ? AND message_id >= ? AND message_id < ?", [partner, lower, upper], limit: limit)
    }

    public func inboundMessages(disposition: String, limit: Int) async throws -> [InboundMessageRow] {
        try await inboundRows("the inbound messages that are \(disposition)", "disposition = ?", [disposition], limit: limit, order: "ASC")
    }

    public func settleInbound(_ id: String, disposition: String, valid: Bool, validation: String) async throws {
        try await storeCall("record the verdict on inbound message \(id)") { pool in
            try await pool.write { db in
                try db.execute(
                    sql: "UPDATE as2_inbound SET disposition = ?, valid = ?, validation = ? WHERE inbound_id = ?",
                    arguments: [disposition, valid ? 1 : 0, validation, id])
                guard db.changesCount == 1 else { throw StoreError(.failed, "there is no inbound message \(id); `inbound list` shows them") }
            }
        }
    }

    private func inboundRows(_ what: String, _ condition: String, _ arguments: [String], limit: Int, order: String = "DESC") async throws
        -> [InboundMessageRow]
    {
        try await storeCall("read \(what)") { pool in
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT \(InboundSQL.columns) FROM as2_inbound WHERE \(condition) ORDER BY received_at \(order), inbound_id LIMIT \(limit)",
                    arguments: StatementArguments(arguments)
                ).map(Self.inboundRow)
            }
        }
    }

    public func inboundContent(_ id: String, part: InboundPart, to path: String) async throws {
        try await storeCall("read the \(part.rawValue) content of AS2 message \(id)") { pool in
            try await pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT \(InboundSQL.columns) FROM as2_inbound WHERE inbound_id = ?", arguments: [id])
                else {
                    throw StoreError(.failed, "there is no AS2 message \(id); `inbound list` shows them")
                }
                let message = try Self.inboundRow(row)
                guard let expected = part == .raw ? message.rawSHA256 : message.payloadSHA256 else {
                    throw StoreError(.failed, "AS2 message \(id) was refused, so no payload was kept; its raw message is")
                }
                let handle: FileHandle
                do { handle = try PrivateFile.create(path) } catch {
                    throw StoreError(.failed, "cannot write \(path)", cause: error as? PrivateFileError)
                }
                defer { try? handle.close() }
                let digest = Digest.SHA256Stream()
                let cursor = try Data.fetchCursor(
                    db, sql: "SELECT data FROM as2_inbound_content WHERE inbound_id = ? AND part = ? ORDER BY seq", arguments: [id, part.rawValue])
                while let data = try cursor.next() {
                    data.withUnsafeBytes { digest.update($0) }
                    try handle.write(contentsOf: data)
                }
                let found = digest.finish()
                guard found == expected else {
                    throw StoreError(
                        .corrupt,
                        "the stored \(part.rawValue) content of AS2 message \(id) has SHA-256 \(found), not \(expected); restore the database")
                }
            }
        }
    }

    static func inboundRow(_ row: Row) throws -> InboundMessageRow {
        try decoded("an AS2 message", row) { row in
            func flag(_ column: String) throws -> Bool {
                let value: Int64 = try row.decode(forColumn: column)
                guard value == 0 || value == 1 else { throw StoreError(.corrupt, "an AS2 message's \(column) is \(value), not 0 or 1") }
                return value == 1
            }
            let validity: Int64? = try row.decode(forColumn: "valid")
            var message = InboundMessageRow(
                id: try row.decode(forColumn: "inbound_id"), partner: try row.decode(forColumn: "partner"),
                messageID: try row.decode(forColumn: "message_id"),
                status: try InboundSQL.status(try row.decode(forColumn: "status")),
                receivedAt: try row.decode(forColumn: "received_at"), disposition: try row.decode(forColumn: "disposition"),
                reason: try row.decode(forColumn: "reason"), headers: try row.decode(forColumn: "headers"),
                fileName: try row.decode(forColumn: "file_name"),
                contentType: try row.decode(forColumn: "content_type"), signed: try flag("signed"), encrypted: try flag("encrypted"),
                compressed: try flag("compressed"), mic: try row.decode(forColumn: "mic"), micAlgorithm: try row.decode(forColumn: "mic_algorithm"),
                valid: validity.map { $0 == 1 }, validation: try row.decode(forColumn: "validation"),
                mdnChannel: try row.decode(forColumn: "mdn_channel"),
                mdnURL: try row.decode(forColumn: "mdn_url"), mdnHeaders: try row.decode(forColumn: "mdn_headers"),
                mdnBody: (try row.decode(forColumn: "mdn_body") as Data?).map { Array($0) })
            message.rawBytes = try row.decode(forColumn: "raw_bytes")
            message.rawSHA256 = try row.decode(forColumn: "raw_sha256")
            message.payloadBytes = try row.decode(forColumn: "payload_bytes")
            message.payloadSHA256 = try row.decode(forColumn: "payload_sha256")
            return message
        }
    }
}
