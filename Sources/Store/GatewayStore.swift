public import GatewayCore
public import Records

/// The gateway's state: serials and their hierarchy, master data, shipments and statuses.
///
/// One interface, two engines that pass the same test suite: ``SQLiteStore`` (embedded, the
/// default) and ``PostgresStore`` (one database shared by several gateway processes).
/// Every method that changes state does so in one transaction.
public protocol GatewayStore: DeliveryQueue, InboundStore, VerificationStore, TraceStore {
    /// Applies a batch of records atomically: all of it, or nothing.
    ///
    /// Records the store already has with the same content are skipped (re-sending a batch is
    /// harmless); a record id reused for different content is an issue.
    ///
    /// - Throws: ``BatchRejected`` with every issue found (nothing is stored then), or
    ///   ``StoreError`` when the database fails.
    func ingest(_ records: [FeedRecord], batch: String) async throws -> IngestReport

    /// The state of one unit, by its key (a primary-key lookup).
    func unit(_ key: UnitKey) async throws -> UnitRow?

    /// Product master data of a GTIN.
    func product(gtin: String) async throws -> ProductRecord?

    /// Location or party master data, by ``LocationRecord/key``.
    func location(key: String) async throws -> LocationRecord?

    /// A shipment and its top-level units.
    func shipment(_ id: String) async throws -> StoredShipment?

    /// The event headers (time, site, lot, expiry) of records.
    func eventHeaders(_ recordIDs: [String]) async throws -> [String: EventHeader]

    /// One page of a shipment's units in the order given, after `cursor` (exclusive).
    func shipmentUnits(_ shipment: String, order: ShipmentUnitOrder, after cursor: UnitRow?, limit: Int) async throws -> [UnitRow]

    /// The status records of a GTIN (product, lot and serial level), oldest first.
    func statuses(gtin: String) async throws -> [StoredStatus]

    /// How much the store holds: records, units by phase, shipments and statuses.
    func counts() async throws -> StoreCounts

    /// Closes connections.
    func close() async throws
}

/// Totals for operators (and for tests that prove a refused batch changed nothing).
public struct StoreCounts: Hashable, Sendable, Codable {
    public var records: Int
    /// Units by ``UnitPhase`` raw value, and how many sit in a container.
    public var unitsByPhase: [Int: Int]
    public var packed: Int
    public var products: Int
    public var locations: Int
    public var shipments: Int
    public var statuses: Int

    public init(records: Int, unitsByPhase: [Int: Int], packed: Int, products: Int, locations: Int, shipments: Int, statuses: Int) {
        self.records = records
        self.unitsByPhase = unitsByPhase
        self.packed = packed
        self.products = products
        self.locations = locations
        self.shipments = shipments
        self.statuses = statuses
    }

    /// The SQL both engines run: one row of scalar totals.
    static let totalsSQL = """
        SELECT (SELECT count(*) FROM feed_records), (SELECT count(*) FROM units WHERE parent_serial IS NOT NULL),
        (SELECT count(*) FROM products), (SELECT count(*) FROM locations), (SELECT count(*) FROM shipments), (SELECT count(*) FROM statuses)
        """
    static let phasesSQL = "SELECT phase, count(*) FROM units GROUP BY phase"
}

/// The order of a shipment's units for composing.
public enum ShipmentUnitOrder: Sendable {
    /// By commissioning time, commissioning record, then key: one run per commissioning event.
    case commissioning
    /// Units packed in a container, by packing time, packing record, container, then key: one
    /// run per aggregation event.
    case packing
}

/// What an accepted batch did.
public struct IngestReport: Hashable, Sendable, Codable {
    /// The batch name (a file name or an HTTP request id).
    public var batch: String
    /// Records applied now.
    public var applied: Int
    /// Records skipped because the store already had them with the same content.
    public var alreadyApplied: Int
    /// Serials and SSCCs commissioned.
    public var commissioned: Int
    /// Existing units whose state changed.
    public var unitsChanged: Int
    /// Shipments created.
    public var shipments: [String]

    public init(batch: String, applied: Int, alreadyApplied: Int, commissioned: Int, unitsChanged: Int, shipments: [String]) {
        self.batch = batch
        self.applied = applied
        self.alreadyApplied = alreadyApplied
        self.commissioned = commissioned
        self.unitsChanged = unitsChanged
        self.shipments = shipments
    }

