internal import GS1
internal import Records

/// The tables both engines create. Text keys compare byte-wise on both (`COLLATE "C"` on
/// PostgreSQL), so that both engines list units in the same order.
enum Schema {
    enum Dialect { case sqlite, postgres }

    /// The unit columns, in the order ``UnitRow`` is read.
    static let unitColumns =
        "gtin, serial, phase, lot, expiry, parent_gtin, parent_serial, shipment, commission_record, commission_utc, pack_record, pack_utc, last_record"

    /// The tables of schema version 1, exactly as the first release created them. Frozen: a
    /// change to a table is a new ``Migrations`` step, never an edit here.
    static func version1(_ dialect: Dialect) -> [String] {
        let text = dialect == .postgres ? "TEXT COLLATE \"C\"" : "TEXT"
        let withoutRowID = dialect == .sqlite ? " WITHOUT ROWID" : ""
        return [
            "CREATE TABLE IF NOT EXISTS gateway_schema (version INTEGER NOT NULL)",
            """
            CREATE TABLE IF NOT EXISTS feed_records (id \(text) PRIMARY KEY, kind TEXT NOT NULL, digest TEXT NOT NULL,
              batch TEXT NOT NULL, line INTEGER NOT NULL, ingested_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS products (gtin \(text) PRIMARY KEY, ndc TEXT NOT NULL, name TEXT NOT NULL,
              dosage_form TEXT NOT NULL, strength TEXT NOT NULL, container_size TEXT NOT NULL, manufacturer TEXT NOT NULL,
              company_prefix_length INTEGER NOT NULL, record_id TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS locations (key \(text) PRIMARY KEY, gln TEXT NOT NULL, extension TEXT NOT NULL,
              company_prefix_length INTEGER NOT NULL, name TEXT NOT NULL, street1 TEXT NOT NULL, street2 TEXT, city TEXT NOT NULL,
              state TEXT NOT NULL, postal_code TEXT NOT NULL, country TEXT NOT NULL, record_id TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS events (record_id \(text) PRIMARY KEY, kind TEXT NOT NULL, time TEXT NOT NULL,
              time_offset TEXT NOT NULL, utc TEXT NOT NULL, site TEXT, gtin TEXT, lot TEXT, expiry TEXT)
            """,
            """
            CREATE TABLE IF NOT EXISTS units (gtin \(text) NOT NULL, serial \(text) NOT NULL, phase INTEGER NOT NULL,
              lot TEXT, expiry TEXT, parent_gtin \(text), parent_serial \(text), shipment \(text),
              commission_record \(text) NOT NULL, commission_utc \(text) NOT NULL, pack_record \(text), pack_utc \(text),
              last_record TEXT NOT NULL, PRIMARY KEY (gtin, serial))\(withoutRowID)
            """,
            "CREATE INDEX IF NOT EXISTS units_parent ON units (parent_gtin, parent_serial) WHERE parent_serial IS NOT NULL",
            """
            CREATE INDEX IF NOT EXISTS units_ship_commission ON units (shipment, commission_utc, commission_record, gtin, serial)
              WHERE shipment IS NOT NULL
            """,
            """
            CREATE INDEX IF NOT EXISTS units_ship_pack ON units (shipment, pack_utc, pack_record, parent_gtin, parent_serial, gtin, serial)
              WHERE shipment IS NOT NULL AND parent_serial IS NOT NULL
            """,
            """
            CREATE TABLE IF NOT EXISTS shipments (id \(text) PRIMARY KEY, record_id TEXT NOT NULL, time TEXT NOT NULL,
              time_offset TEXT NOT NULL, utc TEXT NOT NULL, from_party TEXT NOT NULL, from_location TEXT NOT NULL,
              to_party TEXT NOT NULL, to_location TEXT NOT NULL, purchase_order TEXT NOT NULL, despatch_advice TEXT,
              drop_shipment INTEGER NOT NULL, unit_count INTEGER NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS shipment_items (shipment \(text) NOT NULL, position INTEGER NOT NULL, gtin TEXT NOT NULL,
              serial TEXT NOT NULL, PRIMARY KEY (shipment, position))
            """,
            """
            CREATE TABLE IF NOT EXISTS shipment_events (shipment \(text) NOT NULL, record_id \(text) NOT NULL,
              PRIMARY KEY (shipment, record_id))
            """,
            """
            CREATE TABLE IF NOT EXISTS statuses (record_id \(text) NOT NULL, position INTEGER NOT NULL, status TEXT NOT NULL,
              gtin \(text) NOT NULL, lot TEXT, serial TEXT, new_expiry TEXT, time TEXT NOT NULL, time_offset TEXT NOT NULL,
              utc TEXT NOT NULL, reason TEXT, PRIMARY KEY (record_id, position))
            """,
            "CREATE INDEX IF NOT EXISTS statuses_gtin ON statuses (gtin, utc)",
            // The outbox. Times are milliseconds since 1970 (UTC).
            """
            CREATE TABLE IF NOT EXISTS deliveries (id \(text) PRIMARY KEY, partner \(text) NOT NULL, shipment \(text), transport TEXT NOT NULL,
              document_id TEXT NOT NULL, content_type TEXT NOT NULL, byte_count BIGINT NOT NULL, sha256 TEXT NOT NULL, metadata TEXT NOT NULL,
              state TEXT NOT NULL, version BIGINT NOT NULL, attempts INTEGER NOT NULL, queued_at BIGINT NOT NULL, due_at BIGINT,
              ack_deadline BIGINT, ack_reference TEXT, acknowledged_at BIGINT, last_error TEXT, lease_owner TEXT, lease_until BIGINT,
              updated_at BIGINT NOT NULL)
            """,
            // One delivery per partner and shipment: a second document would be a duplicate.
            "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_shipment ON deliveries (partner, shipment) WHERE shipment IS NOT NULL",
            """
            CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (due_at)
              WHERE state IN ('queued', 'retry-wait', 'awaiting-ack', 'sending')
            """,
            "CREATE INDEX IF NOT EXISTS deliveries_queued ON deliveries (queued_at)",
            """
            CREATE TABLE IF NOT EXISTS delivery_payload (delivery_id \(text) NOT NULL, seq INTEGER NOT NULL, data \(dialect == .postgres ? "BYTEA" : "BLOB") NOT NULL,
              PRIMARY KEY (delivery_id, seq))
            """,
            """
            CREATE TABLE IF NOT EXISTS delivery_attempts (\(dialect == .postgres ? "n BIGSERIAL PRIMARY KEY, " : "")delivery_id \(text) NOT NULL,
              kind TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, owner TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS delivery_attempts_delivery ON delivery_attempts (delivery_id, started_at)",
            """
            CREATE TABLE IF NOT EXISTS delivery_actions (\(dialect == .postgres ? "n BIGSERIAL PRIMARY KEY, " : "")delivery_id \(text) NOT NULL,
              at BIGINT NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL, actor TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS delivery_actions_delivery ON delivery_actions (delivery_id, at)",
        ]
    }

    /// The event header row of an event-bearing record.
    static func eventColumns(_ record: FeedRecord) -> (time: FeedTime, site: String?, gtin: String?, lot: String?, expiry: String?) {
        switch record.body {
        case .commission(let commission):
            if case .items(let gtin, let lot, let expiry, _) = commission.content {
                return (commission.time, commission.site.value, gtin.value, lot, expiry)
            }
            return (commission.time, commission.site.value, nil, nil, nil)
        case .aggregate(let record): return (record.time, record.site.value, nil, nil, nil)
        case .disaggregate(let record): return (record.time, record.site.value, nil, nil, nil)
        case .ship(let record): return (record.time, record.from.location.value, nil, nil, nil)
        case .receive(let record): return (record.time, record.site.value, nil, nil, nil)
        case .decommission(let record), .destroy(let record): return (record.time, record.site.value, nil, nil, nil)
        case .status(let record):
            switch record.scope {
            case .product(let gtin): return (record.time, nil, gtin.value, nil, nil)
            case .lot(let gtin, let lot): return (record.time, nil, gtin.value, lot, record.newExpiry)
            case .serials: return (record.time, nil, nil, nil, record.newExpiry)
            }
        case .product, .location: preconditionFailure("master data records carry no event")
        }
    }

    /// The rows of a status record: one per serial, or one for a product or lot.
    static func statusRows(_ record: StatusRecord) -> [(gtin: String, lot: String?, serial: String?)] {
        switch record.scope {
        case .product(let gtin): [(gtin.value, nil, nil)]
        case .lot(let gtin, let lot): [(gtin.value, lot, nil)]
        case .serials(let keys): keys.map { ($0.gtinColumn, nil, $0.serialColumn) }
        }
    }
}
