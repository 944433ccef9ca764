import Foundation
import GS1
import Partners
import TestSupport
import Testing

@Suite struct ExampleProfileTests {
    static let directory = SharedReference.projectRoot.appendingPathComponent("PartnerProfiles")

    @Test func theShippedExamplesLoadWithoutErrors() throws {
        let loaded = ProfileLoader(environment: ["NORTHWIND_CLIENT_SECRET": "set"]).load(directory: Self.directory.path)
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(Set(loaded.profiles.keys) == ["acme-wholesale", "bayside-pharmacy", "northwind-3pl"])
        // The examples name certificate files an installation provides; only those may warn.
        #expect(loaded.problems.allSatisfy { $0.code == "missing-file" }, "\(loaded.problems)")
    }

    @Test func everyFieldIsReadAsWritten() throws {
        let loaded = ProfileLoader(environment: ["NORTHWIND_CLIENT_SECRET": "set"]).load(directory: Self.directory.path)
        let acme = try #require(loaded.profiles["acme-wholesale"])
        #expect(acme.glns == [try GLN("0614141000005")])
        #expect(
            acme.epcis
                == EPCISSettings(
                    version: .v1_2, format: .xml, identifiers: .urn, transactionHistory: false, ndcCodeType: .usFDANDC, sbdhIdentifier: .gs1))
        guard case .as2(let as2) = acme.transport else { Issue.record("acme is an AS2 partner"); return }
        #expect(as2.as2To == "ACMEAS2" && as2.sign == "sha-256" && as2.encrypt == "aes-256-cbc" && as2.mdnMode == .sync && as2.mdnSigned)
        #expect(as2.partnerCertificates == [Self.directory.appendingPathComponent("certs/acme-wholesale.crt").path])
        #expect(acme.retry.schedule == [.seconds(60), .seconds(300), .seconds(900), .seconds(3600), .seconds(14_400)])
        #expect(acme.retry.giveUpAfter == .seconds(72 * 3600))
        #expect(acme.acknowledgement.timeout == .seconds(7200))
        #expect(acme.limits.maxDocumentBytes == 100_000_000)
        #expect(acme.verification.requestorGLNs.map(\.value) == ["0614141000005", "0614141000012"])
        #expect(
            acme.verification.authentication
                == .apiKey(header: "X-API-Key", value: .file(Self.directory.appendingPathComponent("secrets/acme-vrs-key").path)))
        #expect(acme.verification.enabled)

        let bayside = try #require(loaded.profiles["bayside-pharmacy"])
        #expect(bayside.epcis.ndcCodeType == .fdaNDC11 && bayside.epcis.sbdhIdentifier == .gln)
        guard case .sftp(let sftp) = bayside.transport else { Issue.record("bayside is an SFTP partner"); return }
        #expect(sftp.port == 22 && sftp.directory == "/inbound/epcis")

        let northwind = try #require(loaded.profiles["northwind-3pl"])
        #expect(northwind.glns.count == 2)
        guard case .https(let https) = northwind.transport else { Issue.record("northwind is an HTTPS partner"); return }
        #expect(https.mode == .capture && https.pollInterval == .seconds(10) && https.verifyTLS)
        #expect(
            https.authentication
                == .oauth2(
                    tokenURL: "https://epcis.northwind-3pl.example/oauth/token", clientID: "mfr-gateway",
                    secret: .environment("NORTHWIND_CLIENT_SECRET"), scope: nil))
        #expect(https.headers == ["GS1-Capture-Error-Behaviour": "rollback"])
        #expect(https.requestTimeout == .seconds(300))
    }

    @Test func anUnsetSecretVariableIsAWarningThatNamesIt() throws {
        let loaded = ProfileLoader(environment: [:]).load(directory: Self.directory.path)
        #expect(loaded.profiles["northwind-3pl"] != nil)
        let warning = try #require(loaded.problems.first { $0.code == "secret-unset" })
        #expect(warning.severity == .warning && warning.message.contains("NORTHWIND_CLIENT_SECRET"))
        #expect(warning.key == "transport.https.auth.oauth2.clientSecretEnv")
    }
}
