/// The bodies of the two 200 answers, byte for byte: exactly `verificationTimestamp`,
/// `responderGLN`, `data` and `corrUUID` for `verify`, and `responderGLN` for
/// `checkConnectivity`. No request value but the corrUUID is echoed.
public enum VerificationResponse {
    /// - Parameters:
    ///   - correlationID: checked to be a UUID (hexadecimal and dashes), so it needs no escaping.
    ///   - milliseconds: the answer's instant, milliseconds since 1970 UTC.
    public static func verify(_ answer: VerificationAnswer, responderGLN: String, correlationID: String, milliseconds: Int64) -> String {
        "{\"verificationTimestamp\":\"\(timestamp(milliseconds))\",\"responderGLN\":\"\(responderGLN)\",\"data\":\(answer.json),"
            + "\"corrUUID\":\"\(correlationID)\"}"
    }

    public static func connectivity(responderGLN: String) -> String { "{\"responderGLN\":\"\(responderGLN)\"}" }

    /// ISO 8601 in UTC with milliseconds and an explicit offset: `2026-12-02T05:04:03.021Z`.
    public static func timestamp(_ milliseconds: Int64) -> String {
        let millis = Int(((milliseconds % 1000) + 1000) % 1000)
        let seconds = (milliseconds - Int64(millis)) / 1000
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = civil(days: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay % 3600 / 60, 2)):"
            + "\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    /// The UTC date of an instant, `YYYY-MM-DD` (what expiry is judged against).
    public static func date(_ milliseconds: Int64) -> String { String(timestamp(milliseconds).prefix(10)) }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
    static func civil(days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
