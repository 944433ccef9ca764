internal import Foundation
public import GatewayCore
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

    /// Claims due deliveries for `owner` until `leaseUntil`, moving each through `transition`
    /// (the state machine's `claimed`). Several processes may claim at once; each delivery goes
    /// to one of them.
    ///
    /// Due acknowledgement polls are taken first, up to `polls` of them, so a backlog of sends
    /// never starves them; then sends, while fewer than `limit` are claimed. Attempts that
    /// a dead process left unfinished on a claimed delivery become `interrupted`.
    func claim(owner: String, now: Int64, leaseUntil: Int64, limit: Int, polls: Int, transition: @Sendable (DeliverySnapshot) -> DeliverySnapshot?)
        async throws -> [DeliveryRow]

    /// Records that an attempt starts, in its own transaction, before any byte is sent, if the
    /// delivery is still at `version` (the caller's claim holds).
    /// - Returns: false when the claim was lost: the caller must not send.
    func startAttempt(_ attempt: AttemptRow, version: Int64) async throws -> Bool

    /// Writes a delivery's new state if it is still at `version` (a claim that lost its lease
    /// writes no state), with the attempt or operator action that caused it. An attempt is
    /// finished where ``startAttempt(_:version:)`` recorded it (even when the claim was lost:
    /// what happened on the wire is always kept), or added.
    /// - Returns: false when the delivery moved on meanwhile.
    func update(_ id: String, version: Int64, to snapshot: DeliverySnapshot, attempt: AttemptRow?, action: ActionRow?, now: Int64) async throws
        -> Bool

    /// Writes the stored bytes of a delivery to `path`, checking them against the stored digest.
    func spool(_ id: String, to path: String) async throws

    func delivery(_ id: String) async throws -> DeliveryRow?
    /// Deliveries, newest first, filtered by state and partner.
    func deliveries(states: [DeliveryState]?, partner: String?, limit: Int) async throws -> [DeliveryRow]
    func attempts(_ id: String) async throws -> [AttemptRow]
    func actions(_ id: String) async throws -> [ActionRow]
    /// How many deliveries are in each state.
    func queueCounts() async throws -> [DeliveryState: Int]

    /// Keeps an AS2 MDN as received (evidence), durably, before anything acts on it.
    func recordMDN(_ mdn: MDNRow) async throws
    /// The MDNs received for a Message-ID (without angle brackets), oldest first.
    func mdns(messageID: String) async throws -> [MDNRow]
    /// The MDNs received for a delivery, oldest first.
    func mdns(delivery: String) async throws -> [MDNRow]
    /// The delivery whose acknowledgement reference (an AS2 Message-ID, a capture job) is `reference`.
    func delivery(reference: String) async throws -> DeliveryRow?
}

/// An AS2 MDN exactly as it arrived: its HTTP headers and body.
public struct MDNRow: Hashable, Sendable {
    public var id: String
    /// The Message-ID it answers, without angle brackets.
    public var messageID: String
    public var deliveryID: String?
    public var partner: String?
    /// `sync` (the answer to our POST) or `async` (POSTed to `/as2`).
    public var channel: String
    public var receivedAt: Int64
    /// `Name: value` lines, CRLF-separated, as received.
    public var headers: String
    public var body: [UInt8]

    public init(
        id: String, messageID: String, deliveryID: String?, partner: String?, channel: String, receivedAt: Int64, headers: String, body: [UInt8]
    ) {
        self.id = id
        self.messageID = messageID
        self.deliveryID = deliveryID
        self.partner = partner
        self.channel = channel
        self.receivedAt = receivedAt
        self.headers = headers
        self.body = body
    }
}

extension DeliveryQueue {
    /// Claims up to `limit` due deliveries, polls first.
    public func claim(owner: String, now: Int64, leaseUntil: Int64, limit: Int, transition: @Sendable (DeliverySnapshot) -> DeliverySnapshot?)
        async throws
        -> [DeliveryRow]
    {
        try await claim(owner: owner, now: now, leaseUntil: leaseUntil, limit: limit, polls: limit, transition: transition)
    }
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

