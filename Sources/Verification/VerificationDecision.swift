/// The responder's decision for one checked request, pure and table-driven (GS1 US VRS IG
/// R1.3 §8.3, scenarios A to E).
///
/// GTIN and serial are matched first (case-sensitive, leading zeros significant); only then
/// lot and the **printed** expiry. When several statuses apply, the strongest gives the
/// answer and its one additionalInfo: suspect or illegitimate, then unfit (decommissioned,
/// destroyed, or withheld by policy), then recalled or withdrawn, then expired, then an FDA
/// expiry extension.
public enum VerificationDecision {
    public enum Outcome: Hashable, Sendable {
        /// The GTIN's company prefix is none of ours: 404, as a Lookup Directory would answer.
        case notOurs
        /// `miss`: the identifier did not match (what the brute-force guard counts, whether or
        /// not the reason is disclosed).
        case answer(VerificationAnswer, miss: Bool)
    }

    /// - Parameters:
    ///   - today: the responder's date, `YYYY-MM-DD`, that expiry is judged against.
    public static func decide(
        lot: String, serial: String, expiry: String, facts: VerificationFacts, policy: VerificationPolicy, gtin: String, today: String
    ) -> Outcome {
        guard facts.ourPrefix else { return .notOurs }
        func noMatch(_ reason: VerificationAnswer.FailureReason) -> Outcome {
            .answer(.refused(policy.discloseReasons ? reason : .noReasonProvided), miss: true)
        }
        guard facts.productKnown, let unit = facts.unit else { return noMatch(.noMatchGTINSerial) }
        switch (unit.lot == lot, unit.expiry == expiry) {
        case (false, false): return noMatch(.noMatchGTINSerialLotExpiry)
        case (false, true): return noMatch(.noMatchGTINSerialLot)
        case (true, false): return noMatch(.noMatchGTINSerialExpiry)
        case (true, true): break
        }

        var suspect = false
        var illegitimate = false
        var recalled = false
        var extended: String?
        for status in facts.statuses.sorted(by: { $0.utc < $1.utc }) {
            switch status.kind {
            case .suspect: suspect = true
            case .illegitimate: illegitimate = true
            case .cleared:
                suspect = false
                illegitimate = false
            case .recalled, .withdrawn: recalled = true
            case .expiryExtended(let date): extended = date
            }
        }
        let rule = policy.resolved(gtin: gtin, lot: lot, serial: serial)
        if illegitimate { return .answer(.refused(.notForRedistribution, .illegitimate), miss: false) }
        if suspect { return .answer(.refused(.notForRedistribution, .suspect), miss: false) }
        if unit.life != .active || rule.withhold { return .answer(.refused(.manufacturerPolicy), miss: false) }
        if recalled {
            return .answer(rule.recalled == .verified ? .verified(.recalled) : .refused(.manufacturerPolicy, .recalled), miss: false)
        }
        let extendedTo = extended.flatMap { $0 > unit.expiry ? $0 : nil }
        if (extendedTo ?? unit.expiry) < today {
            switch rule.expired {
            case .verified: return .answer(.verified(.expired), miss: false)
            case .notVerified: return .answer(.refused(.manufacturerPolicy, .expired), miss: false)
            case .ignore: break
            }
        }
        return .answer(.verified(extendedTo == nil ? nil : .expirationExtended), miss: false)
    }
}
