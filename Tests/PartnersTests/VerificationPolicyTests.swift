import Foundation
import Partners
import TestSupport
import Testing
import Verification

/// The verification policy file: read by the loader, and `Schemas/verification-policy.schema.json`
/// gives the same verdict.
@Suite struct VerificationPolicyTests {
    static let schema = SharedReference.projectRoot.appendingPathComponent("Schemas/verification-policy.schema.json")

    static let good = """
        discloseReasons: false
        default: { recalled: verified, expired: ignore }
        rules:
          - { gtin: "00300010123455", recalled: not-verified }
          - { gtin: "00300010123455", lot: L2, expired: verified }
          - { gtin: "00300010123455", serial: S7, withhold: true }
        """

    /// Broken policies: the problem code the loader gives, and whether the schema can say so.
    static let broken: [(name: String, text: String, code: String, schemaCatches: Bool)] = [
        ("unknown-key", "default: { recalled: verified }\ndisclose: false\n", "unknown-key", true),
        ("bad-choice", "default: { recalled: maybe }\n", "bad-value", true),
        ("bad-expiry-choice", "rules:\n  - { gtin: \"00300010123455\", expired: later }\n", "bad-value", true),
        ("bad-gtin", "rules:\n  - { gtin: \"00300010123454\", recalled: verified }\n", "bad-gtin", false),
        ("no-gtin", "rules:\n  - { lot: L1, recalled: verified }\n", "missing-key", true),
        ("lot-and-serial", "rules:\n  - { gtin: \"00300010123455\", lot: L1, serial: S1, withhold: true }\n", "lot-and-serial", true),
        ("empty-rule", "rules:\n  - { gtin: \"00300010123455\" }\n", "empty-rule", true),
        (
            "duplicate-rule", "rules:\n  - { gtin: \"00300010123455\", recalled: verified }\n  - { gtin: \"00300010123455\", expired: ignore }\n",
            "duplicate-rule", false
        ),
        ("rules-not-a-list", "rules: { gtin: \"00300010123455\" }\n", "wrong-type", true),
        ("not-yaml", "default: { recalled: [\n", "yaml-syntax", true),
    ]

    @Test func aGoodPolicyIsReadAsWritten() throws {
        let (policy, problems) = VerificationPolicyLoader().parse(Self.good, file: "policy.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let loaded = try #require(policy)
        #expect(!loaded.discloseReasons)
        // Serial, then lot, then GTIN, then default, each choice on its own.
        let serial = loaded.resolved(gtin: "00300010123455", lot: "L2", serial: "S7")
        #expect(serial == VerificationPolicy.Resolved(recalled: .notVerified, expired: .verified, withhold: true))
        let lot = loaded.resolved(gtin: "00300010123455", lot: "L2", serial: "S1")
        #expect(lot == VerificationPolicy.Resolved(recalled: .notVerified, expired: .verified, withhold: false))
        let other = loaded.resolved(gtin: "00300010999991", lot: "L2", serial: "S7")
        #expect(other == VerificationPolicy.Resolved(recalled: .verified, expired: .ignore, withhold: false))
    }

    @Test func theBuiltInPolicyIsTheCautiousOne() {
        let resolved = VerificationPolicy().resolved(gtin: "00300010123455", lot: nil, serial: "S1")
        #expect(resolved == VerificationPolicy.Resolved(recalled: .notVerified, expired: .notVerified, withhold: false))
        #expect(VerificationPolicy().discloseReasons)
    }

    @Test func everyBrokenPolicyIsRefusedWithItsPlaceAndTheSchemaAgrees() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var files: [URL] = []
        for item in Self.broken {
            let (policy, problems) = VerificationPolicyLoader().parse(item.text, file: "\(item.name).yaml")
            #expect(policy == nil, "\(item.name) loaded")
            #expect(problems.contains { $0.code.description == item.code && $0.severity == .error }, "\(item.name): \(problems)")
            #expect(problems.allSatisfy { !$0.hint.isEmpty && $0.file == "\(item.name).yaml" })
            let file = directory.appendingPathComponent("\(item.name).yaml")
            try item.text.write(to: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let good = directory.appendingPathComponent("good.yaml")
        try Self.good.write(to: good, atomically: true, encoding: .utf8)
        let verdicts = try ProfileSchemaTests.verdicts(files + [good], schema: Self.schema)
        #expect(verdicts["good.yaml"] == true)
        for item in Self.broken {
            #expect(
                verdicts["\(item.name).yaml"] == !item.schemaCatches,
                "\(item.name): schema verdict \(String(describing: verdicts["\(item.name).yaml"]))")
        }
    }
}