    public init(
        id: String, partner: String, shipment: String?, transport: String, documentID: String, contentType: String, metadata: [String: String] = [:],
        payload: String
    ) {
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

/// One send or poll, as it happened: one request on the wire.
public struct AttemptRow: Hashable, Sendable, Codable {
    /// Unique per attempt; sent to the partner with the request, so both sides' logs match.
    public var id: String
    public var deliveryID: String
    /// `send` or `poll`.
    public var kind: String
    public var startedAt: Int64
    /// Nil while the attempt runs, and for one a killed process never finished.
    public var finishedAt: Int64?
    /// The outcome in one word: acknowledged, accepted, failed, rejected, pending, poll-failed;
    /// `started` while it runs, `interrupted` when its process died before it ended.
    public var outcome: String
    /// The error text or the partner's answer (status line and a bounded excerpt).
    public var detail: String
    /// The gateway process that made it.
    public var owner: String

    /// The outcome of an attempt that is still running.
    public static let started = "started"
    /// The outcome of an attempt whose process died before it ended.
    public static let interrupted = "interrupted"

    public init(id: String, deliveryID: String, kind: String, startedAt: Int64, finishedAt: Int64?, outcome: String, detail: String, owner: String) {
        self.id = id
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
public struct DeliveryExists: CodedError {
    public typealias Code = ErrorCode<DeliveryExists>
    /// Always ``ErrorCode/deliveryExists``.
    public var code: Code { .deliveryExists }
    public var existing: DeliveryRow
    public var description: String {
        "partner \(existing.partner) already has shipment \(existing.shipment ?? "?") as delivery \(existing.id) (\(existing.snapshot.state.rawValue)); "
            + "use `queue resend \(existing.id)` to send the same bytes again"
    }
}

/// The stored bytes no longer match their digest: refuse to send them.
public struct PayloadCorrupt: CodedError {
    public typealias Code = ErrorCode<PayloadCorrupt>
    /// Always ``ErrorCode/payloadCorrupt``.
    public var code: Code { .payloadCorrupt }
    public var deliveryID: String
    public var expected: String
    public var found: String
    public var description: String {
        "the stored bytes of delivery \(deliveryID) have SHA-256 \(found) but \(expected) was stored with them; they are not sent (restore the database, or cancel and compose again)"
    }
}

extension ErrorCode where Domain == DeliveryExists {
    /// The partner already has a delivery of the shipment.
    public static let deliveryExists = Self("delivery-exists")
}

extension ErrorCode where Domain == PayloadCorrupt {
    /// A delivery's stored bytes no longer match their digest.
    public static let payloadCorrupt = Self("payload-corrupt")
}

/// The columns and helpers both engines share.
enum QueueSQL {
    static let columns =
        "id, partner, shipment, transport, document_id, content_type, byte_count, sha256, metadata, state, version, attempts, queued_at, due_at, ack_deadline, ack_reference, acknowledged_at, last_error, lease_owner, lease_until, updated_at"
    static let chunkSize = 1 << 20

    /// Due to be sent, and not held under a live lease (a `sending` row whose lease ran out was
    /// left by a process that died).
    static func dueSend(now: String) -> String {
        "((state IN ('queued', 'retry-wait') AND due_at <= \(now) AND (lease_until IS NULL OR lease_until < \(now))) OR (state = 'sending' AND lease_until < \(now)))"
    }

    /// Due to be polled for its acknowledgement, and not held under a live lease.
    static func duePoll(now: String) -> String {
        "(state = 'awaiting-ack' AND due_at <= \(now) AND (lease_until IS NULL OR lease_until < \(now)))"
    }

    /// The columns of an MDN, in the order both engines read them.
    static let mdnColumns = "mdn_id, message_id, delivery_id, partner, channel, received_at, headers, body"

    /// The columns of an attempt, in the order both engines read them.
    static let attemptColumns = "attempt_id, kind, started_at, finished_at, outcome, detail, owner"

    /// What an unfinished attempt on a delivery that was claimed again says about itself.
    static let interruptedDetail =
        "the gateway process stopped before this attempt ended (its claim ran out); whether the partner received it is unknown"

    static func encode(_ metadata: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The stored metadata object; anything else is corruption, never an empty default (it
    /// holds facts such as an AS2 Message-ID that retries must repeat).
    static func decode(_ text: String, delivery: String) throws -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let metadata = object as? [String: String] else {
            throw StoreError(
                .corrupt,
                "delivery \(delivery) has unreadable metadata '\(text.prefix(200))'; restore the row from a backup, or cancel it and queue again")
        }
        return metadata
    }

    /// A stored state word; an unknown one is corruption.
    static func state(_ text: String, delivery: String) throws -> DeliveryState {
        try StoredForms.known(text, "the state of delivery \(delivery)", fix: "restore the row from a backup")
    }
}

/// Reads a document file to queue in ``QueueSQL/chunkSize`` pieces, counting its bytes and
/// digest as it goes (never the whole file in memory).
///
/// `@unchecked Sendable`: it owns one file handle and one digest context, and is used by one
/// task at a time, which hands each read to the blocking pool and waits for it.
final class PayloadReader: @unchecked Sendable {
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
    func next() throws -> Data? {
        guard let data = try handle.read(upToCount: QueueSQL.chunkSize), !data.isEmpty else { return nil }
        data.withUnsafeBytes { digest.update($0) }
        bytes += Int64(data.count)
        return data
    }

    /// ``next()`` on the blocking pool, for callers on the cooperative pool.
    func nextOffThePool() async throws -> Data? {
        try await BlockingPool.run { try self.next() }
    }

    /// Closes the file; the lower-case hexadecimal SHA-256 of everything read.
    func finish() -> String {
        try? handle.close()
        return digest.finish()
    }
}