    init(batch: String, changes: ChangeSet) {
        self.init(
            batch: batch, applied: changes.records.count, alreadyApplied: changes.alreadyApplied.count, commissioned: changes.commissionedCount,
            unitsChanged: changes.updates.count, shipments: changes.shipments.map(\.record.shipment))
    }
}

/// A stored shipment.
public struct StoredShipment: Hashable, Sendable {
    public var id: String
    /// The ship record.
    public var recordID: String
    public var record: ShipRecord
    /// How many units (top-level and everything inside) left in it.
    public var unitCount: Int
    /// The commissioning and packing records of those units (their events go in the document).
    public var eventRecords: [String]
}

/// The time and place of an event-bearing record.
public struct EventHeader: Hashable, Sendable {
    public var recordID: String
    public var kind: String
    public var time: FeedTime
    public var site: String?
    public var gtin: String?
    public var lot: String?
    public var expiry: String?
}

/// One stored status change.
public struct StoredStatus: Hashable, Sendable {
    public var recordID: String
    public var status: StatusRecord.Status
    public var time: FeedTime
    public var lot: String?
    public var serial: String?
    public var newExpiry: String?
    public var reason: String?
}

/// A database failure: what was being done, and the engine's own message.
///
/// Equality compares the ``code`` only, so callers and tests can match on it.
public struct StoreError: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<StoreError>

    /// The error category.
    public var code: Code
    /// What failed, and what to do.
    public var message: String
    /// The engine's own error.
    public var cause: (any Error & Sendable)?

    /// An underlying failure kept as text (database drivers' errors are not all `Sendable`).
    public struct Detail: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ error: any Error) { description = String(reflecting: error) }
    }

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        "\(message) (\(code))" + (cause.map { ": \(String(describing: $0))" } ?? "")
    }
}

/// Opens the store a location names.
public enum StoreLocation {
    /// Whether `location` names a PostgreSQL database.
    public static func isPostgres(_ location: String) -> Bool { location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") }

    /// The SQLite file a location names (a `sqlite:` prefix is allowed), or nil for PostgreSQL.
    public static func sqlitePath(_ location: String) -> String? {
        if isPostgres(location) { return nil }
        return location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
    }

    /// Runs `body` with the store `location` names, then closes it.
    ///
    /// `postgres://user:password@host:port/database` is ``PostgresStore``: its client runs as a
    /// child task for exactly as long as `body` (so it outlives everything `body` runs, such as
    /// a service group's graceful shutdown), and the tables are migrated before `body` starts.
    /// Anything else is a SQLite file path (``SQLiteStore``).
    public static func withStore<T>(_ location: String, _ body: (any GatewayStore) async throws -> T) async throws -> T {
        guard isPostgres(location) else {
            let store = try SQLiteStore(path: sqlitePath(location) ?? location)
            do {
                let result = try await body(store)
                try await store.close()
                return result
            } catch {
                try? await store.close()
                throw error
            }
        }
        let store = try PostgresStore(url: location)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let (started, signal) = AsyncStream<Void>.makeStream()
            group.addTask {
                signal.finish()
                await store.run()
            }
            for await _ in started {}
            defer { group.cancelAll() }
            try await store.prepare()
            return try await body(store)
        }
    }

    /// Opens the store and keeps it until ``GatewayStore/close()``; for tests and tools that
    /// hold a store across calls. Prefer ``withStore(_:_:)``.
    public static func open(_ location: String) async throws -> any GatewayStore {
        if isPostgres(location) { return try await PostgresStore.open(url: location) }
        return try SQLiteStore(path: sqlitePath(location) ?? location)
    }
}

extension ErrorCode where Domain == StoreError {
    /// The database cannot be reached or opened.
    public static let unavailable = Self("store-unavailable")
    /// A stored value cannot be read back as what was written: never replaced by a default.
    public static let corrupt = Self("store-corrupt")
    /// The store location is not a SQLite path or a PostgreSQL URL.
    public static let invalidLocation = Self("invalid-store-location")
    /// A statement failed.
    public static let failed = Self("store-failed")
    /// A newer release upgraded the store; this binary does not know its schema.
    public static let newerSchema = Self("store-newer-schema")
}
