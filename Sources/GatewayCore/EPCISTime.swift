/// Event times as EPCIS needs them: an xsd:dateTime with an explicit offset.
public enum EPCISTime {
    /// Checks `text` is an RFC 3339 date-time with a real calendar day and an explicit offset
    /// (`Z` or `±hh:mm`), and returns its instant in UTC rounded to milliseconds,
    /// `YYYY-MM-DDThh:mm:ss.fffZ`. The result has a fixed width, so comparing two results as text
    /// compares the instants.
    ///
    /// - Throws: ``DateTimeError`` naming what is wrong.
    public static func utcMilliseconds(_ text: String) throws -> String {
        guard isDateTime(Array(text.utf8)), !text.hasSuffix("\n") else {
            throw DateTimeError("'\(text)' is not a date-time like 2026-11-21T09:30:00.000-05:00 (RFC 3339, real calendar day, with Z or ±hh:mm)")
        }
        return try roundedToMilliseconds(utc(text))
    }

    /// The `eventTimeZoneOffset` for a date-time: its `±hh:mm`, or `+00:00` for `Z`.
    public static func offset(of text: String) -> String {
        if text.hasSuffix("Z") || text.hasSuffix("z") { return "+00:00" }
        return String(text.suffix(6))
    }

    /// RFC 3339 `date-time`: `YYYY-MM-DDThh:mm:ss[.f+](Z|±hh:mm)`, `T` and `Z` in either case, a
    /// real calendar day, year 0 refused, no leap second.
    public static func isDateTime(_ bytes: [UInt8]) -> Bool {
        func digits(_ range: Range<Int>) -> Int? { decimalNumber(bytes, range) }
        func byte(_ index: Int, _ allowed: String) -> Bool { index < bytes.count && allowed.utf8.contains(bytes[index]) }
        guard let year = digits(0..<4), byte(4, "-"), let month = digits(5..<7), byte(7, "-"), let day = digits(8..<10),
            byte(10, "Tt"), let hour = digits(11..<13), byte(13, ":"), let minute = digits(14..<16), byte(16, ":"),
            let second = digits(17..<19)
        else { return false }
        var index = 19
        if byte(index, ".") {
            index += 1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            guard index > start else { return false }
        }
        if byte(index, "Zz") {
            index += 1
        } else {
            guard byte(index, "+-"), let offsetHour = digits(index + 1..<index + 3), byte(index + 3, ":"),
                let offsetMinute = digits(index + 4..<index + 6), offsetHour < 24, offsetMinute < 60
            else { return false }
            index += 6
        }
        guard index == bytes.count, year > 0, (1...12).contains(month), hour < 24, minute < 60, second < 60 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// An xsd:dateTime converted to UTC `YYYY-MM-DDThh:mm:ss.fffZ` (all significant fractional
    /// digits kept, padded to at least three, as CBV 2.0 says).
    public static func utc(_ text: String) throws -> String {
        var trimmed = ArraySlice(text.utf8)
        // XML whitespace around the value is not part of it.
        let space: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0A]
        while let first = trimmed.first, space.contains(first) { trimmed.removeFirst() }
        while let last = trimmed.last, space.contains(last) { trimmed.removeLast() }
        let bytes = Array(trimmed)
        func number(_ range: Range<Int>) -> Int? { decimalNumber(bytes, range) }
        guard bytes.count >= 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19)
        else {
            throw DateTimeError("'\(text)' is not an xsd:dateTime (YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm))")
        }
        var index = 19
        var fraction = ""
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                fraction.append(Character(Unicode.Scalar(bytes[index])))
                index += 1
            }
        }
        // The same instant hashes alike: zeros past the third digit say nothing (12:58:56.000000 = 12:58:56.000).
        while fraction.count > 3 && fraction.hasSuffix("0") { fraction.removeLast() }
        while fraction.count < 3 { fraction += "0" }
        var offsetMinutes = 0
        if index < bytes.count {
            if bytes[index] == 0x5A, index + 1 == bytes.count {
                offsetMinutes = 0
            } else if (bytes[index] == 0x2B || bytes[index] == 0x2D), index + 6 == bytes.count, bytes[index + 3] == 0x3A,
                let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6)
            {
                offsetMinutes = (hours * 60 + minutes) * (bytes[index] == 0x2D ? -1 : 1)
            } else {
                throw DateTimeError("'\(text)' has an unreadable time zone; use Z or ±hh:mm")
            }
        } else {
            throw DateTimeError("'\(text)' has no time zone; EPCIS times need Z or ±hh:mm")
        }
        // Days since 1970-01-01 (proleptic Gregorian), then shift by the offset.
        let days = daysFromCivil(year, month, day)
        let total = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second
        return format(total, fraction: fraction)
    }

    /// A UTC time from ``utc(_:)`` rounded half-up to exactly three fractional digits (what CBV
    /// 2.1 and the reference tool do).
    public static func roundedToMilliseconds(_ time: String) throws -> String {
        let fraction = time.dropFirst(20).dropLast()
        guard fraction.count > 3, let first = Int(fraction.prefix(3)), let next = fraction.dropFirst(3).first else { return time }
        let milliseconds = first + (next >= "5" ? 1 : 0)
        if milliseconds < 1000 { return time.prefix(20) + String(1000 + milliseconds).dropFirst() + "Z" }
        // Carry into the seconds (and on through the calendar).
        let digits = Array(time.utf8)
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let days = daysFromCivil(number(0..<4), number(5..<7), number(8..<10))
        return format(((days * 24 + number(11..<13)) * 60 + number(14..<16)) * 60 + number(17..<19) + 1, fraction: "000")
    }

    /// `YYYY-MM-DDThh:mm:ss.<fraction>Z` for seconds since 1970-01-01T00:00:00Z.
    private static func format(_ total: Int, fraction: String) -> String {
        let (d, secondsOfDay) = (floorDiv(total, 86_400), total - floorDiv(total, 86_400) * 86_400)
        let (y, m, dd) = civilFromDays(d)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(dd, 2))T\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2)).\(fraction)Z"
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Howard Hinnant's days-from-civil algorithm.
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// The value of the ASCII digits at `range` of `bytes`; nil if the range runs past the end or
/// holds anything else. Shared by the date-time parsers.
public func decimalNumber(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
    guard range.upperBound <= bytes.count else { return nil }
    var value = 0
    for index in range {
        guard (0x30...0x39).contains(bytes[index]) else { return nil }
        value = value * 10 + Int(bytes[index] - 0x30)
    }
    return value
}

/// A text is not a date-time EPCIS can carry; the message says what is wrong.
public struct DateTimeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
