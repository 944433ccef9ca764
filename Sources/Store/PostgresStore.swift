internal import Foundation
internal import GS1
internal import Logging
internal import NIOCore
internal import PostgresNIO
public import Records
internal import Synchronization

/// The engine for many gateway instances: one PostgreSQL database through postgres-nio.
///
/// Batches are written with `COPY` and array (`unnest`) statements, so a million serials take a
/// handful of round trips. Ingests from several processes are serialised by a transaction-level
/// advisory lock, so each batch is decided against the state the one before it left.
public final class PostgresStore: GatewayStore {
    let client: PostgresClient
    /// Set by ``open(url:)`` only: the client's run loop when no caller scopes it.
    private let runner = Mutex<Task<Void, Never>?>(nil)
    let logger: Logger
    /// Where the database is, for messages (never the password).
    let place: String
    /// Rows per array statement, to keep each message well under PostgreSQL's limits.
    private static let chunk = 20_000
    /// The advisory lock key ingests take (any constant; "EPCI" in ASCII).
    private static let ingestLock = 0x4550_4349

    /// Prepares a client for `postgres://user[:password]@host[:port]/database[?sslmode=require]`;
    /// nothing is sent until ``run()`` runs and ``prepare()`` is called. Use
    /// ``StoreLocation/withStore(_:_:)``, which does both in order.
    ///
    /// - Throws: ``StoreError`` (`invalidLocation`) for a URL that is not a PostgreSQL URL.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user, !host.isEmpty else {
            throw StoreError(.invalidLocation, "'\(url)' is not a PostgreSQL URL; write postgres://user:password@host:5432/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        let tls: PostgresClient.Configuration.TLS =
            components.queryItems?.contains(where: { $0.name == "sslmode" && $0.value == "require" }) == true
            ? .require(.makeClientConfiguration()) : .disable
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password, database: database.isEmpty ? nil : database,
            tls: tls)
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 8
        logger = Logger(label: "epcis-gateway.store.postgres")
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        place = "\(host):\(components.port ?? 5432)/\(database)"
    }

    /// The client's connection pool; runs until cancelled. Every query waits for it.
    public func run() async {
        await client.run()
    }

    /// Creates or upgrades the tables (see ``Migrations``); call once ``run()`` is running.
    ///
    /// - Throws: ``StoreError`` (`unavailable` when the server cannot be reached or refuses the
    ///   login, `newerSchema` for a database a newer release upgraded).
    public func prepare() async throws {
        do {
            try await client.withTransaction(logger: logger) { connection in
                // Two instances starting at once must not both create the tables.
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.ingestLock + 1))", logger: self.logger)
                try await Self.migrate(connection, location: self.place, logger: self.logger)
            }
        } catch {
            if let refused = (error as? PostgresTransactionError)?.closureError as? StoreError { throw refused }
            throw StoreError(
                .unavailable, "cannot use the PostgreSQL store at \(place); check the server runs and the login", cause: StoreError.Detail(error))
        }
    }

    /// Connects and prepares a store whose client runs until ``close()``, outside any caller's
    /// scope; for tests and tools that hold a store across calls. A service uses
    /// ``StoreLocation/withStore(_:_:)`` instead.
    public static func open(url: String) async throws -> PostgresStore {
        let store = try PostgresStore(url: url)
        let client = store.client
        // Wait until the run loop's task is going, so the first query finds it running.
        let (started, signal) = AsyncStream<Void>.makeStream()
        store.runner.withLock {
            $0 = Task {
                signal.finish()
                await client.run()
            }
        }
        for await _ in started {}
        do {
            try await store.prepare()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// Applies the ``Migrations`` steps the database lacks, each recorded in
    /// `gateway_migrations`, after refusing a database a newer binary upgraded. Runs inside the
    /// caller's transaction, under its lock: two processes starting at once migrate once.
    static func migrate(_ connection: PostgresConnection, location: String, logger: Logger) async throws {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS gateway_migrations (version INTEGER PRIMARY KEY, identifier TEXT NOT NULL, applied_at TEXT NOT NULL)",
            logger: logger)
        var applied: [Int: String] = [:]
        for try await (number, identifier) in try await connection.query("SELECT version, identifier FROM gateway_migrations", logger: logger).decode(
            (Int, String).self)
        {
            applied[number] = identifier
        }
        let known = Set(Migrations.steps.map(\.version))
        let unknown = applied.filter { !known.contains($0.key) }
        if !unknown.isEmpty { throw Migrations.newer(location, found: unknown.values.sorted()) }
        for step in Migrations.steps where applied[step.version] == nil {
            for statement in step.statements(.postgres) { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            let now = ISO8601DateFormatter().string(from: Date())
            try await connection.query(
                "INSERT INTO gateway_migrations (version, identifier, applied_at) VALUES (\(step.version), \(step.identifier), \(now))",
                logger: logger)
        }
    }

    public func close() async throws {
        guard
            let runner = runner.withLock({ task in
                defer { task = nil }; return task
            })
        else { return }
        runner.cancel()
        _ = await runner.value
    }

    // MARK: Ingest

    public func ingest(_ records: [FeedRecord], batch: String) async throws -> IngestReport {
        do {
            let changes: ChangeSet = try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.ingestLock))", logger: self.logger)
                var plan = IngestPlan(records: records)
                while true {
                    switch plan.next() {
                    case .records(let ids):
                        var digests: [String: String] = [:]
                        for part in ids.chunked(Self.chunk) {
                            let rows = try await connection.query(
                                "SELECT id, digest FROM feed_records WHERE id = ANY(\(Array(part)))", logger: self.logger)
                            for try await (id, digest) in rows.decode((String, String).self) { digests[id] = digest }
                        }
                        plan.provide(.records(digests))
                    case .products(let gtins):
                        plan.provide(.products(try await self.existing(connection, "products", "gtin", gtins)))
                    case .shipments(let ids):
                        plan.provide(.shipments(try await self.existing(connection, "shipments", "id", ids)))
                    case .units(let keys): plan.provide(.units(try await self.units(connection, keys, by: "gtin", "serial")))
                    case .children(let parents): plan.provide(.units(try await self.units(connection, parents, by: "parent_gtin", "parent_serial")))
                    case .done(.failure(let rejected)): throw rejected
                    case .done(.success(let changes)):
                        try await self.write(connection, changes, batch: batch)
                        return changes
                    }
                }
            }
            return IngestReport(batch: batch, changes: changes)
        } catch {
            throw try await ingestFailure(error, records: records, batch: batch)
        }
    }

    /// The error to report for a failed ingest: the batch's own issues, the duplicates a unique
    /// key refused, or a store failure.
    private func ingestFailure(_ error: any Error, records: [FeedRecord], batch: String) async throws -> any Error {
        var error = error
        if let transaction = error as? PostgresTransactionError, let inner = transaction.closureError ?? transaction.commitError { error = inner }
        switch error {
        case let rejected as BatchRejected: return rejected
        case let error as PSQLError where error.serverInfo?[.sqlState] == "23505":
            let plan = IngestPlan(records: records)
            let existing = try await client.withConnection { connection in
                try await self.units(connection, plan.commissionedUnits.map(\.key), by: "gtin", "serial")
            }
            return plan.duplicateIssues(existing: existing)
        default:
            return StoreError(.failed, "the batch \(batch) could not be stored; nothing of it was kept", cause: StoreError.Detail(error))
        }
    }

    private func existing(_ connection: PostgresConnection, _ table: String, _ column: String, _ values: [String]) async throws -> Set<String> {
        var found = Set<String>()
        for part in values.chunked(Self.chunk) {
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT \(column) FROM \(table) WHERE \(column) = ANY($1)", binds: Self.binds(Array(part))), logger: logger)
            for try await (value) in rows.decode(String.self) { found.insert(value) }
        }
        return found
    }

    private func units(_ connection: PostgresConnection, _ keys: [UnitKey], by gtinColumn: String, _ serialColumn: String) async throws -> [UnitRow] {
        var result: [UnitRow] = []
        for part in keys.chunked(Self.chunk) {
            let sql = """
                SELECT \(Schema.unitColumns.split(separator: ",").map { "u." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM units u JOIN unnest($1::text[], $2::text[]) AS k(g, s) ON u.\(gtinColumn) = k.g AND u.\(serialColumn) = k.s
                """
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: sql, binds: Self.binds(part.map(\.gtinColumn), part.map(\.serialColumn))), logger: logger)
            result += try await Self.unitRows(rows)
        }
        return result
    }

    static func unitRows(_ rows: PostgresRowSequence) async throws -> [UnitRow] {
        var result: [UnitRow] = []
        for try await row in rows {
            let columns: (String, String, Int, String?, String?, String?, String?, String?, String, String, String?, String?, String)
            do {
                columns = try row.decode(
                    (String, String, Int, String?, String?, String?, String?, String?, String, String, String?, String?, String).self)
            } catch {
                throw StoreError(.corrupt, "a unit row cannot be read", cause: StoreError.Detail(error))
            }
            let (
                gtin, serial, phase, lot, expiry, parentGTIN, parentSerial, shipment, commissionRecord, commissionUTC, packRecord, packUTC, lastRecord
            ) = columns
            result.append(
                UnitRow(
                    key: UnitKey(gtinColumn: gtin, serialColumn: serial), phase: try StoredForms.phase(phase, gtin: gtin, serial: serial), lot: lot,
                    expiry: expiry, parent: try StoredForms.parent(gtin: parentGTIN, serial: parentSerial, of: "\(gtin) \(serial)"),
                    shipment: shipment,
                    commissionRecord: commissionRecord, commissionUTC: commissionUTC, packRecord: packRecord, packUTC: packUTC, lastRecord: lastRecord
                ))
        }
        return result
    }

    private static func binds(_ arrays: [String]...) -> PostgresBindings {
        var bindings = PostgresBindings()
        for array in arrays { bindings.append(array) }
        return bindings
    }

    /// Runs `INSERT INTO table (columns) SELECT * FROM unnest(...)` over text arrays in chunks;
    /// empty strings become NULL where `nullable` says so.
    private func insertArrays(
        _ connection: PostgresConnection, _ table: String, _ columns: [(name: String, type: String, nullable: Bool)], _ rows: [[String]],
        suffix: String = ""
    ) async throws {
        guard !rows.isEmpty else { return }
        for part in rows.chunked(Self.chunk) {
            var bindings = PostgresBindings()
            for index in columns.indices { bindings.append(part.map { $0[index] }) }
            let selects = columns.enumerated().map { index, column in
                let value = "v.c\(index)"
                let typed = column.type == "text" ? value : "\(value)::\(column.type)"
                return column.nullable ? "NULLIF(\(value), '')" + (column.type == "text" ? "" : "::\(column.type)") : typed
            }
            let sql = """
                INSERT INTO \(table) (\(columns.map(\.name).joined(separator: ", ")))
                SELECT \(selects.joined(separator: ", ")) FROM unnest(\(columns.indices.map { "$\($0 + 1)::text[]" }.joined(separator: ", ")))
                AS v(\(columns.indices.map { "c\($0)" }.joined(separator: ", ")))\(suffix)
                """
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        }
    }

    private func write(_ connection: PostgresConnection, _ changes: ChangeSet, batch: String) async throws {
        let now = ISO8601DateFormatter().string(from: Date())
        try await insertArrays(
            connection, "feed_records",
            [
                ("id", "text", false), ("kind", "text", false), ("digest", "text", false), ("batch", "text", false), ("line", "int", false),
                ("ingested_at", "text", false),
            ],
            changes.records.map { [$0.id, $0.kind, $0.digest, batch, String($0.line), now] })
        let productRecords = changes.records.filter { $0.kind == "product" }
        try await insertArrays(
            connection, "products",
            ["gtin", "ndc", "name", "dosage_form", "strength", "container_size", "manufacturer"].map { ($0, "text", false) }
                + [("company_prefix_length", "int", false), ("record_id", "text", false)],
            zip(productRecords, changes.products).map { record, product in
                [
                    product.gtin.value, product.ndc.hyphenated, product.name, product.dosageForm, product.strength, product.containerSize,
                    product.manufacturer,
                    String(product.companyPrefixLength), record.id,
                ]
            },
            suffix: """
                 ON CONFLICT (gtin) DO UPDATE SET ndc = excluded.ndc, name = excluded.name, dosage_form = excluded.dosage_form,
                strength = excluded.strength, container_size = excluded.container_size, manufacturer = excluded.manufacturer,
                company_prefix_length = excluded.company_prefix_length, record_id = excluded.record_id
                """)
        let locationRecords = changes.records.filter { $0.kind == "location" }
        try await insertArrays(
            connection, "locations",
            [
                ("key", "text", false), ("gln", "text", false), ("extension", "text", false), ("company_prefix_length", "int", false),
                ("name", "text", false),
                ("street1", "text", false), ("street2", "text", true), ("city", "text", false), ("state", "text", false),
                ("postal_code", "text", false),
                ("country", "text", false), ("record_id", "text", false),
            ],
            zip(locationRecords, changes.locations).map { record, location in
                let address = location.address
                return [
                    location.key, location.gln.value, location.glnExtension, String(location.companyPrefixLength), location.name, address.street1,
                    address.street2 ?? "", address.city, address.state, address.postalCode, address.country, record.id,
                ]
            },
            suffix: """
                 ON CONFLICT (key) DO UPDATE SET company_prefix_length = excluded.company_prefix_length, name = excluded.name,
                street1 = excluded.street1, street2 = excluded.street2, city = excluded.city, state = excluded.state,
                postal_code = excluded.postal_code, country = excluded.country, record_id = excluded.record_id
                """)
        try await insertArrays(
            connection, "events",
            [
                ("record_id", "text", false), ("kind", "text", false), ("time", "text", false), ("time_offset", "text", false),
                ("utc", "text", false),
                ("site", "text", true), ("gtin", "text", true), ("lot", "text", true), ("expiry", "text", true),
            ],
            changes.events.map { record in
                let header = Schema.eventColumns(record)
                return [
                    record.id, record.kind, header.time.text, header.time.offset, header.time.utc, header.site ?? "", header.gtin ?? "",
                    header.lot ?? "",
                    header.expiry ?? "",
                ]
            })
        if !changes.commissions.isEmpty {
            try await connection.copyFrom(
                table: "units", columns: ["gtin", "serial", "phase", "lot", "expiry", "commission_record", "commission_utc", "last_record"],
                logger: logger
            ) { writer in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 20)
                for (id, commission) in changes.commissions {
                    var prefix = "", suffix = ""
                    switch commission.content {
                    case .items(let gtin, let lot, let expiry, _):
                        prefix = Self.copyField(gtin.value) + "\t"
                        suffix = "\t1\t" + Self.copyField(lot) + "\t" + Self.copyField(expiry)
                    case .ssccs:
                        prefix = "\t"  // an SSCC's GTIN column is empty
                        suffix = "\t1\t\\N\t\\N"
                    }
                    suffix += "\t" + Self.copyField(id) + "\t" + Self.copyField(commission.time.utc) + "\t" + Self.copyField(id) + "\n"
                    for unit in commission.units {
                        buffer.writeString(prefix)
                        buffer.writeString(Self.copyField(unit.serialColumn))
                        buffer.writeString(suffix)
                        if buffer.readableBytes >= 1 << 20 {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
        }
        for part in changes.updates.chunked(Self.chunk) {
            var bindings = PostgresBindings()
            let columns: [(UnitRow) -> String] = [
                { $0.key.gtinColumn }, { $0.key.serialColumn }, { String($0.phase.rawValue) }, { $0.expiry ?? "" }, { $0.parent?.gtinColumn ?? "" },
                { $0.parent?.serialColumn ?? "" }, { $0.shipment ?? "" }, { $0.packRecord ?? "" }, { $0.packUTC ?? "" }, { $0.lastRecord },
                { $0.parent == nil ? "0" : "1" },
            ]
            for column in columns { bindings.append(part.map(column)) }
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE units u SET phase = v.phase::int, expiry = NULLIF(v.expiry, ''),
                        parent_gtin = CASE WHEN v.has_parent = '1' THEN v.parent_gtin END, parent_serial = NULLIF(v.parent_serial, ''),
                        shipment = NULLIF(v.shipment, ''), pack_record = NULLIF(v.pack_record, ''), pack_utc = NULLIF(v.pack_utc, ''),
                        last_record = v.last_record
                        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                          $10::text[], $11::text[]) AS v(gtin, serial, phase, expiry, parent_gtin, parent_serial, shipment, pack_record, pack_utc,
                          last_record, has_parent)
                        WHERE u.gtin = v.gtin AND u.serial = v.serial
                        """, binds: bindings), logger: logger)
        }
        for (id, ship, count, eventRecords) in changes.shipments {
            try await insertArrays(
                connection, "shipment_events", [("shipment", "text", false), ("record_id", "text", false)], eventRecords.map { [ship.shipment, $0] })
            try await connection.query(
                """
                INSERT INTO shipments (id, record_id, time, time_offset, utc, from_party, from_location, to_party, to_location, purchase_order,
                despatch_advice, drop_shipment, unit_count) VALUES (\(ship.shipment), \(id), \(ship.time.text), \(ship.time.offset), \(ship.time.utc),
                \(ship.from.party.value), \(ship.from.location.value), \(ship.to.party.value), \(ship.to.location.value), \(ship.purchaseOrder),
                \(ship.despatchAdvice), \(ship.dropShipment ? 1 : 0), \(count))
                """, logger: logger)
            try await insertArrays(
                connection, "shipment_items",
                [("shipment", "text", false), ("position", "int", false), ("gtin", "text", false), ("serial", "text", false)],
                ship.items.enumerated().map { [ship.shipment, String($0.offset), $0.element.gtinColumn, $0.element.serialColumn] })
        }
        for (id, status) in changes.statuses {
            try await insertArrays(
                connection, "statuses",
                [
                    ("record_id", "text", false), ("position", "int", false), ("status", "text", false), ("gtin", "text", false),
                    ("lot", "text", true),
                    ("serial", "text", true), ("new_expiry", "text", true), ("time", "text", false), ("time_offset", "text", false),
                    ("utc", "text", false),
                    ("reason", "text", true),
                ],
                Schema.statusRows(status).enumerated().map { position, row in
                    [
                        id, String(position), status.status.rawValue, row.gtin, row.lot ?? "", row.serial ?? "", status.newExpiry ?? "",
                        status.time.text,
                        status.time.offset, status.time.utc, status.reason ?? "",
                    ]
                })
            if let newExpiry = status.newExpiry, case .lot(let gtin, let lot) = status.scope {
                try await connection.query(
                    "UPDATE units SET expiry = \(newExpiry), last_record = \(id) WHERE gtin = \(gtin.value) AND lot = \(lot) AND (expiry IS NULL OR expiry < \(newExpiry))",
                    logger: logger)
            }
        }
    }

    /// A value in COPY's text format (backslash, tab and line breaks escaped).
    private static func copyField(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }

    // MARK: Reads

    func rows(_ sql: String, _ arguments: [String?]) async throws -> PostgresRowSequence {
        var bindings = PostgresBindings()
        for argument in arguments { bindings.append(argument) }
        return try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    }

    public func unit(_ key: UnitKey) async throws -> UnitRow? {
        try await Self.unitRows(rows("SELECT \(Schema.unitColumns) FROM units WHERE gtin = $1 AND serial = $2", [key.gtinColumn, key.serialColumn]))
            .first
    }

    public func product(gtin: String) async throws -> ProductRecord? {
        let rows = try await rows(
            "SELECT gtin, ndc, name, dosage_form, strength, container_size, manufacturer, company_prefix_length FROM products WHERE gtin = $1", [gtin]
        )
        for try await (gtin, ndc, name, dosageForm, strength, containerSize, manufacturer, cpl) in rows.decode(
            (String, String, String, String, String, String, String, Int).self)
        {
            return try StoredForms.product(gtin, ndc, name, dosageForm, strength, containerSize, manufacturer, cpl)
        }
        return nil
    }

    public func location(key: String) async throws -> LocationRecord? {
        let rows = try await rows(
            "SELECT gln, extension, company_prefix_length, name, street1, street2, city, state, postal_code, country FROM locations WHERE key = $1",
            [key])
        for try await (gln, glnExtension, cpl, name, street1, street2, city, state, postalCode, country) in rows.decode(
            (String, String, Int, String, String, String?, String, String, String, String).self)
        {
            return try StoredForms.location(
                gln, glnExtension, cpl, name,
                Address(street1: street1, street2: street2, city: city, state: state, postalCode: postalCode, country: country))
        }
        return nil
    }

    public func shipment(_ id: String) async throws -> StoredShipment? {
        var items: [UnitKey] = []
        for try await (gtin, serial) in try await rows("SELECT gtin, serial FROM shipment_items WHERE shipment = $1 ORDER BY position", [id]).decode(
            (String, String).self)
        {
            items.append(UnitKey(gtinColumn: gtin, serialColumn: serial))
        }
        var eventRecords: [String] = []
        for try await (recordID) in try await rows("SELECT record_id FROM shipment_events WHERE shipment = $1 ORDER BY record_id", [id]).decode(
            String.self)
        {
            eventRecords.append(recordID)
        }
        let rows = try await rows(
            """
            SELECT record_id, time, time_offset, utc, from_party, from_location, to_party, to_location, purchase_order, despatch_advice,
            drop_shipment, unit_count FROM shipments WHERE id = $1
            """, [id])
        for try await row in rows {
            let (recordID, time, offset, utc, fromParty, fromLocation, toParty, toLocation, po, desadv, drop, count) = try row.decode(
                (String, String, String, String, String, String, String, String, String, String?, Int, Int).self)
            return try StoredForms.shipment(
                id: id, recordID: recordID, time: FeedTime(text: time, offset: offset, utc: utc),
                glns: [fromParty, fromLocation, toParty, toLocation],
                purchaseOrder: po, despatchAdvice: desadv, dropShipment: drop != 0, unitCount: count, items: items, eventRecords: eventRecords)
        }
        return nil
    }

    public func eventHeaders(_ recordIDs: [String]) async throws -> [String: EventHeader] {
        var headers: [String: EventHeader] = [:]
        for part in recordIDs.chunked(Self.chunk) {
            let rows = try await client.query(
                PostgresQuery(
                    unsafeSQL: "SELECT record_id, kind, time, time_offset, utc, site, gtin, lot, expiry FROM events WHERE record_id = ANY($1)",
                    binds: Self.binds(Array(part))), logger: logger)
            for try await (id, kind, time, offset, utc, site, gtin, lot, expiry) in rows.decode(
                (String, String, String, String, String, String?, String?, String?, String?).self)
            {
                headers[id] = EventHeader(
                    recordID: id, kind: kind, time: FeedTime(text: time, offset: offset, utc: utc), site: site, gtin: gtin, lot: lot, expiry: expiry)
            }
        }
        return headers
    }

    public func shipmentUnits(_ shipment: String, order: ShipmentUnitOrder, after cursor: UnitRow?, limit: Int) async throws -> [UnitRow] {
        let (sql, arguments) = ShipmentPaging.query(shipment, order: order, after: cursor, limit: limit, placeholder: { "$\($0)" })
        return try await Self.unitRows(rows(sql, arguments))
    }

    public func counts() async throws -> StoreCounts {
        var phases: [Int: Int] = [:]
        for try await (phase, count) in try await rows(StoreCounts.phasesSQL, []).decode((Int, Int).self) { phases[phase] = count }
        for try await (records, packed, products, locations, shipments, statuses) in try await rows(StoreCounts.totalsSQL, []).decode(
            (Int, Int, Int, Int, Int, Int).self)
        {
            return StoreCounts(
                records: records, unitsByPhase: phases, packed: packed, products: products, locations: locations, shipments: shipments,
                statuses: statuses)
        }
        throw StoreError(.failed, "PostgreSQL returned no totals")
    }

    public func statuses(gtin: String) async throws -> [StoredStatus] {
        let rows = try await rows(
            "SELECT record_id, status, time, time_offset, utc, lot, serial, new_expiry, reason FROM statuses WHERE gtin = $1 ORDER BY utc, record_id, position",
            [gtin])
        var result: [StoredStatus] = []
        for try await (id, status, time, offset, utc, lot, serial, newExpiry, reason) in rows.decode(
            (String, String, String, String, String, String?, String?, String?, String?).self)
        {
            result.append(
                StoredStatus(
                    recordID: id, status: try StoredForms.status(status, record: id), time: FeedTime(text: time, offset: offset, utc: utc),
                    lot: lot,
                    serial: serial, newExpiry: newExpiry, reason: reason))
        }
        return result
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
