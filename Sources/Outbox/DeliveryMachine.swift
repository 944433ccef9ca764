/// Where a delivery stands. Stored as the raw value.
public enum DeliveryState: String, Hashable, Sendable, Codable, CaseIterable {
    /// Waiting for its first attempt.
    case queued
    /// Claimed by a dispatcher that is sending it now (under a lease).
    case sending
    /// The partner took it; its acknowledgement (an EPCIS capture job's outcome, an async MDN)
    /// is awaited.
    case awaitingAcknowledgement = "awaiting-ack"
    /// The partner confirmed it. Final.
    case acknowledged
    /// The partner refused it (a 4xx answer, a failed capture job). Not retried blindly: an
    /// operator decides.
    case rejected
    /// A transport failure; the next attempt is due at `dueAt`.
    case retryWait = "retry-wait"
    /// Transport failures lasted past the profile's give-up time.
    case deadLettered = "dead-letter"
    /// An operator withdrew it. Final.
    case cancelled

    /// States a dispatcher may pick up when due.
    public static let claimable: [DeliveryState] = [.queued, .retryWait, .sending, .awaitingAcknowledgement]

    /// States that need an operator (or nothing) to move on.
    public var isSettled: Bool { [.acknowledged, .rejected, .deadLettered, .cancelled].contains(self) }
}

/// The timing rules of one partner, in milliseconds.
public struct DeliveryPolicy: Hashable, Sendable {
    /// Waits before the 2nd, 3rd, … attempt; the last repeats.
    public var retrySchedule: [Int64]
    /// Since queueing; a failure after this dead-letters the delivery.
    public var giveUpAfter: Int64
    /// Since the partner took the document; later than this, the delivery is shown as late.
    public var acknowledgementTimeout: Int64
    /// Between polls of an acknowledgement (capture job).
    public var pollInterval: Int64
    /// What a poll does once the acknowledgement is late.
    public var onLate: LateAction

    /// What happens to a delivery whose acknowledgement is overdue.
    public enum LateAction: String, Hashable, Sendable, CaseIterable {
        /// Keep waiting (and polling); the delivery shows as LATE.
        case wait
        /// Send the same bytes again (an AS2 partner answers a duplicate with its MDN), until
        /// the give-up time; then dead-letter.
        case resend
        /// Dead-letter it: an operator decides.
        case deadLetter = "dead-letter"
    }

    public init(retrySchedule: [Int64], giveUpAfter: Int64, acknowledgementTimeout: Int64, pollInterval: Int64, onLate: LateAction = .wait) {
        self.retrySchedule = retrySchedule.isEmpty ? [60_000] : retrySchedule
        self.giveUpAfter = giveUpAfter
        self.acknowledgementTimeout = acknowledgementTimeout
        self.pollInterval = pollInterval
        self.onLate = onLate
    }
}

/// The part of a delivery the state machine reads and writes. Times are milliseconds since
/// 1970 (UTC).
public struct DeliverySnapshot: Hashable, Sendable {
    public var state: DeliveryState
    /// Send attempts started so far (polls are not counted).
    public var attempts: Int
    public var queuedAt: Int64
    /// When the next send or poll is due.
    public var dueAt: Int64?
    /// When the acknowledgement becomes late.
    public var acknowledgementDeadline: Int64?
    /// What to poll for the acknowledgement (a capture job URL, an MDN Message-ID).
    public var acknowledgementReference: String?
    public var acknowledgedAt: Int64?
    /// The last failure or refusal, in words.
    public var lastError: String?

    public init(
        state: DeliveryState, attempts: Int, queuedAt: Int64, dueAt: Int64?, acknowledgementDeadline: Int64? = nil,
        acknowledgementReference: String? = nil,
        acknowledgedAt: Int64? = nil, lastError: String? = nil
    ) {
        self.state = state
        self.attempts = attempts
        self.queuedAt = queuedAt
        self.dueAt = dueAt
        self.acknowledgementDeadline = acknowledgementDeadline
        self.acknowledgementReference = acknowledgementReference
        self.acknowledgedAt = acknowledgedAt
        self.lastError = lastError
    }

    /// A new delivery, due at once.
    public static func new(at now: Int64) -> DeliverySnapshot {
        DeliverySnapshot(state: .queued, attempts: 0, queuedAt: now, dueAt: now)
    }

    /// Awaiting an acknowledgement past its deadline: shown to operators and alerted on.
    public func isLate(at now: Int64) -> Bool {
        state == .awaitingAcknowledgement && (acknowledgementDeadline.map { now > $0 } ?? false)
    }
}

/// What happened to a delivery.
public enum DeliveryEvent: Hashable, Sendable {
    /// A dispatcher claimed it (to send, or to poll its acknowledgement).
    case claimed
    /// The partner confirmed receipt in its answer (for example `201`, or a plain `2xx`).
    case acknowledged(detail: String)
    /// The partner took the document and will acknowledge later at `reference`.
    case accepted(reference: String, detail: String)
    /// The transport failed (connection, timeout, `5xx`, `429`); retry the same bytes later.
    /// `retryAfter` (ms) is the partner's own wish and is honoured when longer than the schedule.
    case transportFailed(error: String, retryAfter: Int64?)
    /// The partner refused the document; retrying the same bytes would fail the same way.
    case rejected(reason: String)
    /// A poll found the acknowledgement still pending.
    case stillPending(detail: String)
    /// A poll could not reach the partner; poll again later (the deadline shows lateness).
    case pollFailed(error: String)
    /// An operator asked for an attempt now (after a rejection, dead letter or retry wait).
    case retryRequested
    /// An operator asked to send the same bytes again (the partner de-duplicates by document id).
    case resendRequested
    /// An operator withdrew the delivery.
    case cancelRequested
    /// A dispatcher shut down before it used its claim; nothing was sent under it.
    case released
}

