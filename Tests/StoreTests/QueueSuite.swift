import Delivery
import Foundation
import Outbox
import Partners
import Store
import StoreTestSupport
import TestSupport
import Testing
import Transports

@Suite struct QueueSuite {
    let profile = testProfile(url: "https://127.0.0.1:9/capture")

    @Test(arguments: Engine.allCases)
    func theExactBytesAreStoredAndSpooledBack(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        // Bigger than one chunk, so several chunks are stored and read back in order.
        var bytes = [UInt8]()
        for index in 0..<(3 << 20) + 12_345 { bytes.append(UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 7)) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("payload-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let row = try await DeliveryOutbox.enqueue(
            file, for: profile, shipment: "SHIP-1", documentID: "doc-1", contentType: "application/json", queue: store)
        try FileManager.default.removeItem(atPath: file)
        #expect(row.byteCount == Int64(bytes.count) && row.snapshot.state == .queued && row.transport == "https")
        let copy = file + ".out"
        try await store.spool(row.id, to: copy)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data(bytes))
        try FileManager.default.removeItem(atPath: copy)
    }

    @Test(arguments: Engine.allCases)
    func aShipmentIsQueuedOncePerPartner(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let first = try await DeliveryOutbox.enqueue(
            try documentFile("a"), for: profile, shipment: "SHIP-1", documentID: "a", contentType: "application/json", queue: store)
        let error = await #expect(throws: DeliveryExists.self) {
            try await DeliveryOutbox.enqueue(
                try documentFile("b"), for: profile, shipment: "SHIP-1", documentID: "b", contentType: "application/json", queue: store)
        }
        #expect(error?.existing.id == first.id)
        #expect(error?.description.contains("queue resend \(first.id)") == true)
        #expect(try await store.queueCounts() == [.queued: 1])
        // Another partner may get the same shipment.
        _ = try await DeliveryOutbox.enqueue(
            try documentFile("c"), for: testProfile(id: "other", url: "https://127.0.0.1:9/x"), shipment: "SHIP-1", documentID: "c",
            contentType: "application/json", queue: store)
    }

    @Test(arguments: Engine.allCases)
    func aClaimHoldsUntilItsLeaseRunsOut(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("a"), for: profile, shipment: nil, documentID: "a", contentType: "application/json", queue: store, now: 1_000)
        let claim: @Sendable (DeliverySnapshot) -> DeliverySnapshot? = {
            try? DeliveryMachine.apply(.claimed, to: $0, policy: DeliveryOutbox.defaultPolicy, now: 2_000).get()
        }
        let first = try await store.claim(owner: "one", now: 2_000, leaseUntil: 5_000, limit: 10, transition: claim)
        #expect(first.map(\.id) == [row.id] && first.first?.snapshot.state == .sending && first.first?.snapshot.attempts == 1)
        #expect(try await store.claim(owner: "two", now: 4_999, leaseUntil: 9_000, limit: 10, transition: claim).isEmpty, "the lease still holds")
        let second = try await store.claim(owner: "two", now: 5_001, leaseUntil: 9_000, limit: 10, transition: claim)
        #expect(second.first?.leaseOwner == "two" && second.first?.snapshot.attempts == 2, "a dead owner's claim is taken over")
        // The first owner's late outcome is refused: its version is stale.
        let stale = try await store.update(row.id, version: first[0].version, to: first[0].snapshot, attempt: nil, action: nil, now: 6_000)
        #expect(!stale)
        let fresh = try await store.update(row.id, version: second[0].version, to: second[0].snapshot, attempt: nil, action: nil, now: 6_000)
        #expect(fresh)
    }

    @Test(arguments: Engine.allCases)
    func anAttemptADeadProcessLeftIsInterruptedAndALateOutcomeIsStillKept(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("i"), for: profile, shipment: nil, documentID: "i", contentType: "application/json", queue: store, now: 1_000)
        let claim: @Sendable (DeliverySnapshot) -> DeliverySnapshot? = {
            try? DeliveryMachine.apply(.claimed, to: $0, policy: DeliveryOutbox.defaultPolicy, now: 2_000).get()
        }
        let first = try #require(try await store.claim(owner: "one", now: 2_000, leaseUntil: 5_000, limit: 1, transition: claim).first)
        let started = AttemptRow(
            id: "a1", deliveryID: row.id, kind: "send", startedAt: 2_100, finishedAt: nil, outcome: AttemptRow.started, detail: "", owner: "one")
        #expect(try await store.startAttempt(started, version: first.version))
        #expect(try await store.attempts(row.id).map(\.outcome) == [AttemptRow.started])
        // "one" dies; "two" takes over once the lease ends, and the open attempt is interrupted.
        let second = try #require(try await store.claim(owner: "two", now: 5_001, leaseUntil: 9_000, limit: 1, transition: claim).first)
        let after = try await store.attempts(row.id)
        #expect(after.map(\.outcome) == [AttemptRow.interrupted] && after.first?.finishedAt == nil && after.first?.detail.contains("stopped") == true)
        // A stale claim may not start an attempt.
        let refused = AttemptRow(
            id: "a2", deliveryID: row.id, kind: "send", startedAt: 5_100, finishedAt: nil, outcome: AttemptRow.started, detail: "", owner: "one")
        #expect(!(try await store.startAttempt(refused, version: first.version)))
        // If "one" was only slow, its outcome is recorded with its attempt, but changes no state.
        var finished = started
        finished.finishedAt = 5_200
        finished.outcome = "failed"
        finished.detail = "HTTP 503"
        #expect(!(try await store.update(row.id, version: first.version, to: first.snapshot, attempt: finished, action: nil, now: 5_200)))
        #expect(try await store.attempts(row.id).map(\.outcome) == ["failed"])
        #expect(try await store.delivery(row.id)?.leaseOwner == second.leaseOwner)
    }

    @Test(arguments: Engine.allCases)
    func duePollsAreClaimedBeforeOlderSends(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        var rows: [DeliveryRow] = []
        for index in 0..<3 {
            rows.append(
                try await DeliveryOutbox.enqueue(
                    try documentFile("p\(index)"), for: profile, shipment: nil, documentID: "p\(index)", contentType: "application/json",
                    queue: store, now: 1_000 + Int64(index)))
        }
        // The newest is taken and accepted; its poll falls due at 3 s, after the others were due.
        let accepted = DeliverySnapshot(state: .awaitingAcknowledgement, attempts: 1, queuedAt: 1_002, dueAt: 3_000, acknowledgementReference: "job")
        #expect(try await store.update(rows[2].id, version: rows[2].version, to: accepted, attempt: nil, action: nil, now: 2_000))
        let claimed = try await store.claim(owner: "o", now: 3_000, leaseUntil: 9_000, limit: 2, polls: 1) { $0 }
        #expect(claimed.map(\.id) == [rows[2].id, rows[0].id])
    }

    @Test(arguments: Engine.allCases)
    func concurrentClaimersNeverShareADelivery(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        for index in 0..<60 {
            _ = try await DeliveryOutbox.enqueue(
                try documentFile("d\(index)"), for: profile, shipment: "S\(index)", documentID: "d\(index)", contentType: "application/json",
                queue: store, now: 1_000)
        }
        let claim: @Sendable (DeliverySnapshot) -> DeliverySnapshot? = {
            try? DeliveryMachine.apply(.claimed, to: $0, policy: DeliveryOutbox.defaultPolicy, now: 2_000).get()
        }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<6 {
                group.addTask {
                    var mine: [String] = []
                    for _ in 0..<10 {
                        mine += try await store.claim(owner: "w\(worker)", now: 2_000, leaseUntil: 60_000, limit: 3, transition: claim).map(\.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 60 && Set(claimed).count == 60)
    }

    @Test(arguments: Engine.allCases)
    func operatorActionsNeedAReasonAndAreRecorded(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let row = try await DeliveryOutbox.enqueue(
            try documentFile("a"), for: profile, shipment: nil, documentID: "a", contentType: "application/json", queue: store)
        await #expect(throws: QueueRefused.self) { try await DeliveryOutbox.act(.cancel, on: row.id, reason: "  ", actor: "ops", queue: store) }
        let refused = await #expect(throws: QueueRefused.self) {
            try await DeliveryOutbox.act(.resend, on: row.id, reason: "again", actor: "ops", queue: store)
        }
        #expect(refused?.message.contains("still on its way") == true)
        let cancelled = try await DeliveryOutbox.act(.cancel, on: row.id, reason: "partner asked to hold shipment", actor: "ops", queue: store)
        #expect(cancelled.snapshot.state == .cancelled)
        let resent = try await DeliveryOutbox.act(.resend, on: row.id, reason: "hold lifted", actor: "ops", queue: store)
        #expect(resent.snapshot.state == .queued && resent.sha256 == row.sha256 && resent.documentID == row.documentID)
        let actions = try await store.actions(row.id)
        #expect(actions.map(\.action) == ["cancel", "resend"])
        #expect(actions.map(\.reason) == ["partner asked to hold shipment", "hold lifted"])
        #expect(actions.first?.fromState == "queued" && actions.first?.toState == "cancelled" && actions.first?.actor == "ops")
        await #expect(throws: QueueRefused.self) { try await DeliveryOutbox.act(.retry, on: "no-such-id", reason: "x", actor: "ops", queue: store) }
    }

    @Test func partnersThatCannotBeReachedYetAreRefusedAtTheDoor() async throws {
        guard let store = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await store.close() } }
        var sftp = profile
        // An SFTP partner pending onboarding: no host key is pinned yet.
        sftp.transport = .sftp(SFTPSettings(host: "x", port: 22, user: "u", privateKey: "", hostKey: nil, directory: "/in"))
        let error = await #expect(throws: QueueRefused.self) {
            try await DeliveryOutbox.enqueue(
                try documentFile("a"), for: sftp, shipment: nil, documentID: "a", contentType: "application/xml", queue: store)
        }
        #expect(error?.code == .pendingOnboarding && error?.message.contains("trust-host") == true, "\(String(describing: error))")
        // An AS2 partner whose keys are not installed: the message cannot be built, nothing is queued.
        var as2 = profile
        as2.transport = .as2(
            AS2Settings(
                url: "https://x", as2From: "A", as2To: "B", partnerCertificates: ["/nonexistent/p.crt"], ourCertificate: "/nonexistent/o.crt",
                ourKey: "/nonexistent/o.key"))
        let missing = await #expect(throws: TransportConfigurationError.self) {
            try await DeliveryOutbox.enqueue(
                try documentFile("a"), for: as2, shipment: nil, documentID: "a", contentType: "application/xml", queue: store)
        }
        #expect(missing?.message.contains("/nonexistent/p.crt") == true, "\(String(describing: missing))")
        var small = profile
        small.limits.maxDocumentBytes = 10
        await #expect(throws: QueueRefused.self) {
            try await DeliveryOutbox.enqueue(
                try documentFile("a"), for: small, shipment: nil, documentID: "a", contentType: "application/json", queue: store)
        }
        #expect(try await store.queueCounts().isEmpty)
    }
}
