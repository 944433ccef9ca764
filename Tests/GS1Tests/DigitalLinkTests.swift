import GS1
import Testing

struct DigitalLinkTests {
    @Test func parsesTheStandardsExamplesOnAnyHostAndPrefix() throws {
        let link = try GS1DigitalLink.parse("https://id.gs1.org/01/09506000134352/10/ABC%2F1/21/12345?17=270100", referenceYear: 2026)
        #expect(link.base == "https://id.gs1.org")
        #expect(link.message.gtin?.value == "09506000134352")
        #expect(link.message.lot?.value == "ABC/1")
        #expect(link.message.serial?.value == "12345")
        #expect(link.message.expiry?.iso8601 == "2027-01-31")

        let custom = try GS1DigitalLink.parse(
            "HTTPS://brand.example.com/products/gs1/01/9506000134352/21/A1?linkType=gs1:pip#top", referenceYear: 2026)
        #expect(custom.base == "HTTPS://brand.example.com/products/gs1")
        #expect(custom.message.gtin?.value == "09506000134352")  // GTIN-13 in the path held as GTIN-14
        #expect(custom.otherQueryParameters == ["linkType=gs1:pip"])

        let sscc = try GS1DigitalLink.parse("https://id.gs1.org/00/403000112345678901", referenceYear: 2026)
        #expect(sscc.message.sscc?.value == "403000112345678901")
        let place = try GS1DigitalLink.parse("https://id.gs1.org/414/0614141123452/254/5678", referenceYear: 2026)
        #expect(place.message.locationGLN?.value == "0614141123452")
        #expect(place.message.glnExtension == "5678")
        #expect(try GS1DigitalLink.parse("https://id.gs1.org/417/0300011111116/", referenceYear: 2026).message.partyGLN?.value == "0300011111116")
    }

    @Test func writesCanonicalLinksWithLotBeforeSerialAndDatesInTheQuery() throws {
        let message = try GS1ElementString.parse("(21)S/1(10)L 1".replacingSpace() + "(17)280600(01)00300010123455", referenceYear: 2026).message
        #expect(try GS1DigitalLink.encode(message) == "https://id.gs1.org/01/00300010123455/10/L%2B1/21/S%2F1?17=280600")
        #expect(
            try GS1DigitalLink.encode(message, base: "https://dl.example.com/x/")
                == "https://dl.example.com/x/01/00300010123455/10/L%2B1/21/S%2F1?17=280600")
    }

    @Test func refusesLinksThatAreNotGS1() throws {
        func failure(_ uri: String) throws -> GS1Error {
            try #require(throws: GS1Error.self) { try GS1DigitalLink.parse(uri, referenceYear: 2026) }
        }
        #expect(try failure("ftp://id.gs1.org/01/09506000134352").code == .invalidDigitalLink)
        #expect(try failure("https://id.gs1.org/").code == .invalidDigitalLink)
        let order = try failure("https://id.gs1.org/01/09506000134352/21/1/10/ABC")
        #expect(order.code == .invalidDigitalLink)
        #expect(order.message.contains("its qualifiers are (10) then (21), in that order"))
        #expect(try failure("https://id.gs1.org/01/09506000134352/22/ABC").code == .unknownApplicationIdentifier)
        #expect(try failure("https://id.gs1.org/01/09506000134352?99=1").code == .unknownApplicationIdentifier)
        #expect(try failure("https://id.gs1.org/01/09506000134352?21=1").code == .invalidDigitalLink)
        #expect(try failure("https://id.gs1.org/01/09506000134353").code == .invalidCheckDigit)
        #expect(try failure("https://id.gs1.org/01/09506000134352/21/A%2").code == .invalidEscape)
        #expect(try failure("https://id.gs1.org/01/09506000134352/21/A%20B").code == .characterOutsideSet)
        #expect(try failure("https://id.gs1.org/01/09506000134352?17=271301").code == .invalidDate)
        #expect(try failure("https://id.gs1.org/00/403000112345678901/21/1").code == .invalidDigitalLink)
    }

    @Test func propertyMessagesRoundTripThroughLinksAndElementStrings() throws {
        var rng = SeededRandom(seed: 42)
        for _ in 0..<2_000 {
            let message = Generate.message(using: &rng, referenceYear: 2026)
            let link = try GS1DigitalLink.encode(message)
            #expect(try GS1DigitalLink.parse(link, referenceYear: 2026).message.canonicalElements == message.canonicalElements, "\(link)")
            let scanned = GS1ElementString.encode(message)
            #expect(try GS1ElementString.parse(scanned, referenceYear: 2026).message.canonicalElements == message.canonicalElements)
            let bare = GS1ElementString.encode(message, symbology: nil)
            #expect(try GS1ElementString.parse(bare, referenceYear: 2026).message == message)
            if !message.elements.contains(where: { $0.value.contains("(") }) {
                // The human-readable form is ambiguous only when a value itself holds "(".
                let readable = GS1ElementString.humanReadable(message)
                #expect(try GS1ElementString.parse(readable, referenceYear: 2026).message.canonicalElements == message.canonicalElements)
            }
        }
    }
}

extension String {
    /// Test helper: writes `+` where the literal has a space, to keep the literal readable.
    func replacingSpace() -> String { String(map { $0 == " " ? "+" : $0 }) }
}
