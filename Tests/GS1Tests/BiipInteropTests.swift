import Foundation
import GS1
import Testing

/// Compares this module with an independent implementation, the PyPI package `biip`, on
/// generated element strings and Digital Links: every field must agree, and codes that break a
/// GS1 rule must be refused by both.
///
/// `make test` installs biip and sets `EPCIS_GATEWAY_REQUIRE_INTEROP=1`, so there the test cannot
/// be skipped; run by hand without biip it is skipped with a message saying so.
struct BiipInteropTests {
    static let required = ProcessInfo.processInfo.environment["EPCIS_GATEWAY_REQUIRE_INTEROP"] == "1"
    static let oracle = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/biip_oracle.py")
    static let biipAvailable: Bool = {
        (try? Python.run(["-c", "import biip"])) == 0
    }()

    struct Case: Codable {
        let id: Int
        let text: String
    }
    struct Answer: Codable {
        struct Field: Codable, Equatable {
            let value: String
            var date: String?
        }
        let id: Int
        let ok: Bool
        var fields: [String: Field]?
        var error: String?
    }

    @Test(
        .enabled(
            if: biipAvailable || required,
            "SKIPPED LOUDLY: python3 with biip is not installed; run `make test` (it installs biip==5.2.0) to compare with it"))
    func agreesWithBiipOnEveryFieldAndEveryRejection() throws {
        try #require(Self.biipAvailable, "EPCIS_GATEWAY_REQUIRE_INTEROP=1 but python3 cannot import biip; run scripts/setup.sh")
        let year = GS1Date.currentYear()  // biip centres its century window on today too
        var rng = SeededRandom(seed: 20261121)
        var valid: [Int: GS1Message] = [:]
        var cases: [Case] = []
        for _ in 0..<1_200 {
            let message = Generate.packMessage(using: &rng, referenceYear: year)
            valid[cases.count] = message
            cases.append(Case(id: cases.count, text: GS1ElementString.encode(message)))
            let other = Generate.message(using: &rng, referenceYear: year)
            valid[cases.count] = other
            cases.append(Case(id: cases.count, text: try GS1DigitalLink.encode(other)))
        }
        // Mutations that break a GS1 rule: both implementations must refuse every one.
        let invalidStart = cases.count
        for index in 0..<400 {
            let gtin = Generate.gtin(using: &rng).value
            let serial = Generate.text(maxLength: 12, using: &rng)
            let wrongCheck = String(gtin.dropLast()) + String((Int(String(gtin.last!))! + 1) % 10)
            let mutated: String
            switch index % 5 {
            case 0: mutated = "]d201\(wrongCheck)21\(serial)"
            case 1: mutated = "]d201\(gtin)172613\(index % 2 == 0 ? "01" : "15")10\(serial)"
            case 2: mutated = "https://id.gs1.org/01/\(gtin)/21/\(GS1DigitalLinkTestEncoding.encode(serial))%20X"
            case 3: mutated = "]d201\(gtin)10\(String(repeating: "L", count: 21))"
            default: mutated = "https://id.gs1.org/01/\(wrongCheck)/21/A\(index)"
            }
            cases.append(Case(id: cases.count, text: mutated))
        }

        let answers = try Self.askBiip(cases)
        #expect(answers.count == cases.count)
        var agreed = 0
        for answer in answers {
            let text = cases[answer.id].text
            if answer.id >= invalidStart {
                let ours = Result { try GS1Code.recognize(text, referenceYear: year) }
                #expect(!answer.ok, "biip accepted a mutated code: \(text)")
                if case .success = ours { Issue.record("we accepted a mutated code: \(text)") }
                if !answer.ok, case .failure = ours { agreed += 1 }
                continue
            }
            guard answer.ok, let fields = answer.fields else {
                Issue.record("biip refused a code we wrote: \(text) — \(answer.error ?? "")")
                continue
            }
            let ours = try #require(try GS1Code.recognize(text, referenceYear: year).message)
            #expect(ours == valid[answer.id], "our own parse must give back what we encoded: \(text)")
            var expected: [String: Answer.Field] = [:]
            for element in ours.elements {
                var field = Answer.Field(value: element.value)
                if element.ai == .expiry { field.date = ours.expiry?.iso8601 }
                if element.ai == .productionDate { field.date = ours.productionDate?.iso8601 }
                expected[element.ai.code] = field
            }
            #expect(fields == expected, "field disagreement on \(text)")
            if fields == expected { agreed += 1 }
        }
        #expect(agreed == cases.count)
        print("biip interop: \(agreed) of \(cases.count) cases agree (\(invalidStart) valid codes, \(cases.count - invalidStart) refused by both)")
    }

    static func askBiip(_ cases: [Case]) throws -> [Answer] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("biip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("cases.jsonl"), output = directory.appendingPathComponent("answers.jsonl")
        let encoder = JSONEncoder()
        try cases.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n").write(
            to: input, atomically: true, encoding: .utf8)
        let status = try Python.run([oracle.path, input.path, output.path])
        try #require(status == 0, "biip oracle exited with \(status)")
        let decoder = JSONDecoder()
        return try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map { try decoder.decode(Answer.self, from: Data($0.utf8)) }
    }
}

/// Percent-encoding for hand-built test links (unreserved characters stay as they are).
enum GS1DigitalLinkTestEncoding {
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? value
    }
}

/// Runs python3 with arguments and returns its exit status.
enum Python {
    static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
