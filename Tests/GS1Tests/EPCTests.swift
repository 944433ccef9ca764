import GS1
import Testing

struct EPCTests {
    /// Examples from the EPC Tag Data Standard and the GS1 US R1.3 DSCSA example.
    @Test(arguments: [
        ("urn:epc:id:sgtin:030001.0012345.11", "(01)00300010123455(21)11"),
        ("urn:epc:id:sgtin:0614141.812345.6789", "(01)80614141123458(21)6789"),
        ("urn:epc:id:sgtin:030001.1012345.100000001", "(01)10300010123452(21)100000001"),
        ("urn:epc:id:sscc:030001.41234567890", "(00)403000112345678901"),
        ("urn:epc:id:sscc:0614141.1234567890", "(00)106141412345678908"),
        ("urn:epc:id:sgln:030001.111111.0", "(414)0300011111116"),
        ("urn:epc:id:sgln:0614141.12345.5678", "(414)0614141123452(254)5678"),
        ("urn:epc:id:pgln:030001.111111", "(417)0300011111116"),
        ("urn:epc:class:lgtin:030001.0012345.LOT-1", "(01)00300010123455(10)LOT-1"),
        ("urn:epc:idpat:sgtin:030001.0012345.*", "(01)00300010123455"),
    ])
    func uriConvertsToGS1DataAndBack(uri: String, humanReadable: String) throws {
        let epc = try EPC(uri: uri)
        #expect(epc.uri == uri)
        #expect(GS1ElementString.humanReadable(epc.message) == humanReadable)
        let parsed = try GS1ElementString.parse(humanReadable, referenceYear: 2026).message
        #expect(try EPC(parsed, companyPrefixLength: epc.companyPrefixLength) == epc)
    }

    @Test func serialsAreEscapedExactlyAsTheTagDataStandardRequires() throws {
        let serial = try SerialNumber(#"A"%&/<>?!'()*+,-.:;="#)
        let sgtin = try SGTIN(gtin: GTIN("00300010123455"), serial: serial, companyPrefixLength: 6)
        #expect(sgtin.uri == #"urn:epc:id:sgtin:030001.0012345.A%22%25%26%2F%3C%3E%3F!'()*+,-.:;="#)
        #expect(try SGTIN(uri: sgtin.uri) == sgtin)
        #expect(EPCURIEscaping.escape("plain-serial.1") == "plain-serial.1")
    }

    @Test func companyPrefixLengthComesFromTheCallerNeverFromTheGTIN() throws {
        let gtin = try GTIN("00300010123455")
        let serial = try SerialNumber("1")
        #expect(try SGTIN(gtin: gtin, serial: serial, companyPrefixLength: 7).uri == "urn:epc:id:sgtin:0300010.012345.1")
        #expect(try SGTIN(gtin: gtin, serial: serial, companyPrefixLength: 12).uri == "urn:epc:id:sgtin:030001012345.0.1")
        #expect(throws: GS1Error.Code.invalidCompanyPrefixLength.error) { try SGTIN(gtin: gtin, serial: serial, companyPrefixLength: 5) }
        #expect(throws: GS1Error.Code.invalidCompanyPrefixLength.error) { try SGTIN(gtin: gtin, serial: serial, companyPrefixLength: 13) }
        // A 12-digit prefix leaves no location reference digits; the URI still round-trips.
        let sgln = try SGLN(gln: GLN("0300011111116"), companyPrefixLength: 12)
        #expect(sgln.uri == "urn:epc:id:sgln:030001111111..0")
        #expect(try EPC(uri: sgln.uri) == .sgln(sgln))
    }

    @Test func malformedURIsSayWhatIsWrong() throws {
        func failure(_ uri: String) throws -> GS1Error { try #require(throws: GS1Error.self) { try EPC(uri: uri) } }
        let short = try failure("urn:epc:id:sgtin:030001.012345.11")
        #expect(short.code == .invalidEPCURI)
        #expect(short.message == "the indicator and item reference has 6 digits, but with a 6-digit company prefix it must have 7")
        #expect(short.offset == 24)
        let unescaped = try failure("urn:epc:id:sgtin:030001.0012345.AB/C")
        #expect(unescaped.code == .invalidEscape)
        #expect(unescaped.message.contains("must be written %2F"))
        #expect(unescaped.offset == 34)
        let overEscaped = try failure("urn:epc:id:sgtin:030001.0012345.%41BC")
        #expect(overEscaped.code == .invalidEscape)
        #expect(overEscaped.message.contains("'A'"))
        #expect(try failure("urn:epc:id:sgtin:030001.0012345.AB%2").code == .invalidEscape)
        #expect(try failure("urn:epc:id:sgtin:030001.0012345.A B").code == .characterOutsideSet)
        #expect(try failure("urn:epc:id:sgtin:030001.0012345.").code == .emptyValue)
        #expect(try failure("urn:epc:id:sgtin:030001.0012345.123456789012345678901").code == .valueTooLong)
        #expect(try failure("urn:epc:id:sgtin:03000.00123456.1").code == .invalidCompanyPrefixLength)
        #expect(try failure("urn:epc:id:sgtin:030001.0012345").code == .invalidEPCURI)
        #expect(try failure("urn:epc:id:grai:030001.012345.1").code == .invalidEPCURI)
        #expect(try failure("urn:epc:id:sscc:03000A.41234567890").code == .nonDigit)
        #expect(try failure("urn:epc:idpat:sgtin:030001.0012345.12").code == .invalidEPCURI)
    }

    @Test func propertyURIsRoundTripThroughValuesAndMessages() throws {
        var rng = SeededRandom(seed: 2026)
        for _ in 0..<2_000 {
            let cpl = Int.random(in: 6...12, using: &rng)
            let gtin = Generate.gtin(using: &rng)
            let sgtin = try SGTIN(gtin: gtin, serial: SerialNumber(Generate.text(using: &rng)), companyPrefixLength: cpl)
            #expect(try EPC(uri: sgtin.uri) == .sgtin(sgtin), "\(sgtin.uri)")
            #expect(try EPC(EPC.sgtin(sgtin).message, companyPrefixLength: cpl) == .sgtin(sgtin))
            let lgtin = try LGTIN(gtin: gtin, lot: LotNumber(Generate.text(using: &rng)), companyPrefixLength: cpl)
            #expect(try EPC(uri: lgtin.uri) == .lgtin(lgtin))
            let sscc = try SSCC(payload: Generate.digits(17, using: &rng))
            #expect(try EPC(uri: EPC.sscc(sscc, companyPrefixLength: cpl).uri) == .sscc(sscc, companyPrefixLength: cpl))
            let gln = try GLN(payload: Generate.digits(12, using: &rng))
            let sgln = try SGLN(gln: gln, extension: Bool.random(using: &rng) ? Generate.text(using: &rng) : nil, companyPrefixLength: cpl)
            #expect(try EPC(uri: sgln.uri) == .sgln(sgln), "\(sgln.uri)")
            #expect(try EPC(EPC.sgln(sgln).message, companyPrefixLength: cpl) == .sgln(sgln))
            let pgln = try PGLN(gln: gln, companyPrefixLength: cpl)
            #expect(try EPC(uri: pgln.uri) == .pgln(pgln))
        }
    }
}
