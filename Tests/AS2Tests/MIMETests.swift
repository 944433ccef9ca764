import AS2
import Testing

/// MIME as AS2 partners write it: headers read liberally, multipart split on exact bytes.
@Suite struct MIMETests {
    @Test func headersAreUnfoldedAndComparedWithoutCase() throws {
        let headers = try MIMEHeaders.parse("Content-Type: multipart/signed;\r\n\tboundary=\"b1\"\r\nAS2-From: X\r\nmessage-id: <a@b>\r\n").get()
        #expect(headers["content-type"] == "multipart/signed; boundary=\"b1\"")
        #expect(headers["Message-ID"] == "<a@b>")
        #expect(headers.count("as2-from") == 1)
        #expect(throws: MIMEError.self) { try MIMEHeaders.parse(" continued first\r\n").get() }
        #expect(throws: MIMEError.self) { try MIMEHeaders.parse("no colon here\r\n").get() }
    }

    @Test func contentTypeParametersAreUnquotedAndAWhollyQuotedValueIsUnwrapped() throws {
        let type = try #require(ContentType(#"Multipart/Signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="a;b""#))
        #expect(type.mediaType == "multipart/signed")
        #expect(type.parameters["boundary"] == "a;b" && type.parameters["micalg"] == "sha-256")
        #expect(ContentType(#""application/xml; charset=utf-8""#)?.parameters["charset"] == "utf-8")
        #expect(ContentType("garbage") == nil)
    }

    @Test func partsAreTheExactBytesBetweenDelimiters() throws {
        let body = "preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\none\r\n--b1 \r\n\r\ntwo\n--b1x is not a delimiter\r\n--b1--\r\nepilogue"
        let entity = MIMEEntity.from(headers: MIMEHeaders([("Content-Type", "multipart/mixed; boundary=b1")]), body: Array(body.utf8))
        let parts = try entity.parts().get()
        #expect(parts.map { String(decoding: $0, as: UTF8.self) } == ["Content-Type: text/plain\r\n\r\none", "\r\ntwo\n--b1x is not a delimiter"])
    }

    @Test func aMultipartWithoutItsClosingDelimiterOrBoundaryIsRefused() {
        let open = MIMEEntity.from(headers: MIMEHeaders([("Content-Type", "multipart/mixed; boundary=b1")]), body: Array("--b1\r\n\r\nx\r\n".utf8))
        #expect(throws: MIMEError.self) { try open.parts().get() }
        let none = MIMEEntity.from(headers: MIMEHeaders([("Content-Type", "multipart/mixed")]), body: Array("--b1\r\n\r\nx\r\n--b1--".utf8))
        #expect(throws: MIMEError.self) { try none.parts().get() }
        let many = MIMEEntity.from(
            headers: MIMEHeaders([("Content-Type", "multipart/mixed; boundary=b")]),
            body: Array((String(repeating: "--b\r\n\r\nx\r\n", count: 40) + "--b--").utf8))
        #expect((try? many.parts(maximum: 16).get()) == nil, "a MIME bomb of parts is refused")
    }

    @Test func anEntityWithoutItsBlankLineOrWithHugeHeadersIsRefused() {
        #expect(throws: MIMEError.self) { try MIMEEntity.parse(Array("Content-Type: text/plain\r\nno end".utf8)).get() }
        let huge = Array(("X-Filler: " + String(repeating: "a", count: MIMEEntity.maximumHeaderBytes + 10) + "\r\n\r\nbody").utf8)
        let error = #expect(throws: MIMEError.self) { try MIMEEntity.parse(huge).get() }
        #expect(error?.code == .tooComplex)
    }

    @Test func asTwoNamesAreQuotedOnlyWhenTheyMustBe() {
        #expect(AS2Name.header("ACMEAS2") == "ACMEAS2")
        #expect(AS2Name.header("AS2 Test") == "\"AS2 Test\"")
        #expect(AS2Name.header(#"a"b\c"#) == #""a\"b\\c""#)
        #expect(AS2Name.parse(#""a\"b\\c""#) == #"a"b\c"#)
        #expect(AS2Name.parse("  PLAIN ") == "PLAIN")
        #expect(AS2Name.isValid(String(repeating: "x", count: 128)) && !AS2Name.isValid(String(repeating: "x", count: 129)) && !AS2Name.isValid(""))
    }

    @Test(arguments: [
        ("sha256", MICAlgorithm.sha256), ("SHA-256", .sha256), ("\"sha-256\"", .sha256), ("rsa-sha1", .sha1), ("sha1", .sha1), ("sha_512", .sha512),
        ("SHA384", .sha384),
    ])
    func everySpellingOfAMICAlgorithmIsRead(text: String, algorithm: MICAlgorithm) {
        #expect(MICAlgorithm(liberal: text) == algorithm)
    }

    @Test func unknownMICAlgorithmsAreNotGuessed() {
        #expect(MICAlgorithm(liberal: "md5") == nil && MICAlgorithm(liberal: "") == nil)
    }

    @Test func theMDNRequestIsReadFromTheHeaders() {
        let signed = MDNRequest(
            headers: MIMEHeaders([
                ("Disposition-Notification-To", "x@y"),
                (
                    "Disposition-Notification-Options",
                    "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, md5, sha1, sha-256"
                ),
            ]))
        #expect(signed.requested && signed.signed && signed.asyncURL == nil && signed.requestedMICAlgorithm == .sha1)
        let async = MDNRequest(headers: MIMEHeaders([("Disposition-Notification-To", "x"), ("Receipt-Delivery-Option", " http://h/mdn ")]))
        #expect(async.asyncURL == "http://h/mdn" && !async.signed && async.requestedMICAlgorithm == nil)
        #expect(!MDNRequest(headers: MIMEHeaders()).requested)
    }
}
