import Testing
import Verification

/// The responder's pure parts on their own; the route table (GatewayServerTests) covers them
/// end to end.
@Suite struct VerificationLogicTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(951_782_400_123), "2000-02-29T00:00:00.123Z"),
        (Int64(1_796_212_800_000), "2026-12-02T12:00:00.000Z"),
        (Int64(4_102_444_799_999), "2099-12-31T23:59:59.999Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func timestampsHaveMillisecondsAndAnOffset(_ milliseconds: Int64, _ expected: String) {
        #expect(VerificationResponse.timestamp(milliseconds) == expected)
    }

    @Test func percentDecodingHappensOnce() throws {
        #expect(try PercentDecoding.decode("AB%2F12", field: "ser").get() == "AB/12")
        #expect(try PercentDecoding.decode("AB%252F12", field: "ser").get() == "AB%2F12")
        #expect(try PercentDecoding.decode("a+b", field: "ser").get() == "a+b")
        for broken in ["%", "%4", "%G0", "S%00", "S%7F", "%C3%28"] {
            #expect(throws: VerificationRejection.self, "\(broken)") { try PercentDecoding.decode(broken[...], field: "ser").get() }
        }
    }

    @Test func aCoolDownNeedsEveryMissInsideTheWindowAndEnds() {
        var guardState = RequestorCoolDown(limits: RequestorCoolDown.Limits(failures: 3, windowMilliseconds: 1_000, coolDownMilliseconds: 5_000))
        let started = [0, 600, 1_100, 1_200].map { guardState.recordMiss(at: Int64($0)) }
        // At 1 100 the first miss has left the window: two in it, not three; at 1 200, three.
        #expect(started == [false, false, false, true])
        #expect(guardState.isBlocked(at: 1_200) && guardState.isBlocked(at: 6_199))
        #expect(!guardState.isBlocked(at: 6_200))
    }

    static func decide(_ facts: VerificationFacts, policy: VerificationPolicy = VerificationPolicy(), expiry: String = "2030-06-15")
        -> VerificationDecision.Outcome
    {
        VerificationDecision.decide(
            lot: "L1", serial: "S1", expiry: expiry, facts: facts, policy: policy, gtin: "00300010123455", today: "2026-12-02")
    }

    static let unit = VerificationFacts.Unit(lot: "L1", expiry: "2030-06-15", life: .active)

    @Test func gtinAndSerialComeBeforeLotAndExpiry() {
        let unknown = VerificationFacts(ourPrefix: true, productKnown: true, unit: nil, statuses: [])
        #expect(Self.decide(unknown) == .answer(.refused(.noMatchGTINSerial), miss: true))
        let notOurs = VerificationFacts(ourPrefix: false, productKnown: true, unit: Self.unit, statuses: [])
        #expect(Self.decide(notOurs) == .notOurs)
        // A recalled unit that does not match is a no-match: statuses are not evaluated.
        let recalled = VerificationFacts(
            ourPrefix: true, productKnown: true, unit: VerificationFacts.Unit(lot: "L9", expiry: "2030-06-15", life: .active),
            statuses: [.init(kind: .recalled, utc: "2026-01-01T00:00:00.000Z")])
        #expect(Self.decide(recalled) == .answer(.refused(.noMatchGTINSerialLot), miss: true))
    }

    @Test func statusesApplyInTimeOrderAndTheStrongestWins() {
        func facts(_ statuses: [(VerificationFacts.Status.Kind, String)]) -> VerificationFacts {
            VerificationFacts(ourPrefix: true, productKnown: true, unit: Self.unit, statuses: statuses.map { .init(kind: $0.0, utc: $0.1) })
        }
        // Cleared after suspect ends it; suspect after cleared stands (order by time, not by list).
        #expect(Self.decide(facts([(.cleared, "2026-02-02"), (.suspect, "2026-02-01")])) == .answer(.verified(), miss: false))
        #expect(
            Self.decide(facts([(.cleared, "2026-02-01"), (.suspect, "2026-02-02")]))
                == .answer(.refused(.notForRedistribution, .suspect), miss: false))
        #expect(
            Self.decide(facts([(.suspect, "2026-02-01"), (.illegitimate, "2026-02-01")]))
                == .answer(.refused(.notForRedistribution, .illegitimate), miss: false))
        #expect(
            Self.decide(facts([(.expiryExtended("2031-01-01"), "2026-02-01"), (.withdrawn, "2026-02-02")]))
                == .answer(.refused(.manufacturerPolicy, .recalled), miss: false))
        // An "extension" to an earlier date is no extension.
        #expect(Self.decide(facts([(.expiryExtended("2029-01-01"), "2026-02-01")])) == .answer(.verified(), miss: false))
    }

    @Test func theDataObjectLeavesOutAnAbsentAdditionalInfo() {
        #expect(VerificationAnswer.verified().json == #"{"verified":true}"#)
        #expect(
            VerificationAnswer.refused(.notForRedistribution, .suspect).json
                == #"{"verified":false,"verificationFailureReason":"Not_for_re-distribution","additionalInfo":"Suspect"}"#)
        #expect(VerificationAnswer.FailureReason.allCases.filter(\.isNoMatch).count == 4)
    }
}
