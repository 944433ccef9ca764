import Foundation
import Logging
import Outbox
import Partners
import Store
import Testing
import Transports

@testable import Delivery

/// The dispatcher's rules, against a real SQLite store and a ``FakeTransport``.
@Suite struct DispatcherTests {
    let profile = partner()

    func dispatcher(
        _ store: any GatewayStore, _ transport: FakeTransport, clock: ManualClock, directory: String, batch: Int = 4, pollBatch: Int? = nil,
        logger: Logger = Logger(label: "test")
    ) throws -> Dispatcher {
        let profile = profile
        return try Dispatcher(
            queue: store, partners: { [profile.id: profile] }, transports: TransportRegistry { _ in transport },
            configuration: DispatcherConfiguration(
                owner: "test", leaseMilliseconds: 60_000, batch: batch, pollBatch: pollBatch, idleWait: .milliseconds(1),
                spoolDirectory: (directory as NSString).appendingPathComponent("spool")),
            logger: logger, clock: clock)
    }

    @Test func anAttemptIsRecordedAsStartedBeforeAnyByteIsSentAndItsFileIsPrivate() async throws {
        let (store, directory) = try temporaryStore()
        let clock = ManualClock()
        let seen = LogCapture()
        let transport = FakeTransport(results: [.acknowledged(detail: "HTTP 201")]) { document in
            // On the wire now: the store already shows the attempt, and only we can read the file.
            let attempts = (try? await store.attempts(document.deliveryID)) ?? []
            let mode = (try? FileManager.default.attributesOfItem(atPath: document.file)[.posixPermissions] as? Int) ?? -1
            seen.logger.info(
                "on the wire",
                metadata: ["attempts": "\(attempts.map { "\($0.id) \($0.outcome) \($0.finishedAt.map(String.init) ?? "open")" })", "mode": "\(mode)"])
        }
        let row = try #require(try await enqueue(1, for: profile, into: store, now: clock.now()).first)
        let dispatcher = try dispatcher(store, transport, clock: clock, directory: directory)
        #expect(try await dispatcher.runOnce() == 1)

        let sent = try #require(transport.sends.first)
        let wire = try #require(seen.all.first { $0.message == "on the wire" })
        #expect(wire.metadata["attempts"] == "[\"\(sent.attemptID) started open\"]")
        #expect(wire.metadata["mode"] == String(0o600))
        let spool = (directory as NSString).appendingPathComponent("spool")
        #expect((try FileManager.default.attributesOfItem(atPath: spool)[.posixPermissions] as? Int) == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty, "the spooled file is removed after the attempt")

        let attempts = try await store.attempts(row.id)
        #expect(attempts.map(\.id) == [sent.attemptID] && attempts.first?.outcome == "acknowledged" && attempts.first?.finishedAt != nil)
        #expect(try await store.delivery(row.id)?.snapshot.state == .acknowledged)
        try await store.close()
    }

