internal import Foundation
public import GatewayCore
public import Logging
internal import Outbox
public import Partners
public import ServiceLifecycle
public import Store
internal import Synchronization
public import Transports

/// How a dispatcher works.
public struct DispatcherConfiguration: Sendable {
    /// Names this process in leases and attempt records (host and process id by default).
    public var owner: String
    /// How long a claim holds. Must outlast the slowest transfer; a process that dies loses its
    /// claims after this long, and another process sends the same bytes again.
    public var leaseMilliseconds: Int64
    /// Deliveries claimed per round: sends fill what the due polls leave of it.
    public var batch: Int
    /// Acknowledgement polls claimed per round at most, before any send. Polls are small, so
    /// a round takes several batches of them: every due poll is made in the next round.
    public var pollBatch: Int
    /// How long to wait when nothing is due.
    public var idleWait: Duration
    /// The private directory where payloads are spooled for sending (deleted after each
    /// attempt; cleaned of what no live claim owns at start and once per lease time).
    public var spoolDirectory: String

    /// Nil `owner` means host name and process id; nil `pollBatch` four batches.
    public init(
        owner: String? = nil, leaseMilliseconds: Int64 = 15 * 60_000, batch: Int = 8, pollBatch: Int? = nil, idleWait: Duration = .milliseconds(500),
        spoolDirectory: String
    ) {
        self.owner = owner ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        self.leaseMilliseconds = leaseMilliseconds
        self.batch = batch
        self.pollBatch = pollBatch ?? 4 * batch
        self.idleWait = idleWait
        self.spoolDirectory = spoolDirectory
    }
}

/// Claims due deliveries, calls their partner's transport and records every outcome.
///
/// A long-running ``Service``: on graceful shutdown it stops claiming and lets attempts in
/// flight finish and be recorded.
public final class Dispatcher: Service {
    let queue: any DeliveryQueue
    let partners: @Sendable () -> [String: PartnerProfile]
    let transports: TransportRegistry
    let configuration: DispatcherConfiguration
    let logger: Logger
    let clock: any WallClock

    let spool: Spool
    private let lastSpoolClean = Mutex<Int64>(0)

    /// - Throws: ``PrivateFileError`` when the spool directory cannot be made private.
    public init(
        queue: any DeliveryQueue, partners: @escaping @Sendable () -> [String: PartnerProfile], transports: TransportRegistry,
        configuration: DispatcherConfiguration, logger: Logger = Logger(label: "epcis-gateway.delivery"),
        clock: any WallClock = SystemWallClock()
    ) throws {
        self.queue = queue
        self.partners = partners
        self.transports = transports
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        spool = try Spool(directory: configuration.spoolDirectory)
    }

