import GS1
import Testing

struct TextAndDateTests {
    @Test func serialsAndLotsAcceptTheWhole82CharacterSetUpToTwentyCharacters() throws {
        let all = String(Generate.gs1Characters)
        #expect(Generate.gs1Characters.count == 82)
        for start in stride(from: 0, to: all.count, by: 20) {
            let chunk = String(all.dropFirst(start).prefix(20))
            #expect(try SerialNumber(chunk).value == chunk)
            #expect(try LotNumber(chunk).value == chunk)
        }
        #expect(try SerialNumber("00012").value == "00012")  // leading zeros are significant
    }

    @Test(arguments: [" ", "#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", "é", "\u{1D}"])
    func charactersOutsideTheSetAreRefusedWithTheirPosition(bad: String) throws {
        let error = try #require(throws: GS1Error.self) { try SerialNumber("AB" + bad + "C") }
        #expect(error.code == .characterOutsideSet)
        #expect(error.offset == 2)
        #expect(error.message.contains("outside the GS1 82-character set"))
    }

    @Test func aLotOfTwentyOneCharactersIsTooLong() throws {
        let error = try #require(throws: GS1Error.self) { try LotNumber(String(repeating: "L", count: 21)) }
        #expect(error.code == .valueTooLong)
        #expect(error.message == "lot number (AI 10) has 21 characters; at most 20 are allowed")
        #expect(throws: GS1Error.Code.emptyValue.error) { try SerialNumber("") }
    }

    @Test func dayZeroMeansTheLastDayOfTheMonth() throws {
        #expect(try GS1Date(yymmdd: "260200", referenceYear: 2026).iso8601 == "2026-02-28")
        #expect(try GS1Date(yymmdd: "280200", referenceYear: 2026).iso8601 == "2028-02-29")
        #expect(try GS1Date(yymmdd: "000200", referenceYear: 2026).iso8601 == "2000-02-29")  // 2000 is a leap year
        #expect(try GS1Date(yymmdd: "261100", referenceYear: 2026).iso8601 == "2026-11-30")
        #expect(try GS1Date(yymmdd: "261200", referenceYear: 2026).isEndOfMonth)
        #expect(try !GS1Date(yymmdd: "261231", referenceYear: 2026).isEndOfMonth)
    }

    /// GS1 General Specifications §7.12: 51–99 years ahead → previous century; 50–99 behind →
    /// next century; otherwise the current century.
    @Test(arguments: [
        (2026, "76", 2076), (2026, "77", 1977), (2026, "00", 2000), (2026, "99", 1999),
        (2051, "00", 2100), (2050, "00", 2100), (2049, "00", 2000), (2099, "48", 2148), (2099, "49", 2149), (2099, "50", 2050),
        (2001, "52", 1952), (2001, "51", 2051),
    ])
    func centuryFollowsTheSlidingWindow(referenceYear: Int, yy: String, year: Int) throws {
        #expect(try GS1Date(yymmdd: yy + "0101", referenceYear: referenceYear).year == year)
    }

    @Test func impossibleDatesAreRefused() throws {
        let month13 = try #require(throws: GS1Error.self) { try GS1Date(yymmdd: "261301", referenceYear: 2026) }
        #expect(month13.code == .invalidDate)
        #expect(month13.offset == 2)
        #expect(month13.message.contains("month 13"))
        let feb30 = try #require(throws: GS1Error.self) { try GS1Date(yymmdd: "260230", referenceYear: 2026) }
        #expect(feb30.message == "date (YYMMDD) has day 30, but month 2 of 2026 has 28 days")
        #expect(throws: GS1Error.Code.invalidDate.error) { try GS1Date(yymmdd: "260132", referenceYear: 2026) }
        #expect(throws: GS1Error.Code.invalidDate.error) { try GS1Date(yymmdd: "260001", referenceYear: 2026) }
        #expect(throws: GS1Error.Code.invalidLength.error) { try GS1Date(yymmdd: "2601", referenceYear: 2026) }
        #expect(throws: GS1Error.Code.nonDigit.error) { try GS1Date(yymmdd: "26O101", referenceYear: 2026) }
    }
}
