/// The store's schema, as numbered steps both engines apply in order, each once.
///
/// SQLite records the steps in GRDB's `grdb_migrations` table (``SQLiteStore``); PostgreSQL in
/// `gateway_migrations` (``PostgresStore``). A store made by the first release (which wrote only
/// `gateway_schema`) is taken up by step 1, whose statements are idempotent. A store that has a
/// step this binary does not know was upgraded by a newer binary, and is refused.
enum Migrations {
    /// One step: its number, a name for people, and its statements per engine.
    struct Step: Sendable {
        var version: Int
        var name: String
        var statements: @Sendable (Schema.Dialect) -> [String]

        /// The identifier GRDB records (`1-initial`, …).
        var identifier: String { "\(version)-\(name)" }
    }

    /// Every step, oldest first. Append only.
    static let steps: [Step] = [
        Step(version: 1, name: "initial") { dialect in
            Schema.version1(dialect) + ["INSERT INTO gateway_schema (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM gateway_schema)"]
        },
        Step(version: 2, name: "attempt-audit", statements: attemptAudit),
        Step(version: 3, name: "as2", statements: as2),
        Step(version: 4, name: "verification", statements: verification),
        Step(version: 5, name: "trace", statements: trace),
    ]

    /// The newest version this binary knows.
    static var latest: Int { steps.last?.version ?? 0 }

    /// Attempts get their own id and are written when they start (`finished_at` empty until they
    /// end), so a process killed mid-attempt leaves a trace that is shown as interrupted.
    @Sendable static func attemptAudit(_ dialect: Schema.Dialect) -> [String] {
        switch dialect {
        case .sqlite:
            // SQLite cannot drop NOT NULL in place: copy the table, in rowid (arrival) order.
            return [
                """
                CREATE TABLE delivery_attempts_v2 (delivery_id TEXT NOT NULL, attempt_id TEXT NOT NULL, kind TEXT NOT NULL,
                  started_at BIGINT NOT NULL, finished_at BIGINT, outcome TEXT NOT NULL, detail TEXT NOT NULL, owner TEXT NOT NULL)
                """,
                """
                INSERT INTO delivery_attempts_v2 (delivery_id, attempt_id, kind, started_at, finished_at, outcome, detail, owner)
                  SELECT delivery_id, 'migrated-' || rowid, kind, started_at, finished_at, outcome, detail, owner FROM delivery_attempts ORDER BY rowid
                """,
                "DROP TABLE delivery_attempts",
                "ALTER TABLE delivery_attempts_v2 RENAME TO delivery_attempts",
                "CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, started_at)",
                "CREATE UNIQUE INDEX delivery_attempts_id ON delivery_attempts (attempt_id)",
                "UPDATE gateway_schema SET version = 2",
            ]
        case .postgres:
            return [
                "ALTER TABLE delivery_attempts ADD COLUMN attempt_id TEXT COLLATE \"C\"",
                "UPDATE delivery_attempts SET attempt_id = 'migrated-' || n",
                "ALTER TABLE delivery_attempts ALTER COLUMN attempt_id SET NOT NULL",
                "ALTER TABLE delivery_attempts ALTER COLUMN finished_at DROP NOT NULL",
                "CREATE UNIQUE INDEX delivery_attempts_id ON delivery_attempts (attempt_id)",
                "UPDATE gateway_schema SET version = 2",
            ]
        }
    }

