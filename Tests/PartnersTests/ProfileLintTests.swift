import Foundation
import GS1
import Partners
import TestSupport
import Testing

/// The broken profiles under `Lint/`, each with its expectation in its first line:
/// `# expect: CODE line N [key KEY]`.
struct LintCase: CustomTestStringConvertible, Sendable {
    let file: URL
    let code: String
    let line: Int
    let key: String?

    var testDescription: String { file.lastPathComponent }

    static let directory = SharedReference.projectRoot.appendingPathComponent("Tests/PartnersTests/Lint")

    static var all: [LintCase] {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "yaml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }.map { file in
            let first = (try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
            let words = first.split(separator: " ").map(String.init)
            // "#", "expect:", CODE, "line", N, ["key", KEY]
            let key = words.count >= 7 && words[5] == "key" ? words[6] : (words.count == 6 && words[5] == "key" ? "" : nil)
            return LintCase(file: file, code: words.count > 2 ? words[2] : "?", line: words.count > 4 ? Int(words[4]) ?? -1 : -1, key: key)
        }
    }
}

@Suite struct ProfileLintTests {
    let loader = ProfileLoader(environment: ["PARTNER_SECRET": "x", "PARTNER_TOKEN": "y"])

    @Test func theCorpusHasEnoughCases() {
        #expect(LintCase.all.count >= 25)
    }

    @Test(arguments: LintCase.all)
    func brokenProfileIsRefusedPrecisely(_ lint: LintCase) throws {
        let (profile, problems) = loader.load(file: lint.file.path)
        #expect(profile == nil, "a broken profile must not load")
        let errors = problems.filter { $0.severity == .error }
        let match = errors.first { $0.code.description == lint.code }
        #expect(match != nil, "expected \(lint.code), got \(errors.map(\.description))")
        guard let match else { return }
        #expect(match.line == lint.line, "\(match)")
        if let key = lint.key { #expect(match.key == key, "\(match)") }
        #expect(match.file == lint.file.path)
        #expect(!match.message.isEmpty && !match.hint.isEmpty)
        // One mistake gets one error, not a cascade the reader must untangle.
        #expect(errors.count == 1, "\(errors.map(\.description))")
    }

    @Test func aDirectoryOfBrokenProfilesLoadsNoneAndReportsEach() {
        let loaded = loader.load(directory: LintCase.directory.path)
        #expect(loaded.profiles.isEmpty)
        let files = Set(loaded.errors.map(\.file))
        #expect(files.count == LintCase.all.count)
    }

    @Test func unknownKeysSuggestTheNearestKnownOne() throws {
        let text = """
            id: typo
            name: Typo
            gln: "0614141000005"
            epcis: { version: "1.2", format: xml, identifers: urn }
            transport: { https: { url: "https://example.test/capture" } }
            """
        let (_, problems) = loader.parse(text, file: "typo.yaml")
        let problem = try #require(problems.first { $0.code == "unknown-key" })
        #expect(problem.key == "epcis.identifers")
        #expect(problem.hint.contains("did you mean `identifiers`?"))
        #expect(problem.description.hasPrefix("typo.yaml:4:"))
    }

    @Test func duplicateIdsAcrossFilesAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let body = """
            name: Same
            gln: "0614141000005"
            epcis: { version: "2.0", format: json-ld }
            transport: { https: { url: "https://example.test/capture" } }
            """
        try "id: same\n\(body)".write(to: directory.appendingPathComponent("same.yaml"), atomically: true, encoding: .utf8)
        try "id: same\n\(body)".write(to: directory.appendingPathComponent("same.yml"), atomically: true, encoding: .utf8)
        let loaded = loader.load(directory: directory.path)
        #expect(loaded.profiles["same"] == nil)
        #expect(loaded.errors.map(\.code) == ["duplicate-id"])
    }

    @Test func aRequestorGLNClaimedByTwoPartnersRefusesTheLaterProfile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func profile(_ id: String, requestors: String) -> String {
            """
            id: \(id)
            name: \(id)
            gln: "0614141000005"
            epcis: { version: "2.0", format: json-ld }
            transport: { https: { url: "https://example.test/capture" } }
            verification:
              requestorGLNs: [\(requestors)]
              auth: { bearer: { tokenEnv: VRS_TOKEN } }
            """
        }
        try profile("alpha", requestors: #""0614141000012""#).write(
            to: directory.appendingPathComponent("alpha.yaml"), atomically: true, encoding: .utf8)
        try profile("beta", requestors: #""0614141000029", "0614141000012""#).write(
            to: directory.appendingPathComponent("beta.yaml"), atomically: true, encoding: .utf8)
        try profile("gamma", requestors: #""0614141000029""#).write(
            to: directory.appendingPathComponent("gamma.yaml"), atomically: true, encoding: .utf8)
        let loaded = ProfileLoader(environment: ["VRS_TOKEN": "set"]).load(directory: directory.path)
        // beta claims alpha's GLN and is refused whole; its other GLN stays free for gamma.
        #expect(loaded.profiles.keys.sorted() == ["alpha", "gamma"])
        let problem = try #require(loaded.errors.first)
        #expect(loaded.errors.count == 1)
        #expect(problem.code == "duplicate-requestor-gln")
        #expect(problem.file.hasSuffix("beta.yaml"))
        #expect(problem.key == "verification.requestorGLNs")
        #expect(problem.message.contains("0614141000012") && problem.message.contains("'alpha'"))
    }
}
