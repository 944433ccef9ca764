internal import Foundation
public import GatewayCore
public import Outbox
public import Partners
public import Store
internal import Transports

/// Queueing documents for partners, and the operator's actions on deliveries.
public enum DeliveryOutbox {
    /// Milliseconds since 1970 (UTC).
    @Sendable public static func now() -> Int64 { SystemWallClock().now() }

    /// The state machine's timing for a partner.
    @Sendable public static func policy(_ profile: PartnerProfile) -> DeliveryPolicy {
        let poll: Duration
        switch profile.transport {
        case .https(let https): poll = https.pollInterval
        // An async MDN is looked for in the store, where `/as2` files it: a cheap, local read.
        case .as2: poll = .seconds(2)
        case .sftp(let sftp): poll = sftp.ackFiles?.interval ?? .seconds(60)
        }
        // A missing async MDN: the partner answers a resend of the same bytes with its MDN.
        let onLate: AcknowledgementPolicy.OnLate
        if case .as2 = profile.transport {
            onLate = profile.acknowledgement.onLate ?? .resend
        } else {
            onLate = profile.acknowledgement.onLate ?? .wait
        }
        return DeliveryPolicy(
            retrySchedule: profile.retry.schedule.map(\.milliseconds), giveUpAfter: profile.retry.giveUpAfter.milliseconds,
            acknowledgementTimeout: profile.acknowledgement.timeout.milliseconds, pollInterval: poll.milliseconds,
            onLate: DeliveryPolicy.LateAction(rawValue: onLate.rawValue) ?? .wait)
    }

    /// For deliveries whose partner profile is not loaded (the profile defaults).
    public static let defaultPolicy = policy(
        PartnerProfile(id: "default", name: "", glns: [], epcis: EPCISSettings(), transport: .https(HTTPSSettings(url: "")), file: ""))

    /// Stores a document for a partner as a new delivery, due at once.
    ///
    /// - Throws: ``QueueRefused`` when the partner's transport cannot send yet or the document
    ///   breaks the profile's limits; ``DeliveryExists`` when the shipment is already queued.
    public static func enqueue(
        _ file: String, for profile: PartnerProfile, shipment: String?, documentID: String, contentType: String, queue: any DeliveryQueue,
        id: String? = nil, now: Int64 = now()
    ) async throws -> DeliveryRow {
        let id = id ?? UUID().uuidString.lowercased()
        try checkTransport(profile)
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        if let limit = profile.limits.maxDocumentBytes, size > limit {
            throw QueueRefused(
                .tooLarge,
                "the document is \(size) bytes and partner \(profile.id) takes at most \(limit) (limits.maxDocumentBytes in \(profile.file)); "
                    + "nothing was queued: split the shipment, or raise the limit once the partner agrees")
        }
        if case .sftp(let settings) = profile.transport {
            // The final name is fixed now: every attempt looks for what the last one left by it.
            let name = fileName(
                settings.fileName, document: documentID, shipment: shipment, type: contentType, delivery: id, timestamp: now)
            return try await queue.enqueue(
                NewDelivery(
                    id: id, partner: profile.id, shipment: shipment, transport: profile.transport.kind, documentID: documentID,
                    contentType: contentType, metadata: [SFTPNames.metadataKey: name], payload: file),
                at: now)
        }
        guard case .as2(let settings) = profile.transport else {
            return try await queue.enqueue(
                NewDelivery(
                    id: id, partner: profile.id, shipment: shipment, transport: profile.transport.kind, documentID: documentID,
                    contentType: contentType, payload: file),
                at: now)
        }
        // AS2: the message is built once, here; its bytes, Message-ID and MIC are stored before
        // the first attempt, and every retry and resend sends exactly them.
        let built = file + ".as2"
        defer { try? FileManager.default.removeItem(atPath: built) }
        let message = try await BlockingPool.run {
            try AS2MessageBuilder(
                settings: settings, credentials: try AS2Credentials.load(settings, now: now),
                workDirectory: (file as NSString).deletingLastPathComponent
            ).build(
                AS2MessageBuilder.Payload(
                    file: file, contentType: contentType,
                    fileName: fileName(settings.fileName, document: documentID, shipment: shipment, type: contentType)),
                output: built, now: now, id: id)
        }
        var metadata = message.metadata
        metadata["as2.document-sha256"] = try await BlockingPool.run { Digest.hex(try CMS.digest(file: file, algorithm: "SHA256")) }
        return try await queue.enqueue(
            NewDelivery(
                id: id, partner: profile.id, shipment: shipment, transport: profile.transport.kind, documentID: documentID,
                contentType: message.contentType, metadata: metadata, payload: built),
            at: now)
    }

