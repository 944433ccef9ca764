import GS1
import Testing

struct CheckDigitTests {
    /// Worked examples: the DSCSA notes (GS1 US R1.3 example data), GS1 Digital Link's example
    /// GTIN, and the GS1 General Specifications' check-digit examples.
    @Test(arguments: [
        ("0030001012345", "5"),  // GTIN 00300010123455 (NDC 0001-0123-45)
        ("030001111111", "6"),  // GLN 0300011111116
        ("40300011234567890", "1"),  // SSCC 403000112345678901
        ("0950600013435", "2"),  // GTIN 09506000134352, GS1 Digital Link standard example
        ("37610425002123456", "9"),  // SSCC 376104250021234569, GS1 General Specifications
        ("629104150021", "3"),  // GTIN-13 6291041500213, GS1 General Specifications
        ("9638507", "4"),  // GTIN-8 96385074
        ("1030001012345", "2"),  // case GTIN 10300010123452 (GS1 US R1.3 example)
    ])
    func computesTheMod10CheckDigit(payload: String, expected: Character) {
        #expect(GS1CheckDigit.compute(for: payload) == expected)
    }

    @Test func gtinsOfEveryLengthNormaliseToFourteenDigits() throws {
        #expect(try GTIN("96385074").value == "00000096385074")
        #expect(try GTIN("300010123455").value == "00300010123455")
        #expect(try GTIN("6291041500213").value == "06291041500213")
        #expect(try GTIN("10300010123452").indicator == "1")
        #expect(try GTIN("00300010123455").isNDCBased)
        #expect(try !GTIN("09506000134352").isNDCBased)
    }

    @Test func keysRejectBadDigitsLengthsAndCheckDigits() {
        #expect(throws: GS1Error.Code.invalidCheckDigit.error) { try GTIN("00300010123456") }
        #expect(throws: GS1Error.Code.invalidLength.error) { try GTIN("00300010123") }
        #expect(throws: GS1Error.Code.invalidLength.error) { try GTIN("003000101234550") }
        #expect(throws: GS1Error.Code.nonDigit.error) { try GTIN("0030001O123455") }
        #expect(throws: GS1Error.Code.emptyValue.error) { try GTIN("") }
        #expect(throws: GS1Error.Code.invalidCheckDigit.error) { try GLN("0300011111117") }
        #expect(throws: GS1Error.Code.invalidCheckDigit.error) { try SSCC("403000112345678902") }
        #expect(throws: GS1Error.Code.invalidLength.error) { try SSCC("40300011234567890") }
    }

    @Test func checkDigitErrorNamesTheRightDigit() throws {
        let error = try #require(throws: GS1Error.self) { try GTIN("00300010123456") }
        #expect(error.message == "GTIN check digit is 6 but the digits before it give 5")
        #expect(error.offset == 13)
        #expect(error.expected == "00300010123455")
    }

    @Test func propertyEveryComputedCheckDigitValidatesAndEveryOtherDigitFails() throws {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<500 {
            let payload = Generate.digits(13, using: &rng)
            let check = GS1CheckDigit.compute(for: payload)
            #expect(try GTIN(payload + String(check)).payload == Substring(payload))
            let wrong = Character(String((Int(String(check))! + Int.random(in: 1...9, using: &rng)) % 10))
            #expect(throws: GS1Error.Code.invalidCheckDigit.error) { try GTIN(payload + String(wrong)) }
        }
    }
}

extension GS1Error.Code {
    /// An error carrying only this code, for `#expect(throws:)` (equality compares codes).
    var error: GS1Error { GS1Error(self, "") }
}