    /// AS2: MDNs as received (sync and async), the evidence behind every AS2 acknowledgement,
    /// looked up by the Message-ID they answer (deliveries awaiting an MDN are found by it too);
    /// and the messages partners send us, raw and opened, with the MDN we answered.
    @Sendable static func as2(_ dialect: Schema.Dialect) -> [String] {
        let text = dialect == .postgres ? "TEXT COLLATE \"C\"" : "TEXT"
        let bytes = dialect == .postgres ? "BYTEA" : "BLOB"
        return [
            """
            CREATE TABLE as2_mdns (mdn_id \(text) PRIMARY KEY, message_id \(text) NOT NULL, delivery_id \(text), partner \(text),
              channel \(text) NOT NULL, received_at BIGINT NOT NULL, headers TEXT NOT NULL, body \(bytes) NOT NULL)
            """,
            "CREATE INDEX as2_mdns_message ON as2_mdns (message_id, received_at)",
            "CREATE INDEX as2_mdns_delivery ON as2_mdns (delivery_id, received_at)",
            "CREATE INDEX deliveries_ack_reference ON deliveries (ack_reference)",
            // Messages partners sent us: what arrived, what came out, the verdict, the MDN we sent.
            """
            CREATE TABLE as2_inbound (inbound_id \(text) PRIMARY KEY, partner \(text) NOT NULL, message_id \(text) NOT NULL, status \(text) NOT NULL,
              received_at BIGINT NOT NULL, disposition TEXT NOT NULL, reason TEXT, headers TEXT NOT NULL, file_name TEXT, content_type TEXT,
              signed BIGINT NOT NULL, encrypted BIGINT NOT NULL, compressed BIGINT NOT NULL, mic TEXT, mic_algorithm TEXT NOT NULL,
              raw_bytes BIGINT NOT NULL, raw_sha256 TEXT NOT NULL, payload_bytes BIGINT, payload_sha256 TEXT, valid BIGINT, validation TEXT,
              mdn_channel \(text) NOT NULL, mdn_url TEXT, mdn_headers TEXT, mdn_body \(bytes))
            """,
            // One processed copy per partner and Message-ID: a duplicate gets the stored MDN again.
            "CREATE UNIQUE INDEX as2_inbound_processed ON as2_inbound (partner, message_id) WHERE status = 'processed'",
            "CREATE INDEX as2_inbound_received ON as2_inbound (received_at)",
            """
            CREATE TABLE as2_inbound_content (inbound_id \(text) NOT NULL, part \(text) NOT NULL, seq INTEGER NOT NULL, data \(bytes) NOT NULL,
              PRIMARY KEY (inbound_id, part, seq))
            """,
            "UPDATE gateway_schema SET version = 3",
        ]
    }

    /// Verification: statuses found by serial (the responder's lookup), the audit log of every
    /// query and answer, and the operators' closures of quarantines.
    @Sendable static func verification(_ dialect: Schema.Dialect) -> [String] {
        let text = dialect == .postgres ? "TEXT COLLATE \"C\"" : "TEXT"
        return [
            "CREATE INDEX statuses_serial ON statuses (gtin, serial, lot)",
            """
            CREATE TABLE verification_log (entry_id \(text) PRIMARY KEY, at BIGINT NOT NULL, kind TEXT NOT NULL, requestor \(text),
              partner \(text), gtin \(text), lot TEXT, serial TEXT, expiry TEXT, corr_uuid TEXT, status BIGINT NOT NULL, verified BIGINT,
              failure_reason TEXT, additional_info TEXT, problem TEXT, attestations TEXT, target TEXT, remote TEXT, latency_us BIGINT NOT NULL)
            """,
            "CREATE INDEX verification_log_at ON verification_log (at)",
            "CREATE INDEX verification_log_requestor ON verification_log (requestor, at)",
            "CREATE INDEX verification_log_gtin ON verification_log (gtin, at)",
            """
            CREATE TABLE quarantine_closures (record_id \(text) NOT NULL, position BIGINT NOT NULL, closed_at BIGINT NOT NULL, reason TEXT NOT NULL,
              closed_by TEXT NOT NULL, PRIMARY KEY (record_id, position))
            """,
            "UPDATE gateway_schema SET version = 4",
        ]
    }

    /// Trace and recall: a lot's units along an index of their own.
    @Sendable static func trace(_ dialect: Schema.Dialect) -> [String] {
        ["CREATE INDEX units_lot ON units (gtin, lot, serial)", "UPDATE gateway_schema SET version = 5"]
    }

    /// The refusal for a store that a newer binary upgraded.
    static func newer(_ location: String, found: [String]) -> StoreError {
        StoreError(
            .newerSchema,
            "the store at \(location) has schema step(s) \(found.joined(separator: ", ")) that this epcis-gateway does not know (it knows up to \(latest)); "
                + "it was upgraded by a newer release. Run that release, or restore the backup taken before the upgrade; nothing was changed")
    }
}
