internal import EPCIS
internal import Foundation
public import Outbox

/// The durable outbox: deliveries with their exact bytes, every attempt, every operator action.
///
/// Every method is one transaction. Bytes are stored in 1 MiB chunks before the first attempt
/// and never change; a retry or resend sends them again as they are.
public protocol DeliveryQueue: Sendable {
    /// Stores a new delivery and its payload file, due at once.
    ///
    /// - Throws: ``DeliveryExists`` when this partner already has a delivery of this shipment
    ///   (a second document would be a duplicate the partner cannot recognise).
    func enqueue(_ delivery: NewDelivery, at now: Int64) async throws -> DeliveryRow

    /// Claims up to `limit` due deliveries for `owner` until `leaseUntil`, moving each through
    /// `transition` (the state machine's `claimed`). Several processes may claim at once; each
    /// delivery goes to one of them.
    func claim(owner: String, now: Int64, leaseUntil: Int64, limit: Int, transition: @Sendable (DeliverySnapshot) -> DeliverySnapshot?) async throws
        -> [DeliveryRow]

    /// Writes a delivery's new state if it is still at `version` (a claim that lost its lease
    /// writes nothing), with the attempt or operator action that caused it.
    /// - Returns: false when the delivery moved on meanwhile.
    func update(_ id: String, version: Int64, to snapshot: DeliverySnapshot, attempt: AttemptRow?, action: ActionRow?, now: Int64) async throws -> Bool

    /// Writes the stored bytes of a delivery to `path`, checking them against the stored digest.
    func spool(_ id: String, to path: String) async throws

    func delivery(_ id: String) async throws -> DeliveryRow?
    /// Deliveries, newest first, filtered by state and partner.
    func deliveries(states: [DeliveryState]?, partner: String?, limit: Int) async throws -> [DeliveryRow]
    func attempts(_ id: String) async throws -> [AttemptRow]
    func actions(_ id: String) async throws -> [ActionRow]
    /// How many deliveries are in each state.
    func queueCounts() async throws -> [DeliveryState: Int]
}

/// A delivery to store.
public struct NewDelivery: Sendable {
    public var id: String
    public var partner: String
    public var shipment: String?
    /// `https`, `as2` or `sftp`.
    public var transport: String
    /// The partner's de-duplication key: the SBDH instance identifier, or the delivery id.
    public var documentID: String
    public var contentType: String
    /// Transport facts fixed before the first attempt (for AS2, the Message-ID).
    public var metadata: [String: String]
    /// The file holding the exact bytes.
    public var payload: String

    public init(id: String, partner: String, shipment: String?, transport: String, documentID: String, contentType: String, metadata: [String: String] = [:], payload: String) {
        self.id = id
        self.partner = partner
        self.shipment = shipment
        self.transport = transport
        self.documentID = documentID
        self.contentType = contentType
        self.metadata = metadata
        self.payload = payload
    }
}

/// A stored delivery (without its bytes).
public struct DeliveryRow: Hashable, Sendable {
    public var id: String
    public var partner: String
    public var shipment: String?
    public var transport: String
    public var documentID: String
    public var contentType: String
    public var byteCount: Int64
    public var sha256: String
    public var metadata: [String: String]
    public var snapshot: DeliverySnapshot
    /// Bumped by every change; updates name the version they saw.
    public var version: Int64
    public var leaseOwner: String?
    public var leaseUntil: Int64?
    public var updatedAt: Int64

    /// The row as a claim just wrote it (both engines' claim statements do the same update).
    func claimed(_ snapshot: DeliverySnapshot, owner: String, until: Int64, now: Int64) -> DeliveryRow {
        var row = self
        row.snapshot = snapshot
        row.version += 1
        row.leaseOwner = owner
        row.leaseUntil = until
        row.updatedAt = now
        return row
    }
}

/// One send or poll, as it happened.
public struct AttemptRow: Hashable, Sendable, Codable {
    public var deliveryID: String
    /// `send` or `poll`.
    public var kind: String
    public var startedAt: Int64
    public var finishedAt: Int64
    /// The outcome in one word: acknowledged, accepted, failed, rejected, pending.
    public var outcome: String
    /// The error text or the partner's answer (status line and a bounded excerpt).
    public var detail: String
    /// The gateway process that made it.
    public var owner: String

    public init(deliveryID: String, kind: String, startedAt: Int64, finishedAt: Int64, outcome: String, detail: String, owner: String) {
        self.deliveryID = deliveryID
        self.kind = kind
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.detail = detail
        self.owner = owner
    }
}

/// An operator's action on a delivery, with the reason they gave.
public struct ActionRow: Hashable, Sendable, Codable {
    public var deliveryID: String
    public var at: Int64
    /// retry, resend or cancel.
    public var action: String
    public var reason: String
    /// Who did it (the operating-system user, or an API client).
    public var actor: String
    public var fromState: String
    public var toState: String

    public init(deliveryID: String, at: Int64, action: String, reason: String, actor: String, fromState: String, toState: String) {
        self.deliveryID = deliveryID
        self.at = at
        self.action = action
        self.reason = reason
        self.actor = actor
        self.fromState = fromState
        self.toState = toState
    }
}

/// This partner already has a delivery of this shipment.
public struct DeliveryExists: Error, Sendable, CustomStringConvertible {
    public var existing: DeliveryRow
    public var description: String {
        "partner \(existing.partner) already has shipment \(existing.shipment ?? "?") as delivery \(existing.id) (\(existing.snapshot.state.rawValue)); "
            + "use `queue resend \(existing.id)` to send the same bytes again"
    }
}

/// The stored bytes no longer match their digest: refuse to send them.
public struct PayloadCorrupt: Error, Sendable, CustomStringConvertible {
    public var deliveryID: String
    public var expected: String
    public var found: String
    public var description: String {
        "the stored bytes of delivery \(deliveryID) have SHA-256 \(found) but \(expected) was stored with them; they are not sent (restore the database, or cancel and compose again)"
    }
}

/// The columns and helpers both engines share.
enum QueueSQL {
    static let columns =
        "id, partner, shipment, transport, document_id, content_type, byte_count, sha256, metadata, state, version, attempts, queued_at, due_at, ack_deadline, ack_reference, acknowledged_at, last_error, lease_owner, lease_until, updated_at"
    static let chunkSize = 1 << 20

    /// Due to send or poll, and not held under a live lease.
    static func dueCondition(now: String) -> String {
        "((state IN ('queued', 'retry-wait', 'awaiting-ack') AND due_at <= \(now) AND (lease_until IS NULL OR lease_until < \(now))) OR (state = 'sending' AND lease_until < \(now)))"
    }

    static func encode(_ metadata: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String] ?? [:]
    }
}

/// Reads a document file to queue in ``QueueSQL/chunkSize`` pieces, counting its bytes and
/// digest as it goes (never the whole file in memory).
struct PayloadReader {
    private let handle: FileHandle
    private let digest = Digest.SHA256Stream()
    private(set) var bytes: Int64 = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError(.failed, "cannot read the document \(path) to queue it; check it exists and is readable")
        }
        self.handle = handle
    }

    /// The next chunk, or nil at the end.
    mutating func next() throws -> Data? {
        guard let data = try handle.read(upToCount: QueueSQL.chunkSize), !data.isEmpty else { return nil }
        data.withUnsafeBytes { digest.update($0) }
        bytes += Int64(data.count)
        return data
    }

    /// Closes the file; the lower-case hexadecimal SHA-256 of everything read.
    func finish() -> String {
        try? handle.close()
        return digest.finish()
    }
}
