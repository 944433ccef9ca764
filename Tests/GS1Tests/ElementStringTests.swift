import GS1
import Testing

struct ElementStringTests {
    @Test func readsAScannedDSCSAPack() throws {
        let parsed = try GS1ElementString.parse("]d201003000101234551728063010LOT-A1\u{1D}21SN0000001", referenceYear: 2026)
        #expect(parsed.symbology == .dataMatrix)
        #expect(parsed.message.gtin?.value == "00300010123455")
        #expect(parsed.message.expiry?.iso8601 == "2028-06-30")
        #expect(parsed.message.lot?.value == "LOT-A1")
        #expect(parsed.message.serial?.value == "SN0000001")
        #expect(GS1ElementString.encode(parsed.message) == "]d201003000101234551728063010LOT-A1\u{1D}21SN0000001")
        #expect(GS1ElementString.humanReadable(parsed.message) == "(01)00300010123455(17)280630(10)LOT-A1(21)SN0000001")
    }

    @Test func toleratesRedundantSeparatorsAndOtherGS1Symbologies() throws {
        let withExtras = try GS1ElementString.parse("]C1\u{1D}0100300010123455\u{1D}21ABC\u{1D}", referenceYear: 2026)
        #expect(withExtras.symbology == .gs1_128)
        #expect(withExtras.message.serial?.value == "ABC")
        #expect(try GS1ElementString.parse("0100300010123455", referenceYear: 2026).symbology == nil)
        #expect(try GS1ElementString.parse("]Q3004030001123456789014140300011111116", referenceYear: 2026).message.locationGLN != nil)
    }

    /// The bad-input list: each one a distinct, precise error.
    @Test func badInputGetsDistinctPreciseErrors() throws {
        let cases: [(String, GS1Error.Code, String)] = [
            ("]d20100300010123456", .invalidCheckDigit, "GTIN check digit is 6 but the digits before it give 5"),
            ("]d2010030001012345", .truncatedElement, "AI (01) needs 14 characters but only 13 remain; the code is cut short"),
            ("]d2010030001012345521AB CD", .characterOutsideSet, "the value of AI (21) contains a space, which is outside the GS1 82-character set"),
            ("]d2010030001012345510ABCDEFGHIJKLMNOPQRSTU", .valueTooLong, "the value of AI (10) has 21 characters; at most 20 are allowed"),
            ("]d2010030001012345517261331", .invalidDate, "expiry date (AI 17) has month 13, which does not exist"),
            (
                "]d2010030001012345510LOT123456789012342112345678901", .missingSeparator,
                "the value of AI (10) runs on for 30 characters (at most 20); it looks like the next AI starts at character 39 without a GS separator"
            ),
            ("]d201003000101234551", .truncatedElement, "the code ends inside an application identifier ('1')"),
            ("]d2010030001O123455", .nonDigit, "the value of AI (01) contains 'O', but it must hold digits only"),
            ("]d2010030001012345599ABC", .unknownApplicationIdentifier, "application identifier (99) is not one this gateway reads"),
            ("]d20100300010123455240ABC", .unknownApplicationIdentifier, "application identifier (240) is not one this gateway reads"),
            ("]d121ABC", .unsupportedSymbology, "symbology identifier ']d1' is not a GS1 one, so the data has no AIs"),
            ("]d221ABC", .missingElement, "AI (21) (serial) needs AI (01) (GTIN) in the same code"),
            (
                "]d201003000101234552112\u{1D}0100300010123455\u{1D}2113", .duplicateApplicationIdentifier,
                "AI (21) appears twice with different values '12' and '13'"
            ),
        ]
        var messages = Set<String>()
        for (input, code, message) in cases {
            let error = try #require(throws: GS1Error.self, "\(input)") { try GS1ElementString.parse(input, referenceYear: 2026) }
            #expect(error.code == code, "\(input)")
            #expect(error.message == message, "\(input)")
            #expect(error.input == input)
            #expect(error.expected?.isEmpty == false, "every error says what was expected")
            messages.insert(error.message)
        }
        #expect(messages.count == cases.count)
    }

    @Test func errorsPointAtTheOffendingCharacter() throws {
        let bad = try #require(throws: GS1Error.self) { try GS1ElementString.parse("]d2010030001012345521AB CD", referenceYear: 2026) }
        #expect(bad.offset == 23)
        let month = try #require(throws: GS1Error.self) { try GS1ElementString.parse("]d2010030001012345517261331", referenceYear: 2026) }
        #expect(month.offset == 23)
        let unknown = try #require(throws: GS1Error.self) { try GS1ElementString.parse("]d2010030001012345599ABC", referenceYear: 2026) }
        #expect(unknown.offset == 19)
        #expect(unknown.description.contains("at character 20"))
    }

    @Test func humanReadableFormReportsProblemsToo() throws {
        #expect(throws: GS1Error.Code.unknownApplicationIdentifier.error) {
            try GS1ElementString.parse("(01)00300010123455(99)X", referenceYear: 2026)
        }
        #expect(throws: GS1Error.Code.truncatedElement.error) { try GS1ElementString.parse("(01)0030001012345", referenceYear: 2026) }
        #expect(throws: GS1Error.Code.invalidCheckDigit.error) { try GS1ElementString.parse("(01)00300010123454", referenceYear: 2026) }
    }

    @Test func recognizesEveryFormByItsShape() throws {
        #expect(try { if case .epc = try GS1Code.recognize("urn:epc:id:sgtin:030001.0012345.11") { true } else { false } }())
        #expect(try { if case .digitalLink = try GS1Code.recognize(" https://id.gs1.org/01/00300010123455 ") { true } else { false } }())
        #expect(try { if case .elementString = try GS1Code.recognize("]d20100300010123455") { true } else { false } }())
        #expect(try { if case .gtin = try GS1Code.recognize("300010123455") { true } else { false } }())
        #expect(try { if case .sscc = try GS1Code.recognize("403000112345678901") { true } else { false } }())
        #expect(try { if case .ndc = try GS1Code.recognize("0001-0123-45") { true } else { false } }())
        #expect(throws: GS1Error.Code.unrecognizedInput.error) { try GS1Code.recognize("hello") }
    }
}
