import Outbox
import Testing

@Suite struct DeliveryMachineTests {
    let policy = DeliveryPolicy(
        retrySchedule: [60_000, 300_000, 900_000], giveUpAfter: 3_600_000, acknowledgementTimeout: 600_000, pollInterval: 5_000)

    func apply(_ event: DeliveryEvent, _ snapshot: DeliverySnapshot, at now: Int64) throws -> DeliverySnapshot {
        try DeliveryMachine.apply(event, to: snapshot, policy: policy, now: now).get()
    }

    @Test func captureFlowEndsAcknowledgedAfterTheJobSucceeds() throws {
        var delivery = DeliverySnapshot.new(at: 0)
        delivery = try apply(.claimed, delivery, at: 10)
        #expect(delivery.state == .sending && delivery.attempts == 1)
        delivery = try apply(.accepted(reference: "https://p/capture/1", detail: "202"), delivery, at: 20)
        #expect(delivery.state == .awaitingAcknowledgement)
        #expect(delivery.acknowledgementReference == "https://p/capture/1")
        #expect(delivery.dueAt == 5_020 && delivery.acknowledgementDeadline == 600_020)
        delivery = try apply(.claimed, delivery, at: 5_020)
        #expect(delivery.state == .awaitingAcknowledgement && delivery.attempts == 1, "a poll is not a send attempt")
        delivery = try apply(.stillPending(detail: "running"), delivery, at: 5_030)
        #expect(delivery.dueAt == 10_030)
        delivery = try apply(.claimed, delivery, at: 10_030)
        delivery = try apply(.acknowledged(detail: "success"), delivery, at: 10_040)
        #expect(delivery.state == .acknowledged && delivery.acknowledgedAt == 10_040 && delivery.dueAt == nil)
        #expect(delivery.state.isSettled)
    }

    @Test func aSynchronousAcknowledgementSettlesAtOnce() throws {
        let sending = try apply(.claimed, .new(at: 0), at: 0)
        let done = try apply(.acknowledged(detail: "201"), sending, at: 5)
        #expect(done.state == .acknowledged)
    }

    @Test func transportFailuresFollowTheScheduleAndItsLastStepRepeats() throws {
        var delivery = DeliverySnapshot.new(at: 0)
        var now: Int64 = 0
        var waits: [Int64] = []
        for _ in 0..<10 {
            delivery = try apply(.claimed, delivery, at: now)
            delivery = try apply(.transportFailed(error: "connection refused", retryAfter: nil), delivery, at: now)
            guard delivery.state == .retryWait, let due = delivery.dueAt else { break }
            waits.append(due - now)
            now = due
        }
        #expect(waits == [60_000, 300_000, 900_000, 900_000, 900_000])
        // The 6th attempt fails at 3,060 s; another 900 s would end past the hour allowed.
        #expect(delivery.state == .deadLettered && delivery.dueAt == nil && delivery.lastError == "connection refused")
        #expect(delivery.attempts == 6)
    }

    @Test func retryAfterIsHonouredWhenLongerThanTheSchedule() throws {
        let sending = try apply(.claimed, .new(at: 0), at: 0)
        let longer = try apply(.transportFailed(error: "503", retryAfter: 120_000), sending, at: 1_000)
        #expect(longer.dueAt == 121_000)
        let shorter = try apply(.transportFailed(error: "503", retryAfter: 1_000), sending, at: 1_000)
        #expect(shorter.dueAt == 61_000)
    }

    @Test func aRejectionIsNotRetriedUntilAnOperatorSaysSo() throws {
        let sending = try apply(.claimed, .new(at: 0), at: 0)
        let rejected = try apply(.rejected(reason: "400 ValidationException"), sending, at: 1)
        #expect(rejected.state == .rejected && rejected.dueAt == nil)
        #expect(throws: IllegalTransition.self) { try apply(.claimed, rejected, at: 2) }
        let retried = try apply(.retryRequested, rejected, at: 3)
        #expect(retried.state == .queued && retried.dueAt == 3)
    }

    @Test func aFailedCaptureJobIsARejection() throws {
        var delivery = try apply(.claimed, .new(at: 0), at: 0)
        delivery = try apply(.accepted(reference: "j", detail: ""), delivery, at: 0)
        delivery = try apply(.rejected(reason: "capture job failed: 2 errors"), delivery, at: 10)
        #expect(delivery.state == .rejected)
    }

    @Test func anExpiredLeaseIsClaimedAgainAndCountsAsANewAttempt() throws {
        let first = try apply(.claimed, .new(at: 0), at: 0)
        let again = try apply(.claimed, first, at: 90_000)
        #expect(again.state == .sending && again.attempts == 2)
    }

