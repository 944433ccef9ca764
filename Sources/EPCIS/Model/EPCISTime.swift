/// Event times as EPCIS needs them: an xsd:dateTime with an explicit offset.
public enum EPCISTime {
    /// Checks `text` is an RFC 3339 date-time with a real calendar day and an explicit offset
    /// (`Z` or `±hh:mm`), and returns its instant in UTC rounded to milliseconds,
    /// `YYYY-MM-DDThh:mm:ss.fffZ`. The result has a fixed width, so comparing two results as text
    /// compares the instants.
    ///
    /// - Throws: ``EPCISError`` naming what is wrong.
    public static func utcMilliseconds(_ text: String) throws -> String {
        guard JSONSchema.isDateTime(Array(text.utf8)), !text.hasSuffix("\n") else {
            throw EPCISError(
                .invalidEvent, "'\(text)' is not a date-time like 2026-11-21T09:30:00.000-05:00 (RFC 3339, real calendar day, with Z or ±hh:mm)")
        }
        return try EventHash.roundedToMilliseconds(EventHash.utc(text))
    }

    /// The `eventTimeZoneOffset` for a date-time: its `±hh:mm`, or `+00:00` for `Z`.
    public static func offset(of text: String) -> String {
        if text.hasSuffix("Z") || text.hasSuffix("z") { return "+00:00" }
        return String(text.suffix(6))
    }
}
