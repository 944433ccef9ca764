internal import Foundation
public import GS1
public import GatewayCore
public import Partners
internal import Records
public import Store
internal import Synchronization
public import Transports
public import Verification

/// The VRS responder as the HTTP routes use it: who is asking and whether they may, what the
/// store knows, the pure decision, and the audit log written before the answer goes out.
public final class VerificationResponder: Sendable {
    /// What the responder is configured with.
    public struct Settings: Sendable, Hashable {
        /// The routes' prefix, for example `/vrs` (empty: at the root).
        public var basePath: String
        /// Our GLN, in every answer.
        public var responderGLN: GLN
        /// Our GS1 Company Prefixes; a GTIN under none of them is answered 404.
        public var companyPrefixes: [String]
        public var policy: VerificationPolicy
        public var coolDown: RequestorCoolDown.Limits
        /// A longer request target is answered 414 before it is read further.
        public var maximumTargetBytes: Int

        public init(
            basePath: String = "/vrs", responderGLN: GLN, companyPrefixes: [String], policy: VerificationPolicy = VerificationPolicy(),
            coolDown: RequestorCoolDown.Limits = RequestorCoolDown.Limits(), maximumTargetBytes: Int = 2_048
        ) {
            self.basePath = basePath
            self.responderGLN = responderGLN
            self.companyPrefixes = companyPrefixes
            self.policy = policy
            self.coolDown = coolDown
            self.maximumTargetBytes = maximumTargetBytes
        }
    }

    typealias Presented = RequestCredentials

    /// An HTTP answer: the status, the JSON body of a 200, and the problem for the header and
    /// the log.
    struct Reply: Sendable {
        var status: Int
        var body: String?
        var problem: String?
        var entry: VerificationLogEntry
    }

    public let settings: Settings
    let store: any GatewayStore
    let partners: @Sendable () -> [String: PartnerProfile]
    let secrets: SecretReader
    let clock: any WallClock
    let audit: VerificationAudit
    let certificates = CertificateFingerprints()
    let credentials = ATPVerifier()
    private let coolDowns = Mutex<[String: RequestorCoolDown]>([:])

    public init(
        settings: Settings, store: any GatewayStore, partners: @escaping @Sendable () -> [String: PartnerProfile], secrets: SecretReader,
        clock: any WallClock
    ) {
        self.settings = settings
        self.store = store
        self.partners = partners
        self.secrets = secrets
        self.clock = clock
        audit = VerificationAudit(store: store)
    }

    /// Answers `verify`; `path` is the raw path after the base, `header` reads request headers.
    func verify(path: Substring, query: Substring, presented: Presented) async -> Reply {
        let started = clock.now()
        let begun = ContinuousClock.now
        var entry = VerificationLogEntry(id: Self.entryID(started), at: started, kind: "verify", status: 0)
        let request: VerificationRequest
        switch VerificationRequest.parse(path: path, query: query, referenceYear: Self.year(started)) {
        case .failure(let rejection):
            entry.target = String((path + (query.isEmpty ? "" : "?" + query)).utf8.prefix(1_024)) ?? ""
            return finish(&entry, status: rejection.status, problem: rejection.description, started: begun)
        case .success(let parsed): request = parsed
        }
        entry.requestor = request.requestor.value
        entry.gtin = request.gtin.value
        entry.lot = request.lot
        entry.serial = request.serial
        entry.expiry = request.expiry.yymmdd
        entry.correlationID = request.correlationID
        entry.attestations =
            request.attestations.isEmpty
            ? nil : request.attestations.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        if let refusal = await admit(request.requestor, presented: presented, entry: &entry, now: started) {
            return finish(&entry, status: refusal.0, problem: refusal.1, started: begun)
        }
        guard isOurs(request.gtin) else {
            return finish(&entry, status: 404, problem: "GTIN \(request.gtin.value) is not under our company prefixes", started: begun)
        }
        let lookup: VerificationLookup
        do { lookup = try await store.verificationLookup(gtin: request.gtin.value, serial: request.serial, lot: request.lot) } catch {
            return finish(&entry, status: 503, problem: "the store did not answer: \(error)", started: begun)
        }
        let outcome = VerificationDecision.decide(
            lot: request.lot, serial: request.serial, expiry: request.expiry.iso8601, facts: Self.facts(lookup), policy: settings.policy,
            gtin: request.gtin.value, today: VerificationResponse.date(started))
        guard case .answer(let answer, let miss) = outcome else {
            return finish(&entry, status: 404, problem: "GTIN \(request.gtin.value) is not under our company prefixes", started: begun)
        }
        entry.verified = answer.verified
        entry.failureReason = answer.failureReason?.rawValue
        entry.additionalInfo = answer.additionalInfo?.rawValue
        if miss {
            _ = coolDowns.withLock { table in
                var state = table[request.requestor.value] ?? RequestorCoolDown(limits: settings.coolDown)
                defer { table[request.requestor.value] = state }
                return state.recordMiss(at: started)
            }
        }
        let body = VerificationResponse.verify(
            answer, responderGLN: settings.responderGLN.value, correlationID: request.correlationID, milliseconds: clock.now())
        return finish(&entry, status: 200, body: body, problem: nil, started: begun)
    }

