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

/// What `verify ask` says about a responder's answer.
@Suite struct VerificationResponseCheckTests {
    static let uuid = "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    static let json = ["content-type": "application/json", "cache-control": "private, no-cache"]

    static func findings(_ body: String, status: Int = 200, headers: [String: String] = json) -> [String] {
        VerificationResponseCheck.findings(status: status, headers: headers, body: Array(body.utf8), correlationID: uuid)
    }

    static func answer(_ data: String, timestamp: String = "2026-12-02T12:00:00.000Z", gln: String = "0300019999990", uuid: String = uuid) -> String {
        #"{"verificationTimestamp":""# + timestamp + #"","responderGLN":""# + gln + #"","data":"# + data + #","corrUUID":""# + uuid + #""}"#
    }

    @Test func aRightAnswerHasNoFindings() {
        #expect(Self.findings(Self.answer(#"{"verified":true}"#)).isEmpty)
        #expect(Self.findings(Self.answer(#"{"verified":false,"verificationFailureReason":"No_match_GTIN_Serial"}"#)).isEmpty)
        #expect(Self.findings(Self.answer(#"{"verified":true,"additionalInfo":"Recalled"}"#, timestamp: "2026-12-02T04:00:00.000-08:00")).isEmpty)
        #expect(Self.findings("", status: 404, headers: [:]).isEmpty)
        #expect(
            VerificationResponseCheck.findings(
                status: 200, headers: Self.json, body: Array(#"{"responderGLN":"0300019999990"}"#.utf8), correlationID: nil
            )
            .isEmpty)
    }

    @Test(arguments: [
        (answer(#"{"verified":false,"verificationFailureReason":"No_Match_GTIN_Serial"}"#), "lower-case 'match'"),
        (answer(#"{"verified":false}"#), "lacks verificationFailureReason"),
        (answer(#"{"verified":true,"verificationFailureReason":"No_match_GTIN_Serial"}"#), "positive answer carries"),
        (answer(#"{"verified":true,"additionalInfo":""}"#), "leave it out"),
        (answer(#"{"verified":true,"additionalInfo":"recalled"}"#), "additionalInfo 'recalled'"),
        (answer(#"{"verified":1}"#), "not true/false"),
        (answer(#"{"verified":true}"#, timestamp: "2026-12-02T12:00:00Z"), "milliseconds"),
        (answer(#"{"verified":true}"#, gln: "012341234567"), "13-digit GLN"),
        (answer(#"{"verified":true}"#, uuid: "3F1B2C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D"), "byte for byte"),
        (
            #"{"verificationTimestamp":"2026-12-02T12:00:00.000Z","responderGLN":"0300019999990","data":{"verified":true},"corrUUID":"3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","gtin":"1"}"#,
            "members the standard does not"
        ),
        ("not json", "not a JSON object"),
    ])
    func everyBrokenRuleIsNamed(_ body: String, _ expected: String) {
        let found = Self.findings(body)
        #expect(found.contains { $0.contains(expected) }, "\(found)")
    }

    @Test func headersAndNon200BodiesAreChecked() {
        #expect(Self.findings(Self.answer(#"{"verified":true}"#), headers: ["content-type": "text/plain"]).count == 2)
        #expect(Self.findings("{\"error\":\"bad gtin\"}", status: 400, headers: [:]).first?.contains("only a 200") == true)
        #expect(Self.findings("", status: 418, headers: [:]).first?.contains("none the standard names") == true)
    }
}