/// An event that cannot happen in the delivery's state, with the reason in words.
public struct IllegalTransition: Error, Hashable, Sendable, CustomStringConvertible {
    public var from: DeliveryState
    public var event: String
    public var reason: String
    public var description: String { "cannot \(event) a delivery that is \(from.rawValue): \(reason)" }
}

/// The delivery state machine: pure, so every rule is tested without a database or a network.
public enum DeliveryMachine {
    /// The state after `event` at time `now`, or why the event is not allowed.
    public static func apply(_ event: DeliveryEvent, to current: DeliverySnapshot, policy: DeliveryPolicy, now: Int64) -> Result<
        DeliverySnapshot, IllegalTransition
    > {
        var next = current
        func illegal(_ name: String, _ reason: String) -> Result<DeliverySnapshot, IllegalTransition> {
            .failure(IllegalTransition(from: current.state, event: name, reason: reason))
        }
        switch (event, current.state) {
        case (.claimed, .queued), (.claimed, .retryWait), (.claimed, .sending):
            // From `sending`: a dispatcher died mid-attempt and its lease ran out. The same bytes
            // go again; the partner de-duplicates by document id.
            next.state = .sending
            next.attempts += 1
        case (.claimed, .awaitingAcknowledgement):
            break
        case (.claimed, _):
            return illegal("claim", "only queued, retrying or awaiting deliveries are picked up")

        case (.acknowledged(_), .sending), (.acknowledged(_), .awaitingAcknowledgement):
            next.state = .acknowledged
            next.acknowledgedAt = now
            next.dueAt = nil
            next.lastError = nil
        case (.accepted(let reference, _), .sending):
            next.state = .awaitingAcknowledgement
            next.acknowledgementReference = reference
            next.acknowledgementDeadline = now + policy.acknowledgementTimeout
            next.dueAt = now + policy.pollInterval
            next.lastError = nil
        case (.transportFailed(let error, let retryAfter), .sending):
            next.lastError = error
            let wait = policy.retrySchedule[min(max(current.attempts - 1, 0), policy.retrySchedule.count - 1)]
            let due = now + max(wait, retryAfter ?? 0)
            if due > current.queuedAt + policy.giveUpAfter {
                next.state = .deadLettered
                next.dueAt = nil
            } else {
                next.state = .retryWait
                next.dueAt = due
            }
        case (.rejected(let reason), .sending), (.rejected(let reason), .awaitingAcknowledgement):
            next.state = .rejected
            next.lastError = reason
            next.dueAt = nil
        case (.stillPending(_), .awaitingAcknowledgement):
            next.dueAt = now + policy.pollInterval
            if let deadline = current.acknowledgementDeadline, now > deadline, policy.onLate != .wait {
                let overdue = "no acknowledgement by the deadline \(deadline) (acknowledgement.timeout)"
                if policy.onLate == .resend && now <= current.queuedAt + policy.giveUpAfter {
                    // The same bytes again, at once; the claim makes it an attempt.
                    next.state = .retryWait
                    next.dueAt = now
                    next.acknowledgementDeadline = nil
                    next.lastError = "\(overdue); the same bytes are sent again"
                } else {
                    next.state = .deadLettered
                    next.dueAt = nil
                    next.lastError = policy.onLate == .resend ? "\(overdue), and resending gave up (retry.giveUpAfter)" : overdue
                }
            }
        case (.pollFailed(let error), .awaitingAcknowledgement):
            next.lastError = error
            next.dueAt = now + policy.pollInterval
        case (.acknowledged(_), _), (.accepted(_, _), _), (.transportFailed(_, _), _), (.rejected(_), _), (.stillPending(_), _), (.pollFailed(_), _):
            return illegal("record an outcome for", "no attempt is in flight")

        case (.retryRequested, .retryWait), (.retryRequested, .deadLettered), (.retryRequested, .rejected):
            next.state = .queued
            next.dueAt = now
        case (.retryRequested, _):
            return illegal(
                "retry",
                current.state == .queued
                    ? "it is already due" : "only waiting, rejected or dead-lettered deliveries are retried; use resend for a settled one")
        case (.resendRequested, .acknowledged), (.resendRequested, .rejected), (.resendRequested, .deadLettered), (.resendRequested, .cancelled):
            next = DeliverySnapshot(state: .queued, attempts: current.attempts, queuedAt: now, dueAt: now)
        case (.resendRequested, _):
            return illegal("resend", "it is still on its way; wait for it to settle, or cancel it first")
        case (.cancelRequested, .queued), (.cancelRequested, .retryWait), (.cancelRequested, .rejected), (.cancelRequested, .deadLettered),
            (.cancelRequested, .awaitingAcknowledgement):
            next.state = .cancelled
            next.dueAt = nil
        case (.cancelRequested, _):
            return illegal("cancel", current.state == .sending ? "an attempt is in flight; try again when it has finished" : "it is already settled")
        case (.released, .sending):
            // Nothing went out under this claim: undo the attempt count and make it due now.
            next.state = current.attempts <= 1 ? .queued : .retryWait
            next.attempts = max(current.attempts - 1, 0)
            next.dueAt = now
        case (.released, .awaitingAcknowledgement):
            next.dueAt = now
        case (.released, _):
            return illegal("release", "it is not claimed")
        }
        return .success(next)
    }
}