    public func run() async throws {
        logger.info("dispatcher started", metadata: ["owner": "\(configuration.owner)"])
        await cleanSpool()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let handled: Int
            do {
                handled = try await runOnce()
            } catch {
                logger.error("dispatcher round failed; trying again", metadata: ["error": "\(error)"])
                handled = 0
            }
            if handled == 0 { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.idleWait) } }
        }
        logger.info("dispatcher stopped", metadata: ["owner": "\(configuration.owner)"])
    }

    /// Removes spooled files a dead process left behind: at start, and then once per lease
    /// time (a dead process's files become removable when its leases run out).
    func cleanSpool() async {
        lastSpoolClean.withLock { $0 = clock.now() }
        do {
            let removed = try await spool.clean(queue: queue, now: clock.now())
            if removed > 0 {
                logger.notice("removed spooled files no live claim owns", metadata: ["files": "\(removed)", "spool": "\(spool.directory)"])
            }
        } catch {
            logger.warning(
                "could not clean the spool; files stay until the next start", metadata: ["spool": "\(spool.directory)", "error": "\(error)"])
        }
    }

    /// Works until nothing is due or in flight any more (or `deadline`, ms since 1970, passes).
    /// - Returns: how many sends and polls were made.
    public func runUntilIdle(deadline: Int64) async throws -> Int {
        var total = 0
        await cleanSpool()
        while clock.now() < deadline && !Task.isCancelled {
            let handled = try await runOnce()
            total += handled
            if handled == 0 {
                let active = try await queue.queueCounts().filter { !$0.key.isSettled }.values.reduce(0, +)
                if active == 0 {
                    await cleanSpool()
                    break
                }
                try await Task.sleep(for: configuration.idleWait)
            }
        }
        return total
    }

    /// One round: claim a batch, work it concurrently, record the outcomes.
    /// - Returns: how many deliveries were worked on.
    public func runOnce() async throws -> Int {
        let now = clock.now()
        let claimed = try await queue.claim(
            owner: configuration.owner, now: now, leaseUntil: now + configuration.leaseMilliseconds, limit: configuration.batch,
            polls: configuration.pollBatch
        ) {
            snapshot in
            try? DeliveryMachine.apply(.claimed, to: snapshot, policy: DeliveryOutbox.defaultPolicy, now: now).get()
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in claimed { group.addTask { await self.work(delivery) } }
        }
        if !claimed.isEmpty {
            // Rounds are what poll timeliness is measured in: a due poll goes in the next round.
            logger.debug(
                "dispatch round",
                metadata: [
                    "claimed": "\(claimed.count)", "polls": "\(claimed.filter { $0.snapshot.state == .awaitingAcknowledgement }.count)",
                    "round-start": "\(now)", "round-end": "\(clock.now())",
                ])
        }
        if clock.now() - lastSpoolClean.withLock({ $0 }) >= configuration.leaseMilliseconds { await cleanSpool() }
        return claimed.count
    }

    /// Sends or polls one claimed delivery and records what happened.
    ///
    /// The attempt is recorded as started, in its own transaction, before any byte goes out; a
    /// process killed mid-attempt leaves it unfinished, and the next claim marks it interrupted.
    func work(_ delivery: DeliveryRow) async {
        let profile = partners()[delivery.partner]
        let policy = profile.map(DeliveryOutbox.policy) ?? DeliveryOutbox.defaultPolicy
        let sending = delivery.snapshot.state == .sending
        var attempt = AttemptRow(
            id: UUID().uuidString.lowercased(), deliveryID: delivery.id, kind: sending ? "send" : "poll", startedAt: clock.now(), finishedAt: nil,
            outcome: AttemptRow.started, detail: "", owner: configuration.owner)
        let event: DeliveryEvent
        var detail: String
        if let profile, let transport = transports.transport(for: profile, kind: delivery.transport) {
            let document = OutboundDocument(
                deliveryID: delivery.id, documentID: delivery.documentID, file: spool.path(for: delivery), byteCount: delivery.byteCount,
                contentType: delivery.contentType, attemptID: attempt.id, metadata: delivery.metadata)
            defer { try? FileManager.default.removeItem(atPath: document.file) }
            if sending {
                do {
                    try await queue.spool(delivery.id, to: document.file)
                } catch {
                    // Nothing went out: the failure is recorded as this attempt's outcome.
                    return await finish(delivery, attempt, .transportFailed(error: "\(error)", retryAfter: nil), "\(error)", policy: policy)
                }
            }
            attempt.startedAt = clock.now()
            guard await begin(attempt, delivery) else { return }
            if sending {
                (event, detail) = Self.event(for: await transport.send(document))
            } else {
                (event, detail) = Self.event(
                    for: await transport.poll(reference: delivery.snapshot.acknowledgementReference ?? "", document: document))
            }
        } else {
            let reason =
                profile == nil
                ? "no partner profile '\(delivery.partner)' is loaded" : "the \(profile!.transport.kind) transport is not available in this gateway"
            (event, detail) = sending ? (.transportFailed(error: reason, retryAfter: nil), reason) : (.pollFailed(error: reason), reason)
        }
        await finish(delivery, attempt, event, detail, policy: policy)
    }

    /// Records the start of an attempt; false (after saying why) when it must not be made.
    private func begin(_ attempt: AttemptRow, _ delivery: DeliveryRow) async -> Bool {
        do {
            if try await queue.startAttempt(attempt, version: delivery.version) { return true }
            logger.warning(
                "the claim expired before the attempt started; nothing was sent, another process owns the delivery now",
                metadata: ["delivery": "\(delivery.id)"])
        } catch {
            // Unrecorded attempts are never made; the lease runs out and the delivery is worked again.
            logger.error("could not record the start of an attempt; nothing was sent", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
        return false
    }

    /// Applies the outcome to the state machine and records it with its attempt.
    private func finish(_ delivery: DeliveryRow, _ started: AttemptRow, _ event: DeliveryEvent, _ detail: String, policy: DeliveryPolicy) async {
        let now = clock.now()
        guard case .success(let next) = DeliveryMachine.apply(event, to: delivery.snapshot, policy: policy, now: now) else {
            logger.error("the state machine refused an outcome", metadata: ["delivery": "\(delivery.id)", "outcome": "\(event)"])
            return
        }
        var attempt = started
        attempt.finishedAt = now
        attempt.outcome = Self.outcomeName(event)
        attempt.detail = detail
        do {
            let written = try await queue.update(delivery.id, version: delivery.version, to: next, attempt: attempt, action: nil, now: now)
            if !written {
                logger.warning(
                    "the claim expired before the outcome was recorded; another process owns the delivery now",
                    metadata: ["delivery": "\(delivery.id)"])
            } else {
                log(attempt, delivery, next)
            }
        } catch {
            // The lease will run out and the delivery is worked again: nothing is lost.
            logger.error("could not record an outcome", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    /// One line per recorded outcome: failures at warning, rejections and dead letters at
    /// error, so that the log's levels count what needs attention.
    private func log(_ attempt: AttemptRow, _ delivery: DeliveryRow, _ next: DeliverySnapshot) {
        let level: Logger.Level
        switch next.state {
        case .rejected, .deadLettered: level = .error
        case .retryWait: level = .warning
        default: level = attempt.outcome == "poll-failed" ? .warning : .info
        }
        logger.log(
            level: level, "\(attempt.kind) \(attempt.outcome)",
            metadata: [
                "delivery": "\(delivery.id)", "partner": "\(delivery.partner)", "attempt": "\(attempt.id)", "state": "\(next.state.rawValue)",
                "detail": "\(attempt.detail.prefix(300))",
            ])
    }

    static func event(for result: SendResult) -> (DeliveryEvent, String) {
        switch result {
        case .acknowledged(let detail): (.acknowledged(detail: detail), detail)
        case .accepted(let reference, let detail): (.accepted(reference: reference, detail: detail), detail)
        case .failed(let error, let wait): (.transportFailed(error: error, retryAfter: wait), error)
        case .rejected(let reason): (.rejected(reason: reason), reason)
        }
    }

    static func event(for result: PollResult) -> (DeliveryEvent, String) {
        switch result {
        case .pending(let detail): (.stillPending(detail: detail), detail)
        case .acknowledged(let detail): (.acknowledged(detail: detail), detail)
        case .rejected(let reason): (.rejected(reason: reason), reason)
        case .failed(let error): (.pollFailed(error: error), error)
        }
    }

    static func outcomeName(_ event: DeliveryEvent) -> String {
        switch event {
        case .acknowledged: "acknowledged"
        case .accepted: "accepted"
        case .transportFailed: "failed"
        case .rejected: "rejected"
        case .stillPending: "pending"
        case .pollFailed: "poll-failed"
        default: "\(event)"
        }
    }
}

/// Builds and caches one transport per partner, rebuilt when its profile changes.
public final class TransportRegistry: Sendable {
    private let build: @Sendable (PartnerProfile) -> (any Transport)?
    private let cache = Mutex<[String: (TransportSettings, any Transport)]>([:])

    /// The gateway's own transports, reading secrets from `secrets` when they are used,
    /// keeping AS2 MDNs in `queue` and reckoning time on `clock`.
    public convenience init(secrets: SecretReader, queue: any DeliveryQueue, clock: any WallClock = SystemWallClock()) {
        let archive = StoredMDNs(queue: queue)
        self.init { profile in
            switch profile.transport {
            case .https(let settings): HTTPSTransport(settings: settings, secrets: secrets, clock: clock)
            case .as2(let settings): AS2Transport(settings: settings, archive: archive, clock: clock)
            case .sftp(let settings): SFTPTransport(settings: settings, secrets: secrets, archive: archive, clock: clock)
            }
        }
    }

    /// Transports made by `build` (nil: this gateway cannot reach the partner that way).
    public init(build: @escaping @Sendable (PartnerProfile) -> (any Transport)?) { self.build = build }

    private let mdnSender = AS2MDNTransport()

    /// The transport for a delivery of `kind` to the partner (the profile's own transport, or
    /// the async MDN sender), or nil when this gateway cannot send that way yet.
    public func transport(for profile: PartnerProfile, kind: String? = nil) -> (any Transport)? {
        if kind == AS2MDNTransport.kind { return mdnSender }
        return cache.withLock { cache in
            if let (settings, transport) = cache[profile.id], settings == profile.transport { return transport }
            let transport = build(profile)
            if let transport { cache[profile.id] = (profile.transport, transport) }
            return transport
        }
    }
}