    /// Answers `checkConnectivity`.
    func checkConnectivity(query: Substring, presented: Presented) async -> Reply {
        let started = clock.now()
        let begun = ContinuousClock.now
        var entry = VerificationLogEntry(id: Self.entryID(started), at: started, kind: "checkConnectivity", status: 0)
        let request: ConnectivityRequest
        switch ConnectivityRequest.parse(query: query) {
        case .failure(let rejection):
            entry.target = String(String(query).utf8.prefix(1_024)) ?? ""
            return finish(&entry, status: rejection.status, problem: rejection.description, started: begun)
        case .success(let parsed): request = parsed
        }
        entry.requestor = request.requestor.value
        entry.gtin = request.gtin.value
        if let refusal = await admit(request.requestor, presented: presented, entry: &entry, now: started) {
            return finish(&entry, status: refusal.0, problem: refusal.1, started: begun)
        }
        guard isOurs(request.gtin) else {
            return finish(&entry, status: 404, problem: "GTIN \(request.gtin.value) is not under our company prefixes", started: begun)
        }
        return finish(
            &entry, status: 200, body: VerificationResponse.connectivity(responderGLN: settings.responderGLN.value), problem: nil, started: begun)
    }

    /// A request refused before the query is read (an oversized target).
    func refuse(kind: String, status: Int, problem: String) -> Reply {
        let now = clock.now()
        var entry = VerificationLogEntry(id: Self.entryID(now), at: now, kind: kind, status: status)
        return finish(&entry, status: status, problem: problem, started: ContinuousClock.now)
    }

    // MARK: Who may ask

    /// Nil when the requestor may ask; else the status (401 or 403) and why.
    private func admit(_ requestor: GLN, presented: Presented, entry: inout VerificationLogEntry, now: Int64) async -> (Int, String)? {
        let profiles = partners().values
        // The first by id when two profiles list the same GLN, so the answer never depends on
        // dictionary order.
        guard let profile = profiles.filter({ $0.verification.requestorGLNs.contains(requestor) }).min(by: { $0.id < $1.id }) else {
            return (401, "reqGLN \(requestor.value) is not a registered requestor")
        }
        entry.partner = profile.id
        guard let method = profile.verification.authentication else {
            return (401, "partner \(profile.id) has no requestor credentials configured")
        }
        if !self.presented(method, presented) {
            // Another partner's valid credential: authenticated, but not for this GLN.
            if profiles.contains(where: { $0.id != profile.id && $0.verification.authentication.map { self.presented($0, presented) } == true }) {
                return (403, "the credential is not one of partner \(profile.id)'s, so it may not ask in reqGLN \(requestor.value)'s name")
            }
            return (401, "the credential of partner \(profile.id) is missing or wrong")
        }
        guard profile.verification.enabled else { return (403, "partner \(profile.id)'s verification access is disabled") }
        if let atp = profile.verification.atp,
            let problem = await credentials.problem(
                token: presented.header(atp.header), issuerKeys: atp.issuerKeys, requestor: requestor.value, now: now)
        {
            return (403, problem)
        }
        let blocked = coolDowns.withLock { $0[requestor.value]?.isBlocked(at: now) ?? false }
        if blocked { return (403, "reqGLN \(requestor.value) is cooling down after too many No_match answers") }
        return nil
    }

