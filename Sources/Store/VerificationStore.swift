public import Records

/// What the verification responder reads and writes: the facts about one identifier, the
/// durable audit log of every query and answer, and the quarantines that suspect and
/// illegitimate statuses open.
public protocol VerificationStore: Sendable {
    /// The product, the unit and the statuses that cover it (its GTIN, its lot, or the unit),
    /// read in one consistent snapshot.
    func verificationLookup(gtin: String, serial: String, lot: String) async throws -> VerificationLookup
    /// Appends entries to the audit log in one transaction; they are durable when it returns.
    func recordVerifications(_ entries: [VerificationLogEntry]) async throws
    /// Newest first.
    func verificationLog(_ filter: VerificationLogFilter) async throws -> [VerificationLogEntry]
    /// Suspect and illegitimate statuses, each a quarantine; oldest first.
    func quarantines(includeClosed: Bool) async throws -> [QuarantineRow]
    /// Closes one quarantine with the operator's reason.
    /// - Throws: ``StoreError`` `failed` when there is no such quarantine or it is closed already.
    func closeQuarantine(recordID: String, position: Int, reason: String, by operator: String, at milliseconds: Int64) async throws -> QuarantineRow
}

/// The store's answer for one identifier.
public struct VerificationLookup: Hashable, Sendable {
    public var productKnown: Bool
    public var unit: UnitRow?
    /// The expiry printed on the unit, from its commissioning record (`YYYY-MM-DD`); the unit's
    /// own expiry moves with an FDA extension.
    public var printedExpiry: String?
    /// Oldest first.
    public var statuses: [StoredStatus]

    public init(productKnown: Bool, unit: UnitRow?, printedExpiry: String?, statuses: [StoredStatus]) {
        self.productKnown = productKnown
        self.unit = unit
        self.printedExpiry = printedExpiry
        self.statuses = statuses
    }
}

/// One verification query and its answer, as the audit log keeps it.
public struct VerificationLogEntry: Hashable, Sendable, Codable {
    public var id: String
    /// Milliseconds since 1970 UTC, when the request arrived.
    public var at: Int64
    /// `verify` or `checkConnectivity`.
    public var kind: String
    /// The requestor's GLN as sent (nil when the request had none that could be read).
    public var requestor: String?
    /// The partner whose profile names the requestor.
    public var partner: String?
    public var gtin: String?
    public var lot: String?
    public var serial: String?
    /// `exp` as sent.
    public var expiry: String?
    public var correlationID: String?
    /// The HTTP status answered.
    public var status: Int
    public var verified: Bool?
    public var failureReason: String?
    public var additionalInfo: String?
    /// Why the request was refused (400, 401, 403, …).
    public var problem: String?
    /// The R1.3 attestations (`ctrlPossessAtt`, `email`, `telephone`), `name=value` joined by `; `.
    public var attestations: String?
    /// The request target as received, for a request that could not be read (at most 1 KiB).
    public var target: String?
    public var remote: String?
    public var latencyMicroseconds: Int64

    public init(
        id: String, at: Int64, kind: String, requestor: String? = nil, partner: String? = nil, gtin: String? = nil, lot: String? = nil,
        serial: String? = nil, expiry: String? = nil, correlationID: String? = nil, status: Int, verified: Bool? = nil,
        failureReason: String? = nil, additionalInfo: String? = nil, problem: String? = nil, attestations: String? = nil,
        target: String? = nil, remote: String? = nil, latencyMicroseconds: Int64 = 0
    ) {
        self.id = id
        self.at = at
        self.kind = kind
        self.requestor = requestor
        self.partner = partner
        self.gtin = gtin
        self.lot = lot
        self.serial = serial
        self.expiry = expiry
        self.correlationID = correlationID
        self.status = status
        self.verified = verified
        self.failureReason = failureReason
        self.additionalInfo = additionalInfo
        self.problem = problem
        self.attestations = attestations
        self.target = target
        self.remote = remote
        self.latencyMicroseconds = latencyMicroseconds
    }
}

/// Which log entries to read.
public struct VerificationLogFilter: Hashable, Sendable {
    public var requestor: String?
    public var gtin: String?
    /// Milliseconds since 1970; entries at or after it.
    public var since: Int64?
    public var limit: Int

    public init(requestor: String? = nil, gtin: String? = nil, since: Int64? = nil, limit: Int = 100) {
        self.requestor = requestor
        self.gtin = gtin
        self.since = since
        self.limit = limit
    }
}

/// A suspect or illegitimate status, which locks the units it covers against shipping until
/// an operator closes it with a reason.
public struct QuarantineRow: Hashable, Sendable, Codable {
    public var recordID: String
    /// The status row within its record (one per serial of a serial-scoped record).
    public var position: Int
    /// `suspect` or `illegitimate`.
    public var status: String
    public var gtin: String
    public var lot: String?
    public var serial: String?
    /// When the status took effect, ISO 8601 UTC.
    public var utc: String
    public var reason: String?
    public var closedAt: Int64?
    public var closeReason: String?
    public var closedBy: String?

    public init(
        recordID: String, position: Int, status: String, gtin: String, lot: String?, serial: String?, utc: String, reason: String?,
        closedAt: Int64? = nil, closeReason: String? = nil, closedBy: String? = nil
    ) {
        self.recordID = recordID
        self.position = position
        self.status = status
        self.gtin = gtin
        self.lot = lot
        self.serial = serial
        self.utc = utc
        self.reason = reason
        self.closedAt = closedAt
        self.closeReason = closeReason
        self.closedBy = closedBy
    }

    public var isOpen: Bool { closedAt == nil }

    /// Whether it covers a unit of `gtin`, `lot` and `serial`.
    public func covers(gtin: String, lot: String?, serial: String) -> Bool {
        guard self.gtin == gtin else { return false }
        if let own = self.serial { return own == serial }
        if let own = self.lot { return own == lot }
        return true
    }

    /// What it covers, for messages: `GTIN 0…`, `lot L1 of GTIN 0…`, `GTIN 0… serial S1`.
    public var scope: String {
        if let serial { return "GTIN \(gtin) serial \(serial)" }
        if let lot { return "lot \(lot) of GTIN \(gtin)" }
        return "every unit of GTIN \(gtin)"
    }
}

/// The SQL both engines share.
enum VerificationSQL {
    static let logColumns =
        "entry_id, at, kind, requestor, partner, gtin, lot, serial, expiry, corr_uuid, status, verified, failure_reason, additional_info, problem, attestations, target, remote, latency_us"
    static let statusColumns = "record_id, status, time, time_offset, utc, lot, serial, new_expiry, reason"
    static let quarantineSelect = """
        SELECT s.record_id, s.position, s.status, s.gtin, s.lot, s.serial, s.utc, s.reason, c.closed_at, c.reason, c.closed_by
        FROM statuses s LEFT JOIN quarantine_closures c ON c.record_id = s.record_id AND c.position = s.position
        WHERE s.status IN ('suspect', 'illegitimate')
        """

    /// The WHERE clause of a log filter; `text` and `number` bind a value and return its
    /// placeholder.
    static func logCondition(_ filter: VerificationLogFilter, text: (String) -> String, number: (Int64) -> String) -> String {
        var clauses: [String] = []
        if let requestor = filter.requestor { clauses.append("requestor = \(text(requestor))") }
        if let gtin = filter.gtin { clauses.append("gtin = \(text(gtin))") }
        if let since = filter.since { clauses.append("at >= \(number(since))") }
        return clauses.isEmpty ? "1 = 1" : clauses.joined(separator: " AND ")
    }
}
