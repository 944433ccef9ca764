import Foundation
import Partners
import TestSupport
import Testing

/// The SFTP block as a new user writes it: keys, the pinned host key, names and the
/// acknowledgement and pickup settings, each mistake named with its line and a fix.
@Suite struct SFTPProfileTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sftp-profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A key made by ssh-keygen, mode 0600.
    func key(_ name: String, type: String = "ed25519", passphrase: String = "") throws -> String {
        let path = directory.appendingPathComponent(name).path
        let result = try Command.run(["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", "test", "-f", path])
        try #require(result.status == 0, "ssh-keygen: \(result.output)")
        return path
    }

    func load(_ sftpLines: String, environment: [String: String] = [:]) -> (SFTPSettings?, [ProfileProblem]) {
        let text = """
            id: pp
            name: P
            gln: "0614141000005"
            epcis: { version: "1.2", format: xml }
            transport:
              sftp:
            \(sftpLines.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """
        let (profile, problems) = ProfileLoader(environment: environment).parse(text, file: directory.appendingPathComponent("pp.yaml").path)
        guard case .sftp(let settings)? = profile?.transport else { return (nil, problems) }
        return (settings, problems)
    }

    static let pin = "hostKeyFingerprint: \"SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\"\nhostKeyType: ssh-ed25519"

    @Test func aCompleteBlockLoadsAsWritten() throws {
        let key = try key("id")
        let (settings, problems) = load(
            """
            host: sftp.example.test
            port: 2022
            user: gw
            privateKey: \(key)
            \(Self.pin)
            directory: /in
            fileName: "{shipment}-{timestamp}.{extension}"
            ackFiles: { directory: /out, status: { regex: 'status=(\\w+)' }, accept: OK, reject: [NOK], afterwards: move, moveTo: /done, interval: 30s }
            pickup: { directory: /out/epcis, pattern: "*.xml", afterwards: keep, maxBytes: 10MB }
            """)
        #expect(problems.isEmpty, "\(problems)")
        let sftp = try #require(settings)
        #expect(sftp.port == 2022 && sftp.directory == "/in" && sftp.fileName == "{shipment}-{timestamp}.{extension}")
        #expect(sftp.hostKey == SFTPSettings.HostKey(type: "ssh-ed25519", fingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"))
        #expect(sftp.ackFiles?.status == .regex("status=(\\w+)") && sftp.ackFiles?.accept == ["OK"] && sftp.ackFiles?.afterwards == .move("/done"))
        #expect(sftp.ackFiles?.interval == .seconds(30))
        #expect(sftp.pickup?.pattern == "*.xml" && sftp.pickup?.afterwards == .keep && sftp.pickup?.maxBytes == 10_000_000)
    }

    @Test func withoutAFingerprintThePartnerIsPendingOnboardingAndStillLoads() throws {
        let key = try key("id")
        let (settings, problems) = load("host: h\nuser: u\nprivateKey: \(key)")
        let sftp = try #require(settings, "a partner pending onboarding must load, so that it stops only its own deliveries")
        #expect(sftp.hostKey == nil)
        let warning = try #require(problems.first { $0.code == "pending-onboarding" })
        #expect(warning.severity == .warning && warning.hint.contains("partners trust-host pp") && warning.hint.contains("-p 22 -t ed25519"))
    }

    @Test(arguments: [
        ("hostKeyFingerprint: \"SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\"", "missing-key", "hostKeyType"),
        ("hostKeyFingerprint: \"SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu!U\"\nhostKeyType: ssh-ed25519", "bad-fingerprint", ""),
        ("hostKeyFingerprint: \"SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMp\"\nhostKeyType: ssh-ed25519", "bad-fingerprint", ""),
        ("hostKeyFingerprint: \"MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48\"\nhostKeyType: ssh-ed25519", "bad-fingerprint", ""),
        ("\(pin)\nhostKeyType: ssh-dsa", "duplicate-key", ""),
        ("hostKeyFingerprint: \"SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\"\nhostKeyType: ssh-dss", "bad-value", "hostKeyType"),
        ("\(pin)\nfileName: epcis.xml", "name-not-unique", "fileName"),
        ("\(pin)\nfileName: \"{shipment}/{delivery}.xml\"", "bad-value", "fileName"),
        ("\(pin)\nfileName: \"{delivery}-{lot}.xml\"", "bad-value", "fileName"),
        ("\(pin)\ntemporaryName: \"{name}\"", "bad-value", "temporaryName"),
        ("\(pin)\nackFiles: { directory: /out, status: { regex: '(unclosed' } }", "bad-regex", "regex"),
        ("\(pin)\nackFiles: { directory: /out, afterwards: move }", "missing-key", "moveTo"),
        ("\(pin)\nackFiles: { status: presence }", "missing-key", "directory"),
        ("\(pin)\npickup: { directory: /out, afterwards: shred }", "bad-value", "afterwards"),
        ("\(pin)\npassphrase: hunter2", "inline-secret", "passphrase"),
    ])
    func mistakesAreNamedPrecisely(_ lines: String, _ code: String, _ keySuffix: String) throws {
        let key = try key("id")
        let (settings, problems) = load("host: h\nuser: u\nprivateKey: \(key)\n\(lines)")
        #expect(settings == nil)
        let errors = problems.filter { $0.severity == .error }
        let match = errors.first { $0.code.description == code }
        #expect(match != nil, "expected \(code), got \(errors)")
        if let match, !keySuffix.isEmpty { #expect(match.key.hasSuffix(keySuffix), "\(match)") }
        #expect(errors.allSatisfy { !$0.hint.isEmpty })
    }

    @Test func aPublicKeyGivenAsThePrivateKeyIsRefused() throws {
        let key = try key("id")
        let (settings, problems) = load("host: h\nuser: u\nprivateKey: \(key).pub\n\(Self.pin)")
        #expect(settings == nil)
        let error = try #require(problems.first { $0.code == "public-key-given" })
        #expect(error.hint.contains("without .pub"))
    }

    @Test func anEncryptedKeyNeedsItsPassphraseFromTheEnvironmentOrAFile() throws {
        let key = try key("locked", passphrase: "correct horse")
        let (refused, problems) = load("host: h\nuser: u\nprivateKey: \(key)\n\(Self.pin)")
        #expect(refused == nil)
        #expect(problems.contains { $0.code == "encrypted-key" && $0.hint.contains("passphraseEnv") })
        let (settings, fine) = load("host: h\nuser: u\nprivateKey: \(key)\npassphraseEnv: KEY_PASS\n\(Self.pin)", environment: ["KEY_PASS": "x"])
        #expect(settings?.passphrase == .environment("KEY_PASS"), "\(fine)")
    }

    @Test func anRSAKeyAndAKeyOthersCanReadAreWarnedAbout() throws {
        let key = try key("rsa", type: "rsa")
        chmod(key, 0o644)
        let (settings, problems) = load("host: h\nuser: u\nprivateKey: \(key)\n\(Self.pin)")
        #expect(settings != nil)
        #expect(problems.contains { $0.code == "rsa-client-key" && $0.severity == .warning })
        #expect(problems.contains { $0.code == "key-readable-by-others" && $0.hint.contains("chmod 600") })
    }

    @Test func aFileThatIsNoKeyIsRefused() throws {
        let path = directory.appendingPathComponent("notes.txt").path
        try "remember to ask for the key".write(toFile: path, atomically: true, encoding: .utf8)
        let (settings, problems) = load("host: h\nuser: u\nprivateKey: \(path)\n\(Self.pin)")
        #expect(settings == nil && problems.contains { $0.code == "not-a-private-key" })
    }

    @Test func pinningWritesTheKeyIntoTheBlockAndKeepsEveryOtherLine() throws {
        let text = """
            # Bayside
            id: b
            transport:
              sftp:
                host: h   # the partner's host
                user: u

                directory: /in
            retry: { schedule: [1m] }
            """
        let key = SFTPSettings.HostKey(type: "ssh-ed25519", fingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")
        let pinned = try HostKeyPinning.pin(key, in: text)
        #expect(pinned.contains("    host: h   # the partner's host\n    user: u\n"))
        #expect(pinned.contains("    hostKeyFingerprint: \"SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\"\n    hostKeyType: ssh-ed25519\n"))
        #expect(pinned.hasSuffix("    directory: /in\nretry: { schedule: [1m] }"))
        // Pinning again replaces in place: one line each.
        let again = try HostKeyPinning.pin(SFTPSettings.HostKey(type: "ecdsa-sha2-nistp256", fingerprint: "SHA256:x"), in: pinned)
        #expect(again.components(separatedBy: "hostKeyFingerprint:").count == 2 && again.contains("hostKeyType: ecdsa-sha2-nistp256"))
        #expect(throws: HostKeyPinning.Refused.self) { try HostKeyPinning.pin(key, in: "transport:\n  sftp: { host: h }\n") }
    }
}