    /// The payload's file name from the profile's pattern, reduced to safe characters:
    /// `{document}`, `{shipment}`, `{delivery}`, `{timestamp}` (UTC, `yyyyMMddHHmmssSSS`) and
    /// `{extension}`.
    static func fileName(_ pattern: String, document: String, shipment: String?, type: String, delivery: String = "", timestamp: Int64 = 0) -> String
    {
        func safe(_ text: String) -> String {
            String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
        }
        let fileExtension = type.contains("json") ? "json" : "xml"
        return pattern.replacingOccurrences(of: "{document}", with: safe(document)).replacingOccurrences(
            of: "{shipment}", with: safe(shipment ?? "none")
        )
        .replacingOccurrences(of: "{delivery}", with: safe(delivery))
        .replacingOccurrences(of: "{timestamp}", with: compactTimestamp(timestamp))
        .replacingOccurrences(of: "{extension}", with: fileExtension)
    }

    /// `yyyyMMddHHmmssSSS` in UTC.
    static func compactTimestamp(_ milliseconds: Int64) -> String {
        var time = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2)
            + pad(parts.tm_sec, 2) + pad(Int32(milliseconds % 1000), 3)
    }

    /// Refuses partners this gateway cannot send to yet.
    /// - Throws: ``QueueRefused``.
    public static func checkTransport(_ profile: PartnerProfile) throws {
        switch profile.transport {
        case .https, .as2: return
        case .sftp(let settings):
            guard settings.hostKey != nil else {
                throw QueueRefused(
                    .pendingOnboarding,
                    "partner \(profile.id) is pending onboarding: no SFTP host key is pinned in \(profile.file); nothing was queued. "
                        + "Run `epcis-gateway partners trust-host \(profile.id)`, confirm the fingerprint with the partner, then queue again")
            }
        }
    }

    /// An operator's action.
    public enum Action: String, Sendable, CaseIterable {
        case retry, resend, cancel

        var event: DeliveryEvent {
            switch self {
            case .retry: .retryRequested
            case .resend: .resendRequested
            case .cancel: .cancelRequested
            }
        }
    }

    /// Applies an operator's action with its reason, recorded with the state change in one
    /// transaction.
    ///
    /// - Throws: ``QueueRefused`` for an unknown delivery, an empty reason or a change the state
    ///   machine does not allow (the message says why).
    public static func act(
        _ action: Action, on id: String, reason: String, actor: String, queue: any DeliveryQueue, policy: DeliveryPolicy = defaultPolicy,
        now: Int64 = now()
    ) async throws -> DeliveryRow {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw QueueRefused(.reasonRequired, "say why with --reason; every operator action is recorded with its reason") }
        // A dispatcher may change the delivery between our read and our write: read again.
        for _ in 0..<5 {
            guard let row = try await queue.delivery(id) else {
                throw QueueRefused(.noSuchDelivery, "there is no delivery \(id); `queue list` shows them")
            }
            let next: DeliverySnapshot
            switch DeliveryMachine.apply(action.event, to: row.snapshot, policy: policy, now: now) {
            case .failure(let illegal): throw QueueRefused(.notAllowedNow, illegal.description)
            case .success(let snapshot): next = snapshot
            }
            let record = ActionRow(
                deliveryID: id, at: now, action: action.rawValue, reason: reason, actor: actor, fromState: row.snapshot.state.rawValue,
                toState: next.state.rawValue)
            if try await queue.update(id, version: row.version, to: next, attempt: nil, action: record, now: now) {
                return try await queue.delivery(id) ?? row
            }
        }
        throw QueueRefused(.contention, "delivery \(id) kept changing while the action was applied; try again")
    }
}

/// The outbox refused a request; the message says why and what to do. Nothing was changed.
///
/// Equality compares the ``code`` only.
public struct QueueRefused: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<QueueRefused>

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension ErrorCode where Domain == QueueRefused {
    /// The partner's transport cannot send from this gateway yet.
    public static let transportUnavailable = Self("transport-unavailable")
    /// An SFTP partner whose host key is not pinned yet.
    public static let pendingOnboarding = Self("pending-onboarding")
    /// The document breaks the partner's limits.
    public static let tooLarge = Self("document-too-large")
    /// There is no such delivery.
    public static let noSuchDelivery = Self("no-such-delivery")
    /// An operator action without a reason.
    public static let reasonRequired = Self("reason-required")
    /// The delivery's state does not allow the action now.
    public static let notAllowedNow = Self("not-allowed-now")
    /// The delivery kept changing while the action was applied.
    public static let contention = Self("delivery-busy")
}
