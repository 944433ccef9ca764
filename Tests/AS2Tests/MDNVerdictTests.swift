import AS2
import Testing

/// The MDN decision table (TRANSPORTS §0.4, issue 13), row by row.
@Suite struct MDNVerdictTests {
    static let expected = MDNVerdict.Expectation(
        messageID: "<m1@gw>", mic: "AAAA", micAlgorithm: .sha256, signedReceipt: true, messageSigned: true)

    static func mdn(_ disposition: String, mic: String? = "AAAA, sha256", original: String? = "<m1@gw>") -> MDN {
        let micField = mic.map { "Received-Content-MIC: \($0)\r\n" } ?? ""
        let original = original.map { "Original-Message-ID: \($0)\r\n" } ?? ""
        let body =
            "--r\r\nContent-Type: text/plain\r\n\r\nhello\r\n--r\r\nContent-Type: message/disposition-notification\r\n\r\n"
            + "Reporting-UA: peer\r\n\(original)Disposition: automatic-action/MDN-sent-automatically; \(disposition)\r\n\(micField)\r\n--r--\r\n"
        let entity = MIMEEntity.from(
            headers: MIMEHeaders([("Content-Type", "multipart/report; report-type=disposition-notification; boundary=r")]), body: Array(body.utf8))
        return try! MDN.parse(report: entity).get()
    }

    static let verified = MDNVerdict.Signature.verified(digest: "SHA256")

    @Test func processedWithTheMatchingMICIsAnAcknowledgement() {
        guard case .acknowledged(let detail) = MDNVerdict.evaluate(Self.mdn("processed"), signature: Self.verified, expected: Self.expected) else {
            Issue.record("processed + matching MIC must acknowledge")
            return
        }
        #expect(detail.contains("MIC AAAA matched"))
    }

    @Test func processedWarningIsAnAcknowledgementThatShowsTheWarning() {
        let verdict = MDNVerdict.evaluate(Self.mdn("processed/warning: duplicate-document"), signature: Self.verified, expected: Self.expected)
        #expect(verdict == .acknowledgedWithWarning(warning: "processed with warning: duplicate-document (signed (SHA256) MDN, MIC AAAA matched)"))
    }

    @Test(arguments: ["processed/error: decryption-failed", "failed/failure: unsupported format", "processed/Error: authentication-failed"])
    func errorsAndFailuresAreRejections(disposition: String) {
        guard case .rejected = MDNVerdict.evaluate(Self.mdn(disposition), signature: Self.verified, expected: Self.expected) else {
            Issue.record("\(disposition) must be a rejection")
            return
        }
    }

    @Test func aMICMismatchAMissingMICOrAnotherAlgorithmIsNotAnAcknowledgement() {
        for mdn in [Self.mdn("processed", mic: "BBBB, sha-256"), Self.mdn("processed", mic: nil), Self.mdn("processed", mic: "AAAA, sha1")] {
            guard case .notAcknowledged = MDNVerdict.evaluate(mdn, signature: Self.verified, expected: Self.expected) else {
                Issue.record("\(mdn) must not acknowledge")
                continue
            }
        }
    }

    @Test func anUnsignedOrBadlySignedMDNIsNotAnAcknowledgementWhenASignedOneWasAskedFor() {
        guard case .notAcknowledged(let unsigned) = MDNVerdict.evaluate(Self.mdn("processed"), signature: .absent, expected: Self.expected),
            case .notAcknowledged(let forged) = MDNVerdict.evaluate(Self.mdn("processed"), signature: .invalid(reason: "x"), expected: Self.expected)
        else {
            Issue.record("unsigned and forged MDNs must not acknowledge")
            return
        }
        #expect(unsigned.contains("unsigned") && forged.contains("signature"))
        var relaxed = Self.expected
        relaxed.signedReceipt = false
        guard case .acknowledged = MDNVerdict.evaluate(Self.mdn("processed"), signature: .absent, expected: relaxed) else {
            Issue.record("an unsigned MDN counts when none signed was asked for")
            return
        }
    }

    @Test func anMDNForAnotherMessageIsNotAnAcknowledgement() {
        guard
            case .notAcknowledged = MDNVerdict.evaluate(
                Self.mdn("processed", original: "<other@gw>"), signature: Self.verified, expected: Self.expected)
        else {
            Issue.record("another message's MDN must not acknowledge")
            return
        }
    }

    @Test func theMDNDocumentWeSendReadsBackAsTheSameMDN() throws {
        let content = MDNDocument.Content(
            recipient: "AS2 Partner", originalMessageID: "<m1@gw>", disposition: "processed", mic: ("AAAA", .sha256), text: "ok\nline two")
        let (type, entity) = MDNDocument.report(content, boundary: "report-1")
        let parsed = try MDN.parse(report: try MIMEEntity.parse(entity).get()).get()
        #expect(type.hasPrefix("multipart/report; report-type=disposition-notification"))
        #expect(parsed.originalMessageID == "<m1@gw>" && parsed.disposition.type == "processed" && parsed.receivedMIC?.digest == "AAAA")
        #expect(parsed.finalRecipient == "rfc822; \"AS2 Partner\"" && parsed.text == "ok\r\nline two")
    }
}
