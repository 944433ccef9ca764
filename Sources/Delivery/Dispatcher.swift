internal import Foundation
internal import Synchronization
public import Logging
internal import Outbox
public import Partners
public import ServiceLifecycle
public import Store
public import Transports

/// How a dispatcher works.
public struct DispatcherConfiguration: Sendable {
    /// Names this process in leases and attempt records (host and process id by default).
    public var owner: String
    /// How long a claim holds. Must outlast the slowest transfer; a process that dies loses its
    /// claims after this long, and another process sends the same bytes again.
    public var leaseMilliseconds: Int64
    /// Deliveries claimed per round, and how many are in flight at once.
    public var batch: Int
    /// How long to wait when nothing is due.
    public var idleWait: Duration
    /// Where payloads are spooled for sending (deleted after each attempt).
    public var spoolDirectory: String

    /// Nil `owner` means host name and process id; nil `spoolDirectory` the temporary directory.
    public init(
        owner: String? = nil, leaseMilliseconds: Int64 = 15 * 60_000, batch: Int = 8, idleWait: Duration = .milliseconds(500), spoolDirectory: String? = nil
    ) {
        self.owner = owner ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        self.leaseMilliseconds = leaseMilliseconds
        self.batch = batch
        self.idleWait = idleWait
        self.spoolDirectory = spoolDirectory ?? NSTemporaryDirectory()
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
    let clock: @Sendable () -> Int64

    public init(
        queue: any DeliveryQueue, partners: @escaping @Sendable () -> [String: PartnerProfile], transports: TransportRegistry,
        configuration: DispatcherConfiguration = DispatcherConfiguration(), logger: Logger = Logger(label: "epcis-gateway.delivery"),
        clock: @escaping @Sendable () -> Int64 = DeliveryOutbox.now
    ) {
        self.queue = queue
        self.partners = partners
        self.transports = transports
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
    }

    public func run() async throws {
        logger.info("dispatcher started", metadata: ["owner": "\(configuration.owner)"])
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

    /// Works until nothing is due or in flight any more (or `deadline`, ms since 1970, passes).
    /// - Returns: how many sends and polls were made.
    public func runUntilIdle(deadline: Int64) async throws -> Int {
        var total = 0
        while clock() < deadline && !Task.isCancelled {
            let handled = try await runOnce()
            total += handled
            if handled == 0 {
                let active = try await queue.queueCounts().filter { !$0.key.isSettled }.values.reduce(0, +)
                if active == 0 { break }
                try await Task.sleep(for: configuration.idleWait)
            }
        }
        return total
    }

    /// One round: claim a batch, work it concurrently, record the outcomes.
    /// - Returns: how many deliveries were worked on.
    public func runOnce() async throws -> Int {
        let now = clock()
        let claimed = try await queue.claim(owner: configuration.owner, now: now, leaseUntil: now + configuration.leaseMilliseconds, limit: configuration.batch) {
            snapshot in
            try? DeliveryMachine.apply(.claimed, to: snapshot, policy: DeliveryOutbox.defaultPolicy, now: now).get()
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in claimed { group.addTask { await self.work(delivery) } }
        }
        return claimed.count
    }

    /// Sends or polls one claimed delivery and records what happened.
    func work(_ delivery: DeliveryRow) async {
        let started = clock()
        let profile = partners()[delivery.partner]
        let policy = profile.map(DeliveryOutbox.policy) ?? DeliveryOutbox.defaultPolicy
        let sending = delivery.snapshot.state == .sending
        let event: DeliveryEvent
        var detail: String
        if let profile, let transport = transports.transport(for: profile) {
            let document = OutboundDocument(
                deliveryID: delivery.id, documentID: delivery.documentID, file: spoolPath(delivery), byteCount: delivery.byteCount, contentType: delivery.contentType)
            if sending {
                (event, detail) = await send(delivery, document, transport)
            } else {
                (event, detail) = Self.event(for: await transport.poll(reference: delivery.snapshot.acknowledgementReference ?? "", document: document))
            }
        } else {
            let reason = profile == nil ? "no partner profile '\(delivery.partner)' is loaded" : "the \(profile!.transport.kind) transport is not available in this gateway"
            (event, detail) = sending ? (.transportFailed(error: reason, retryAfter: nil), reason) : (.pollFailed(error: reason), reason)
        }
        let now = clock()
        guard case .success(let next) = DeliveryMachine.apply(event, to: delivery.snapshot, policy: policy, now: now) else {
            logger.error("the state machine refused an outcome", metadata: ["delivery": "\(delivery.id)", "outcome": "\(event)"])
            return
        }
        let attempt = AttemptRow(
            deliveryID: delivery.id, kind: sending ? "send" : "poll", startedAt: started, finishedAt: now, outcome: Self.outcomeName(event), detail: detail,
            owner: configuration.owner)
        do {
            let written = try await queue.update(delivery.id, version: delivery.version, to: next, attempt: attempt, action: nil, now: now)
            if !written {
                logger.warning("the claim expired before the outcome was recorded; another process owns the delivery now", metadata: ["delivery": "\(delivery.id)"])
            } else {
                logger.info(
                    "\(attempt.kind) \(attempt.outcome)",
                    metadata: ["delivery": "\(delivery.id)", "partner": "\(delivery.partner)", "state": "\(next.state.rawValue)", "detail": "\(detail.prefix(300))"])
            }
        } catch {
            // The lease will run out and the delivery is worked again: nothing is lost.
            logger.error("could not record an outcome", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    private func send(_ delivery: DeliveryRow, _ document: OutboundDocument, _ transport: any Transport) async -> (DeliveryEvent, String) {
        defer { try? FileManager.default.removeItem(atPath: document.file) }
        do {
            try await queue.spool(delivery.id, to: document.file)
        } catch {
            return (.transportFailed(error: "\(error)", retryAfter: nil), "\(error)")
        }
        return Self.event(for: await transport.send(document))
    }

    private func spoolPath(_ delivery: DeliveryRow) -> String {
        (configuration.spoolDirectory as NSString).appendingPathComponent("epcis-gateway-\(delivery.id)-\(delivery.version).out")
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
    private let secrets: SecretReader
    private let cache = Mutex<[String: (TransportSettings, any Transport)]>([:])

    public init(secrets: SecretReader) { self.secrets = secrets }

    /// The partner's transport, or nil when this gateway cannot send that way yet.
    public func transport(for profile: PartnerProfile) -> (any Transport)? {
        cache.withLock { cache in
            if let (settings, transport) = cache[profile.id], settings == profile.transport { return transport }
            let transport: (any Transport)?
            switch profile.transport {
            case .https(let settings): transport = HTTPSTransport(settings: settings, secrets: secrets)
            case .as2, .sftp: transport = nil
            }
            if let transport { cache[profile.id] = (profile.transport, transport) }
            return transport
        }
    }
}

