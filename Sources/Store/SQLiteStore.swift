internal import Foundation
internal import GRDB
internal import GRDBSQLite
internal import GS1
internal import GatewayCore
public import Records
internal import Synchronization

/// The embedded engine: one SQLite file in WAL mode through GRDB (readers never wait for the
/// writer; one writer at a time).
public final class SQLiteStore: GatewayStore {
    let pool: DatabasePool

    /// Opens (and creates, if needed) the database file at `path`, creating its directory.
    ///
    /// - Throws: ``StoreError`` (`unavailable`) naming the path and SQLite's reason.
    public init(path: String) throws {
        do {
            let directory = (path as NSString).deletingLastPathComponent
            // A new directory is this user's only: the store holds partners' business data.
            if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            configuration.prepareDatabase { db in
                // WAL commits are durable at checkpoints and survive a process crash; NORMAL is
                // SQLite's recommended pairing with WAL.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // Reads from a memory map instead of a copy per page (the VRS lookups and the
                // composer's scans); 256 MiB of address space, not of memory.
                try db.execute(sql: "PRAGMA mmap_size = 268435456")
                // Fewer, larger automatic checkpoints: each one stalls the commit that triggers it
                // (the VRS audit log's p99 at 450 req/s was 12 ms with SQLite's 1 000 pages).
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrate(pool, path: path)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot open the SQLite store at \(path); check the directory exists and is writable", cause: error)
        }
    }

    public func close() async throws {
        try pool.close()
    }

    /// Applies the ``Migrations`` steps the file lacks, after refusing a store a newer binary
    /// upgraded.
    static func migrate(_ pool: DatabasePool, path: String) throws {
        var migrator = DatabaseMigrator()
        for step in Migrations.steps {
            migrator.registerMigration(step.identifier) { db in
                for statement in step.statements(.sqlite) { try db.execute(sql: statement) }
            }
        }
        let known = Set(Migrations.steps.map(\.identifier))
        let unknown = try pool.read { db in try migrator.appliedIdentifiers(db).subtracting(known) }
        if !unknown.isEmpty { throw Migrations.newer(path, found: unknown.sorted()) }
        try migrator.migrate(pool)
    }

    // MARK: Ingest

    public func ingest(_ records: [FeedRecord], batch: String) async throws -> IngestReport {
        do {
            let changes = try await pool.write { db in
                var plan = IngestPlan(records: records)
                while true {
                    switch plan.next() {
                    case .records(let ids): plan.provide(.records(try Self.digests(db, ids)))
                    case .products(let gtins):
                        plan.provide(
                            .products(
                                Set(try gtins.filter { try Bool.fetchOne(db, sql: "SELECT 1 FROM products WHERE gtin = ?", arguments: [$0]) == true })
                            ))
                    case .shipments(let ids):
                        plan.provide(
                            .shipments(
                                Set(try ids.filter { try Bool.fetchOne(db, sql: "SELECT 1 FROM shipments WHERE id = ?", arguments: [$0]) == true })))
                    case .units(let keys): plan.provide(.units(try Self.units(db, keys)))
                    case .children(let parents): plan.provide(.units(try Self.children(db, parents)))
                    case .done(.failure(let rejected)): throw rejected
                    case .done(.success(let changes)):
                        try Self.write(db, changes, batch: batch)
                        return changes
                    }
                }
            }
            return IngestReport(batch: batch, changes: changes)
        } catch is DuplicateUnit {
            // Another batch (or this one, twice) commissioned a unit: say exactly which.
            let plan = IngestPlan(records: records)
            let existing = try await pool.read { db in try Self.units(db, plan.commissionedUnits.map(\.key)) }
            throw plan.duplicateIssues(existing: existing)
        } catch let error as BatchRejected {
            throw error
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.failed, "the batch \(batch) could not be stored; nothing of it was kept", cause: error)
        }
    }

    private struct DuplicateUnit: Error {}

    private static func digests(_ db: Database, _ ids: [String]) throws -> [String: String] {
        let statement = try db.cachedStatement(sql: "SELECT digest FROM feed_records WHERE id = ?")
        var result: [String: String] = [:]
        for id in ids {
            if let digest = try String.fetchOne(statement, arguments: [id]) { result[id] = digest }
        }
        return result
    }

    static func units(_ db: Database, _ keys: [UnitKey]) throws -> [UnitRow] {
        let statement = try db.cachedStatement(sql: "SELECT \(Schema.unitColumns) FROM units WHERE gtin = ? AND serial = ?")
        return try keys.compactMap { key in
            try Row.fetchOne(statement, arguments: [key.gtinColumn, key.serialColumn]).map(Self.unitRow)
        }
    }

