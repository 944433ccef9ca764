import Foundation
import Partners
import TestSupport
import Testing

/// `Schemas/partner-profile.schema.json` (for editors and partners' own checks) against the
/// loader: python's jsonschema must give the loader's verdict on every example and broken
/// profile, except the few checks a schema cannot express.
@Suite struct ProfileSchemaTests {
    static let schema = SharedReference.projectRoot.appendingPathComponent("Schemas/partner-profile.schema.json")

    /// Reads YAML with 1.2 booleans (only true/false), as editors' YAML servers do, and prints a
    /// verdict per file. Unparsable YAML is a verdict too.
    static let script = """
        import json, re, sys, yaml
        from jsonschema import Draft7Validator
        class Loader(yaml.SafeLoader): pass
        Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != 'tag:yaml.org,2002:bool']
                                          for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
        Loader.add_implicit_resolver('tag:yaml.org,2002:bool', re.compile(r'^(?:true|false)$'), list('tf'))
        validator = Draft7Validator(json.load(open(sys.argv[1])))
        for path in sys.argv[2:]:
            try:
                document = yaml.load(open(path), Loader=Loader)
            except yaml.YAMLError as error:
                print("INVALID", path, "yaml"); continue
            errors = list(validator.iter_errors(document))
            print(("OK " + path) if not errors else ("INVALID " + path + " " + errors[0].message[:200]))
        """

    /// What only the loader can check: GLN check digits, the file name, a key written twice,
    /// and one duration compared with another.
    static let beyondSchema: Set<String> = ["bad-gln-check-digit.yaml", "id-file-mismatch.yaml", "duplicate-key.yaml", "give-up-too-soon.yaml"]

    static func verdicts(_ files: [URL], schema: URL = schema) throws -> [String: Bool] {
        let result = try Command.run(["python3", "-c", script, schema.path] + files.map(\.path))
        var verdicts: [String: Bool] = [:]
        for line in result.output.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard words.count >= 2, ["OK", "INVALID"].contains(words[0]) else { continue }
            verdicts[URL(fileURLWithPath: words[1]).lastPathComponent] = words[0] == "OK"
        }
        #expect(verdicts.count == files.count, "python gave no verdict for some files: \(result.output.prefix(1500))")
        return verdicts
    }

    @Test func theExamplesAreValid() throws {
        let examples = try FileManager.default.contentsOfDirectory(
            at: SharedReference.projectRoot.appendingPathComponent("PartnerProfiles"), includingPropertiesForKeys: nil
        )
        .filter { $0.pathExtension == "yaml" }
        #expect(examples.count == 3)
        for (file, valid) in try Self.verdicts(examples) { #expect(valid, "\(file) should be valid") }
    }

    @Test func theSchemaRefusesEveryBrokenProfileItCanExpress() throws {
        let cases = LintCase.all
        let verdicts = try Self.verdicts(cases.map(\.file))
        for lint in cases {
            let name = lint.file.lastPathComponent
            if Self.beyondSchema.contains(name) {
                #expect(verdicts[name] == true, "\(name) was expected to pass the schema; move it out of beyondSchema")
            } else {
                #expect(verdicts[name] == false, "the schema accepts \(name), which the loader refuses (\(lint.code))")
            }
        }
    }
}
