/// What the responder says about one product identifier: the `data` object of a 200 answer
/// (GS1 Lightweight Messaging Standard 1.1 §4, GS1 US R1.3 §8).
public struct VerificationAnswer: Hashable, Sendable {
    /// Why the answer is negative. The spellings are the standard's, lower-case "match"
    /// included; there is no `No_Match_GTIN`, `Withdrawn` or `Destroyed`.
    public enum FailureReason: String, Hashable, Sendable, CaseIterable {
        case noMatchGTINSerial = "No_match_GTIN_Serial"
        case noMatchGTINSerialLot = "No_match_GTIN_Serial_Lot"
        case noMatchGTINSerialExpiry = "No_match_GTIN_Serial_Expiry"
        case noMatchGTINSerialLotExpiry = "No_match_GTIN_Serial_Lot_Expiry"
        case noReasonProvided = "No_reason_provided"
        case manufacturerPolicy = "Manufacturer_policy"
        case notForRedistribution = "Not_for_re-distribution"

        /// One of the four `No_match_*` codes (what the brute-force guard counts, and what the
        /// "do not disclose reasons" switch hides).
        public var isNoMatch: Bool {
            switch self {
            case .noMatchGTINSerial, .noMatchGTINSerialLot, .noMatchGTINSerialExpiry, .noMatchGTINSerialLotExpiry: true
            default: false
            }
        }
    }

    /// The one `additionalInfo` value an answer may carry. `Recalled` covers recalled or
    /// withdrawn.
    public enum AdditionalInfo: String, Hashable, Sendable, CaseIterable {
        case recalled = "Recalled"
        case suspect = "Suspect"
        case expired = "Expired"
        case expirationExtended = "ExpirationExtended"
        case illegitimate = "Illegitimate"
    }

    public var verified: Bool
    /// Set exactly when ``verified`` is false.
    public var failureReason: FailureReason?
    public var additionalInfo: AdditionalInfo?

    /// A positive answer.
    public static func verified(_ info: AdditionalInfo? = nil) -> Self { Self(verified: true, failureReason: nil, additionalInfo: info) }

    /// A negative answer; the standard requires its reason.
    public static func refused(_ reason: FailureReason, _ info: AdditionalInfo? = nil) -> Self {
        Self(verified: false, failureReason: reason, additionalInfo: info)
    }

    /// The `data` object's JSON, members in the standard's order, `additionalInfo` left out
    /// when it has no value.
    public var json: String {
        var text = "{\"verified\":\(verified)"
        if let failureReason { text += ",\"verificationFailureReason\":\"\(failureReason.rawValue)\"" }
        if let additionalInfo { text += ",\"additionalInfo\":\"\(additionalInfo.rawValue)\"" }
        return text + "}"
    }
}