    private static func children(_ db: Database, _ parents: [UnitKey]) throws -> [UnitRow] {
        let statement = try db.cachedStatement(sql: "SELECT \(Schema.unitColumns) FROM units WHERE parent_gtin = ? AND parent_serial = ?")
        var rows: [UnitRow] = []
        for parent in parents {
            rows += try Row.fetchAll(statement, arguments: [parent.gtinColumn, parent.serialColumn]).map(Self.unitRow)
        }
        return rows
    }

    /// A unit from its columns; a value of the wrong type or out of range is ``StoreError/Code/corrupt``.
    static func unitRow(_ row: Row) throws -> UnitRow {
        do {
            let gtin: String = try row.decode(atIndex: 0), serial: String = try row.decode(atIndex: 1)
            return UnitRow(
                key: UnitKey(gtinColumn: gtin, serialColumn: serial),
                phase: try StoredForms.phase(try row.decode(atIndex: 2), gtin: gtin, serial: serial),
                lot: try row.decode(atIndex: 3), expiry: try row.decode(atIndex: 4),
                parent: try StoredForms.parent(gtin: try row.decode(atIndex: 5), serial: try row.decode(atIndex: 6), of: "\(gtin) \(serial)"),
                shipment: try row.decode(atIndex: 7), commissionRecord: try row.decode(atIndex: 8), commissionUTC: try row.decode(atIndex: 9),
                packRecord: try row.decode(atIndex: 10), packUTC: try row.decode(atIndex: 11), lastRecord: try row.decode(atIndex: 12))
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.corrupt, "a unit row cannot be read: \(row.description.prefix(300))", cause: StoreError.Detail(error))
        }
    }

    private static func write(_ db: Database, _ changes: ChangeSet, batch: String) throws {
        let now = ISO8601DateFormatter().string(from: Date())
        for record in changes.records {
            try db.execute(
                sql: "INSERT INTO feed_records (id, kind, digest, batch, line, ingested_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [record.id, record.kind, record.digest, batch, record.line, now])
        }
        for (record, product) in zip(changes.records.filter { $0.kind == "product" }, changes.products) {
            try db.execute(
                sql: """
                    INSERT INTO products (gtin, ndc, name, dosage_form, strength, container_size, manufacturer, company_prefix_length, record_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (gtin) DO UPDATE SET ndc = excluded.ndc, name = excluded.name,
                    dosage_form = excluded.dosage_form, strength = excluded.strength, container_size = excluded.container_size,
                    manufacturer = excluded.manufacturer, company_prefix_length = excluded.company_prefix_length, record_id = excluded.record_id
                    """,
                arguments: [
                    product.gtin.value, product.ndc.hyphenated, product.name, product.dosageForm, product.strength, product.containerSize,
                    product.manufacturer, product.companyPrefixLength, record.id,
                ])
        }
        for (record, location) in zip(changes.records.filter { $0.kind == "location" }, changes.locations) {
            let address = location.address
            try db.execute(
                sql: """
                    INSERT INTO locations (key, gln, extension, company_prefix_length, name, street1, street2, city, state, postal_code, country, record_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET company_prefix_length = excluded.company_prefix_length,
                    name = excluded.name, street1 = excluded.street1, street2 = excluded.street2, city = excluded.city, state = excluded.state,
                    postal_code = excluded.postal_code, country = excluded.country, record_id = excluded.record_id
                    """,
                arguments: [
                    location.key, location.gln.value, location.glnExtension, location.companyPrefixLength, location.name, address.street1,
                    address.street2, address.city, address.state, address.postalCode, address.country, record.id,
                ])
        }
        for record in changes.events {
            let header = Schema.eventColumns(record)
            try db.execute(
                sql: "INSERT INTO events (record_id, kind, time, time_offset, utc, site, gtin, lot, expiry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    record.id, record.kind, header.time.text, header.time.offset, header.time.utc, header.site, header.gtin, header.lot,
                    header.expiry,
                ])
        }
        // The hot path: one prepared insert, the record's constant columns bound once.
        let insert = try RawStatement(
            db, "INSERT INTO units (gtin, serial, phase, lot, expiry, commission_record, commission_utc, last_record) VALUES (?, ?, 1, ?, ?, ?, ?, ?)"
        )
        for (id, commission) in changes.commissions {
            var gtin = "", lot: String?, expiry: String?
            if case .items(let itemGTIN, let itemLot, let itemExpiry, _) = commission.content {
                (gtin, lot, expiry) = (itemGTIN.value, itemLot, itemExpiry)
            }
            insert.bind(1, gtin)
            insert.bind(3, lot)
            insert.bind(4, expiry)
            insert.bind(5, id)
            insert.bind(6, commission.time.utc)
            insert.bind(7, id)
            switch commission.content {
            case .items(_, _, _, let serials):
                for serial in serials {
                    insert.bind(2, serial)
                    try insert.run(db, duplicate: DuplicateUnit())
                }
            case .ssccs(let ssccs):
                for sscc in ssccs {
                    insert.bind(2, sscc)
                    try insert.run(db, duplicate: DuplicateUnit())
                }
            }
        }
        let update = try RawStatement(
            db,
            """
            UPDATE units SET phase = ?, expiry = ?, parent_gtin = ?, parent_serial = ?, shipment = ?, pack_record = ?, pack_utc = ?,
            last_record = ? WHERE gtin = ? AND serial = ?
            """)
        for row in changes.updates {
            update.bind(1, row.phase.rawValue)
            update.bind(2, row.expiry)
            update.bind(3, row.parent?.gtinColumn)
            update.bind(4, row.parent?.serialColumn)
            update.bind(5, row.shipment)
            update.bind(6, row.packRecord)
            update.bind(7, row.packUTC)
            update.bind(8, row.lastRecord)
            update.bind(9, row.key.gtinColumn)
            update.bind(10, row.key.serialColumn)
            try update.run(db, duplicate: DuplicateUnit())
        }
        for (id, ship, count, eventRecords) in changes.shipments {
            for recordID in eventRecords {
                try db.execute(sql: "INSERT INTO shipment_events (shipment, record_id) VALUES (?, ?)", arguments: [ship.shipment, recordID])
            }
            try db.execute(
                sql: """
                    INSERT INTO shipments (id, record_id, time, time_offset, utc, from_party, from_location, to_party, to_location,
                    purchase_order, despatch_advice, drop_shipment, unit_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    ship.shipment, id, ship.time.text, ship.time.offset, ship.time.utc, ship.from.party.value, ship.from.location.value,
                    ship.to.party.value, ship.to.location.value, ship.purchaseOrder, ship.despatchAdvice, ship.dropShipment ? 1 : 0, count,
                ])
            for (position, item) in ship.items.enumerated() {
                try db.execute(
                    sql: "INSERT INTO shipment_items (shipment, position, gtin, serial) VALUES (?, ?, ?, ?)",
                    arguments: [ship.shipment, position, item.gtinColumn, item.serialColumn])
            }
        }
        for (id, status) in changes.statuses {
            for (position, row) in Schema.statusRows(status).enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO statuses (record_id, position, status, gtin, lot, serial, new_expiry, time, time_offset, utc, reason)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, position, status.status.rawValue, row.gtin, row.lot, row.serial, status.newExpiry, status.time.text, status.time.offset,
                        status.time.utc, status.reason,
                    ])
            }
            if let newExpiry = status.newExpiry, case .lot(let gtin, let lot) = status.scope {
                try db.execute(
                    sql: "UPDATE units SET expiry = ?, last_record = ? WHERE gtin = ? AND lot = ? AND (expiry IS NULL OR expiry < ?)",
                    arguments: [newExpiry, id, gtin.value, lot, newExpiry])
            }
        }
    }

    // MARK: Reads

    public func unit(_ key: UnitKey) async throws -> UnitRow? {
        try await pool.read { db in try Self.units(db, [key]).first }
    }

    public func product(gtin: String) async throws -> ProductRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql:
                    "SELECT gtin, ndc, name, dosage_form, strength, container_size, manufacturer, company_prefix_length FROM products WHERE gtin = ?",
                arguments: [gtin]
            ).map { row in
                try StoredForms.product(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])
            }
        }
    }

    public func location(key: String) async throws -> LocationRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql:
                    "SELECT gln, extension, company_prefix_length, name, street1, street2, city, state, postal_code, country FROM locations WHERE key = ?",
                arguments: [key]
            ).map { row in
                try StoredForms.location(
                    row[0], row[1], row[2], row[3],
                    Address(street1: row[4], street2: row[5], city: row[6], state: row[7], postalCode: row[8], country: row[9]))
            }
        }
    }

    public func shipment(_ id: String) async throws -> StoredShipment? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT record_id, time, time_offset, utc, from_party, from_location, to_party, to_location, purchase_order,
                        despatch_advice, drop_shipment, unit_count FROM shipments WHERE id = ?
                        """, arguments: [id])
            else { return nil }
            let items = try Row.fetchAll(db, sql: "SELECT gtin, serial FROM shipment_items WHERE shipment = ? ORDER BY position", arguments: [id])
                .map { UnitKey(gtinColumn: $0[0], serialColumn: $0[1]) }
            let eventRecords = try String.fetchAll(
                db, sql: "SELECT record_id FROM shipment_events WHERE shipment = ? ORDER BY record_id", arguments: [id])
            return try StoredForms.shipment(
                id: id, recordID: row[0], time: FeedTime(text: row[1], offset: row[2], utc: row[3]),
                glns: [row[4], row[5], row[6], row[7]], purchaseOrder: row[8], despatchAdvice: row[9], dropShipment: (row[10] as Int) != 0,
                unitCount: row[11], items: items, eventRecords: eventRecords)
        }
    }

    public func eventHeaders(_ recordIDs: [String]) async throws -> [String: EventHeader] {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT kind, time, time_offset, utc, site, gtin, lot, expiry FROM events WHERE record_id = ?")
            var headers: [String: EventHeader] = [:]
            for id in recordIDs {
                if let row = try Row.fetchOne(statement, arguments: [id]) {
                    headers[id] = EventHeader(
                        recordID: id, kind: row[0], time: FeedTime(text: row[1], offset: row[2], utc: row[3]), site: row[4], gtin: row[5],
                        lot: row[6],
                        expiry: row[7])
                }
            }
            return headers
        }
    }

    public func shipmentUnits(_ shipment: String, order: ShipmentUnitOrder, after cursor: UnitRow?, limit: Int) async throws -> [UnitRow] {
        try await pool.read { db in
            let (sql, arguments) = ShipmentPaging.query(shipment, order: order, after: cursor, limit: limit, placeholder: { _ in "?" })
            return try Row.fetchAll(
                db, sql: sql, arguments: StatementArguments(arguments.map { $0.map { $0 as any DatabaseValueConvertible } ?? nil })
            ).map(Self.unitRow)
        }
    }

    public func counts() async throws -> StoreCounts {
        try await pool.read { db in
            let totals = try Row.fetchOne(db, sql: StoreCounts.totalsSQL)!
            var phases: [Int: Int] = [:]
            for row in try Row.fetchAll(db, sql: StoreCounts.phasesSQL) { phases[row[0]] = row[1] }
            return StoreCounts(
                records: totals[0], unitsByPhase: phases, packed: totals[1], products: totals[2], locations: totals[3], shipments: totals[4],
                statuses: totals[5])
        }
    }

    public func statuses(gtin: String) async throws -> [StoredStatus] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT record_id, status, time, time_offset, utc, lot, serial, new_expiry, reason FROM statuses WHERE gtin = ? ORDER BY utc, record_id, position",
                arguments: [gtin]
            ).map { row in
                let record: String = try row.decode(atIndex: 0)
                return StoredStatus(
                    recordID: record, status: try StoredForms.status(try row.decode(atIndex: 1), record: record),
                    time: FeedTime(text: try row.decode(atIndex: 2), offset: try row.decode(atIndex: 3), utc: try row.decode(atIndex: 4)),
                    lot: try row.decode(atIndex: 5), serial: try row.decode(atIndex: 6), newExpiry: try row.decode(atIndex: 7),
                    reason: try row.decode(atIndex: 8))
            }
        }
    }
}

/// A prepared statement driven through SQLite's C API: the ingest hot path binds and steps it
/// without building argument arrays.
private struct RawStatement {
    let statement: Statement
    var handle: OpaquePointer { statement.sqliteStatement }
    // SQLITE_TRANSIENT: SQLite copies the bytes, so Swift's temporary C strings may go away.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, _ sql: String) throws {
        statement = try db.makeStatement(sql: sql)
    }

    func bind(_ index: Int32, _ text: String?) {
        guard let text else {
            sqlite3_bind_null(handle, index)
            return
        }
        var bytes = text
        bytes.withUTF8 { bytes in
            guard !bytes.isEmpty else {
                _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                return
            }
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
        }
    }

    func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, index, sqlite3_int64(value))
    }

    /// Runs the statement once and resets it for the next row (bindings stay).
    func run(_ db: Database, duplicate: @autoclosure () -> any Error) throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            if code & 0xFF == SQLITE_CONSTRAINT { throw duplicate() }
            throw StoreError(.failed, "SQLite refused a write: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
        }
    }
}