    @Test func aClaimThatWasLostSendsNothing() async throws {
        let (store, directory) = try temporaryStore()
        let clock = ManualClock()
        let transport = FakeTransport(results: [.acknowledged(detail: "ok")])
        _ = try await enqueue(1, for: profile, into: store, now: clock.now())
        // Claimed here, then taken over by another process after the lease ran out.
        let stale = try #require(
            try await store.claim(owner: "test", now: clock.now(), leaseUntil: clock.now() + 10, limit: 1) {
                try? DeliveryMachine.apply(.claimed, to: $0, policy: DeliveryOutbox.defaultPolicy, now: 0).get()
            }.first)
        _ = try await store.claim(owner: "other", now: clock.now() + 20, leaseUntil: clock.now() + 60_000, limit: 1) {
            try? DeliveryMachine.apply(.claimed, to: $0, policy: DeliveryOutbox.defaultPolicy, now: 0).get()
        }
        try await dispatcher(store, transport, clock: clock, directory: directory).work(stale)
        #expect(transport.sends.isEmpty, "a send without a live claim would be one the log does not own")
        #expect(try await store.attempts(stale.id).isEmpty)
        try await store.close()
    }

    @Test func aDuePollGoesBeforeABacklogOfOlderSends() async throws {
        let (store, directory) = try temporaryStore()
        let clock = ManualClock()
        let transport = FakeTransport(
            results: [.accepted(reference: "https://127.0.0.1:9/capture/1", detail: "HTTP 202")], pollResult: .pending(detail: "running"))
        let rows = try await enqueue(10, for: profile, into: store, now: clock.now())
        clock.advance(100)
        let dispatcher = try dispatcher(store, transport, clock: clock, directory: directory, batch: 1)
        #expect(try await dispatcher.runOnce() == 1)
        #expect(try await store.delivery(rows[0].id)?.snapshot.state == .awaitingAcknowledgement)
        // Its poll falls due; nine older sends wait too. The poll goes first, and every round
        // after that takes one send while no poll is due.
        clock.advance(1_000)
        #expect(try await dispatcher.runOnce() == 1)
        #expect(transport.polls.map(\.deliveryID) == [rows[0].id])
        #expect(transport.sends.count == 1)
        #expect(try await dispatcher.runOnce() == 1)
        #expect(transport.sends.count == 2 && transport.polls.count == 1)
        try await store.close()
    }

    @Test func moreDuePollsThanABatchAreAllMadeInTheNextRound() async throws {
        let (store, directory) = try temporaryStore()
        let clock = ManualClock()
        let transport = FakeTransport(
            results: [.accepted(reference: "https://127.0.0.1:9/capture/1", detail: "HTTP 202")], pollResult: .pending(detail: "running"))
        _ = try await enqueue(12, for: profile, into: store, now: clock.now())
        clock.advance(100)
        let dispatcher = try dispatcher(store, transport, clock: clock, directory: directory, batch: 4)
        for _ in 0..<3 { _ = try await dispatcher.runOnce() }
        #expect(transport.sends.count == 12)
        clock.advance(1_000)
        #expect(try await dispatcher.runOnce() == 12, "twelve polls are due; the round takes them all (four batches of polls)")
        #expect(transport.polls.count == 12)
        try await store.close()
    }

    @Test func failuresAreLoggedAtWarningAndRejectionsAndDeadLettersAtErrorWithTheDelivery() async throws {
        let (store, directory) = try temporaryStore()
        let clock = ManualClock()
        let capture = LogCapture()
        let transport = FakeTransport(results: [.failed(error: "HTTP 503", retryAfterMilliseconds: nil), .rejected(reason: "HTTP 400: bad document")])
        let rows = try await enqueue(1, for: profile, into: store, now: clock.now())
        let dispatcher = try dispatcher(store, transport, clock: clock, directory: directory, logger: capture.logger)
        _ = try await dispatcher.runOnce()
        clock.advance(1_000)
        _ = try await dispatcher.runOnce()
        let outcomes = capture.all.filter { $0.message.hasPrefix("send ") }
        #expect(outcomes.map(\.level) == [.warning, .error], "\(outcomes.map(\.message))")
        #expect(outcomes.allSatisfy { $0.metadata["delivery"] == rows[0].id })

        // Past the give-up time a failure dead-letters the delivery: an error too.
        let late = try await enqueue(1, for: profile, into: store, now: clock.now())
        let failing = FakeTransport(results: [.failed(error: "connection refused", retryAfterMilliseconds: nil)])
        let second = LogCapture()
        let dispatcher2 = try self.dispatcher(store, failing, clock: clock, directory: directory, logger: second.logger)
        clock.advance(3_600_000)
        _ = try await dispatcher2.runOnce()
        #expect(try await store.delivery(late[0].id)?.snapshot.state == .deadLettered)
        #expect(second.all.filter { $0.message.hasPrefix("send ") }.map(\.level) == [.error])
        try await store.close()
    }
}
