internal import Foundation

/// A GS1 date such as the expiry date (AI 17) or production date (AI 11), encoded `YYMMDD`.
///
/// Day `00` means the last day of the month (GS1 General Specifications §3.4). The century
/// follows the sliding window of §7.12: relative to a reference year, a two-digit year 51–99
/// ahead belongs to the previous century, one 50–99 behind to the next century, and anything
/// else to the current one.
public struct GS1Date: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The six digits as encoded, for example `260300`.
    public let yymmdd: String
    /// The four-digit year after applying the century window.
    public let year: Int
    /// The month, 1–12.
    public let month: Int
    /// The day of month, with day `00` already resolved to the month's last day.
    public let day: Int

    /// Parses `YYMMDD`.
    ///
    /// - Parameters:
    ///   - yymmdd: six digits.
    ///   - referenceYear: the year the century window is centred on, normally the current year.
    ///   - name: the field's name for messages.
    /// - Throws: ``GS1Error`` (`nonDigit`, `invalidLength`, `invalidDate` for month 13, day 32 or a
    ///   day the month does not have).
    public init(yymmdd: String, referenceYear: Int = GS1Date.currentYear(), name: String = "date (YYMMDD)") throws {
        let form = "YYMMDD: month 01-12, day 01-31 and existing in that month, or 00 for the last day of the month"
        try Digits.require(yymmdd, name: name, lengths: [6], form: form)
        let digits = Array(yymmdd.utf8).map { Int($0 - UInt8(ascii: "0")) }
        let yy = digits[0] * 10 + digits[1]
        let month = digits[2] * 10 + digits[3]
        let rawDay = digits[4] * 10 + digits[5]
        guard (1...12).contains(month) else {
            throw GS1Error(.invalidDate, "\(name) has month \(month), which does not exist", input: yymmdd, offset: 2, expected: form)
        }
        let year = GS1Date.resolveCentury(yy, referenceYear: referenceYear)
        let lastDay = GS1Date.daysInMonth(year: year, month: month)
        guard rawDay <= lastDay else {
            throw GS1Error(
                .invalidDate, "\(name) has day \(rawDay), but month \(month) of \(year) has \(lastDay) days",
                input: yymmdd, offset: 4, expected: form)
        }
        self.yymmdd = yymmdd
        self.year = year
        self.month = month
        self.day = rawDay == 0 ? lastDay : rawDay
    }

    /// True when the encoded day is `00` (only month and year were given).
    public var isEndOfMonth: Bool { yymmdd.hasSuffix("00") }

    /// The resolved date as `YYYY-MM-DD` (the form EPCIS ILMD uses for `itemExpirationDate`).
    public var iso8601: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public var description: String { iso8601 }
    public static func < (lhs: GS1Date, rhs: GS1Date) -> Bool { (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day) }

    /// Applies the GS1 §7.12 century window.
    public static func resolveCentury(_ twoDigitYear: Int, referenceYear: Int) -> Int {
        let century = referenceYear - referenceYear % 100
        let difference = twoDigitYear - referenceYear % 100
        if (51...99).contains(difference) { return century - 100 + twoDigitYear }
        if (-99 ... -50).contains(difference) { return century + 100 + twoDigitYear }
        return century + twoDigitYear
    }

    /// The number of days in a month of the proleptic Gregorian calendar.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The current year in UTC, the default centre of the century window.
    public static func currentYear() -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.component(.year, from: Date())
    }
}
