import GS1
import Testing

struct NDCTests {
    /// GS1 US R1.3 example: NDC 0001-0123-45 → unit GTIN 00300010123455, case GTIN 10300010123452.
    @Test func ndcMakesUnitAndCaseGTINs() throws {
        let ndc = try NDC("0001-0123-45")
        #expect(ndc.layout == .fourFourTwo)
        #expect(ndc.gtin12 == "300010123455")
        #expect(try ndc.gtin().value == "00300010123455")
        #expect(try ndc.gtin(indicator: 1).value == "10300010123452")
        #expect(ndc.companyPrefixLength == 6)
        #expect(ndc.ndc11 == "00001012345")
        #expect(ndc.ndc11Hyphenated == "00001-0123-45")
        #expect(throws: GS1Error.Code.invalidLength.error) { try ndc.gtin(indicator: 9) }
    }

    @Test(arguments: [
        ("61414-567-89", NDC.Layout.fiveThreeTwo, "61414-0567-89", 7),
        ("61414-5678-9", NDC.Layout.fiveFourOne, "61414-5678-09", 7),
        ("1234-5678-90", NDC.Layout.fourFourTwo, "01234-5678-90", 6),
    ])
    func everyLayoutConvertsToNDC11AndBack(text: String, layout: NDC.Layout, ndc11: String, prefix: Int) throws {
        let ndc = try NDC(text)
        #expect(ndc.layout == layout)
        #expect(ndc.ndc11Hyphenated == ndc11)
        #expect(try NDC(ndc11) == ndc)
        #expect(try NDC(ndc11.filter { $0 != "-" }) == ndc)
        #expect(ndc.companyPrefixLength == prefix)
        #expect(try NDC(gtin: ndc.gtin(indicator: 3), layout: layout) == ndc)
        #expect(try NDC(gtin: ndc.gtin(), stored: text) == ndc)
    }

    @Test func gtinToNDCNeedsTheStoredHyphenation() throws {
        let gtin = try GTIN("00361414567894")
        let error = try #require(throws: GS1Error.self) { try NDC(gtin: gtin, stored: nil) }
        #expect(error.code == .ambiguousNDC)
        #expect(
            error.message
                == "GTIN 00361414567894 holds the NDC digits 6141456789, which could be 6141-4567-89, 61414-567-89, 61414-5678-9; a GTIN does not record the hyphenation"
        )
        #expect(try NDC(gtin: gtin, stored: "61414-567-89").hyphenated == "61414-567-89")
        #expect(throws: GS1Error.Code.invalidNDC.error) { try NDC(gtin: gtin, stored: "0001-0123-45") }
        #expect(throws: GS1Error.Code.invalidNDC.error) { try NDC(gtin: GTIN("09506000134352"), layout: .fourFourTwo) }
    }

    @Test func malformedOrAmbiguousNDCsAreRefused() throws {
        #expect(throws: GS1Error.Code.ambiguousNDC.error) { try NDC("0001012345") }  // 10 digits, no hyphens
        #expect(throws: GS1Error.Code.ambiguousNDC.error) { try NDC("12345-0678-09") }  // padding could be product or package
        #expect(throws: GS1Error.Code.invalidNDC.error) { try NDC("12345-6789-12") }  // NDC-11 with no padding zero
        #expect(throws: GS1Error.Code.invalidNDC.error) { try NDC("123-4567-89") }
        #expect(throws: GS1Error.Code.invalidNDC.error) { try NDC("0001-0123-4X") }
        #expect(throws: GS1Error.Code.invalidNDC.error) { try NDC("1") }
    }
}