    @Test func lateAcknowledgementsAreVisible() throws {
        var delivery = try apply(.claimed, .new(at: 0), at: 0)
        delivery = try apply(.accepted(reference: "j", detail: ""), delivery, at: 0)
        #expect(!delivery.isLate(at: 600_000))
        #expect(delivery.isLate(at: 600_001))
        delivery = try apply(.pollFailed(error: "timeout"), try apply(.claimed, delivery, at: 700_000), at: 700_000)
        #expect(delivery.state == .awaitingAcknowledgement && delivery.isLate(at: 700_000) && delivery.lastError == "timeout")
    }

    @Test func resendQueuesASettledDeliveryAgainWithAFreshClock() throws {
        var delivery = try apply(.claimed, .new(at: 0), at: 0)
        delivery = try apply(.acknowledged(detail: ""), delivery, at: 1)
        let resent = try apply(.resendRequested, delivery, at: 50)
        #expect(resent.state == .queued && resent.queuedAt == 50 && resent.dueAt == 50 && resent.attempts == 1)
        #expect(throws: IllegalTransition.self) { try apply(.resendRequested, resent, at: 51) }
    }

    @Test func cancelIsRefusedWhileAnAttemptIsInFlight() throws {
        let sending = try apply(.claimed, .new(at: 0), at: 0)
        let error = #expect(throws: IllegalTransition.self) { try apply(.cancelRequested, sending, at: 1) }
        #expect(error?.description.contains("in flight") == true)
        let cancelled = try apply(.cancelRequested, .new(at: 0), at: 1)
        #expect(cancelled.state == .cancelled && cancelled.state.isSettled)
        #expect(throws: IllegalTransition.self) { try apply(.retryRequested, cancelled, at: 2) }
    }

    @Test func releasingAnUnusedClaimUndoesTheAttempt() throws {
        let sending = try apply(.claimed, .new(at: 0), at: 0)
        let released = try apply(.released, sending, at: 7)
        #expect(released.state == .queued && released.attempts == 0 && released.dueAt == 7)
    }

    @Test func outcomesWithoutAnAttemptInFlightAreRefused() {
        for event: DeliveryEvent in [
            .acknowledged(detail: ""), .accepted(reference: "", detail: ""), .transportFailed(error: "", retryAfter: nil), .rejected(reason: ""),
        ] {
            #expect(throws: IllegalTransition.self) { try apply(event, .new(at: 0), at: 1) }
        }
    }

    @Test func aLateAcknowledgementFollowsThePolicyResendWaitOrDeadLetter() throws {
        func awaiting(_ policy: DeliveryPolicy) throws -> DeliverySnapshot {
            var delivery = try DeliveryMachine.apply(.claimed, to: .new(at: 0), policy: policy, now: 10).get()
            delivery = try DeliveryMachine.apply(.accepted(reference: "<m@gw>", detail: "200"), to: delivery, policy: policy, now: 20).get()
            return try DeliveryMachine.apply(.claimed, to: delivery, policy: policy, now: 700_000).get()
        }
        var resend = policy
        resend.onLate = .resend
        let resent = try DeliveryMachine.apply(.stillPending(detail: "no MDN"), to: try awaiting(resend), policy: resend, now: 700_000).get()
        #expect(resent.state == .retryWait && resent.dueAt == 700_000 && resent.lastError?.contains("sent again") == true)
        let again = try DeliveryMachine.apply(.claimed, to: resent, policy: resend, now: 700_001).get()
        #expect(again.state == .sending && again.attempts == 2, "the resend is a send attempt of the same delivery")
        // Past the give-up time a late acknowledgement dead-letters instead.
        let tooLate = try DeliveryMachine.apply(.stillPending(detail: "no MDN"), to: try awaiting(resend), policy: resend, now: 3_600_001).get()
        #expect(tooLate.state == .deadLettered && tooLate.lastError?.contains("gave up") == true)
        var dead = policy
        dead.onLate = .deadLetter
        #expect(try DeliveryMachine.apply(.stillPending(detail: ""), to: try awaiting(dead), policy: dead, now: 700_000).get().state == .deadLettered)
        let waiting = try DeliveryMachine.apply(.stillPending(detail: ""), to: try awaiting(policy), policy: policy, now: 700_000).get()
        #expect(waiting.state == .awaitingAcknowledgement && waiting.isLate(at: 700_000), "wait: still polled, shown LATE")
        // Before the deadline nothing changes, whatever the policy.
        let early = try DeliveryMachine.apply(.stillPending(detail: ""), to: try awaiting(resend), policy: resend, now: 500_000).get()
        #expect(early.state == .awaitingAcknowledgement)
    }
}