    private func presented(_ method: VerificationSettings.Authentication, _ presented: Presented) -> Bool {
        presented.match(method, secrets: secrets, certificates: certificates)
    }

    private func isOurs(_ gtin: GTIN) -> Bool {
        // The company prefix follows the indicator digit.
        let afterIndicator = gtin.value.dropFirst()
        return settings.companyPrefixes.contains { afterIndicator.hasPrefix($0) }
    }

    // MARK: Facts and the log

    static func facts(_ lookup: VerificationLookup) -> VerificationFacts {
        let unit = lookup.unit.flatMap { row -> VerificationFacts.Unit? in
            guard let lot = row.lot, let expiry = row.expiry else { return nil }
            let life: VerificationFacts.Life =
                switch row.phase {
                case .decommissioned: .decommissioned
                case .destroyed: .destroyed
                default: .active
                }
            return VerificationFacts.Unit(lot: lot, expiry: lookup.printedExpiry ?? expiry, life: life)
        }
        let statuses = lookup.statuses.map { status -> VerificationFacts.Status in
            let kind: VerificationFacts.Status.Kind =
                switch status.status {
                case .recalled: .recalled
                case .withdrawn: .withdrawn
                case .suspect: .suspect
                case .illegitimate: .illegitimate
                case .cleared: .cleared
                case .expiryExtended: .expiryExtended(status.newExpiry ?? "")
                }
            return VerificationFacts.Status(kind: kind, utc: status.time.utc)
        }
        return VerificationFacts(ourPrefix: true, productKnown: lookup.productKnown, unit: unit, statuses: statuses)
    }

    private func finish(
        _ entry: inout VerificationLogEntry, status: Int, body: String? = nil, problem: String?, started: ContinuousClock.Instant
    ) -> Reply {
        entry.status = status
        entry.problem = problem
        let elapsed = (ContinuousClock.now - started).components
        entry.latencyMicroseconds = elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000
        return Reply(status: status, body: body, problem: problem, entry: entry)
    }

    /// Time-ordered (the instant in hex, then 64 random bits), so the log's primary key grows
    /// at its end instead of splitting pages at random.
    static func entryID(_ milliseconds: Int64) -> String {
        let time = String(UInt64(max(0, milliseconds)), radix: 16)
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return String(repeating: "0", count: 12 - min(12, time.count)) + time + "-" + String(repeating: "0", count: 16 - random.count) + random
    }

    static func year(_ milliseconds: Int64) -> Int { Int(VerificationResponse.date(milliseconds).prefix(4)) ?? 2000 }
}

/// Writes audit entries with group commit: requests that arrive while a write is under way
/// are written together in the next transaction, and each waits until its own entry is
/// durable before its answer goes out.
actor VerificationAudit {
    let store: any VerificationStore
    private var pending: [VerificationLogEntry] = []
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    private var flushing = false

    init(store: any VerificationStore) { self.store = store }

    func record(_ entry: VerificationLogEntry) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append(entry)
            waiters.append(continuation)
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            let batchWaiters = waiters
            pending = []
            waiters = []
            do {
                try await store.recordVerifications(batch)
                for waiter in batchWaiters { waiter.resume() }
            } catch {
                for waiter in batchWaiters { waiter.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
