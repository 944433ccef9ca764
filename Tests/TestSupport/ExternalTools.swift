public import Foundation

/// Where the shared reference material is (beside the project root), if present.
public enum SharedReference {
    public static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let epcis = projectRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/epcis")
    public static let present = FileManager.default.fileExists(atPath: epcis.appendingPathComponent("xsd-1.2/EPCglobal-epcis-1_2.xsd").path)
    public static let xsd12 = epcis.appendingPathComponent("xsd-1.2/EPCglobal-epcis-1_2.xsd")
    public static let xsd20 = epcis.appendingPathComponent("xsd-2.0/EPCglobal-epcis-2_0.xsd")
    public static let jsonSchema = epcis.appendingPathComponent("json-schema/epcis-json-schema.json")

    /// Files under `folder` (relative to the reference root) with one of the extensions, sorted.
    public static func files(_ folder: String, extensions: Set<String>) -> [URL] {
        let base = epcis.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { extensions.contains($0.pathExtension) }.sorted { $0.path < $1.path }
    }
}

/// Runs a command and returns its exit status and combined output.
public enum Command {
    /// - Parameters:
    ///   - unsetting: variables of this process's environment the command does not get.
    ///   - workingDirectory: where it runs (default: here).
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], unsetting: [String] = [], workingDirectory: String? = nil
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for name in unsetting { merged.removeValue(forKey: name) }
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }

    /// ``run(_:environment:)`` on a thread of its own, for async tests: waiting for a child on
    /// the cooperative pool can stall the very tasks the child talks to.
    public static func runDetached(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try run(arguments, environment: environment) }) }
        }
    }
}

/// `xmllint --noout --schema` (from libxml2-utils, installed by scripts/setup.sh).
public enum XMLLint {
    public static func validate(_ files: [URL], schema: URL) throws -> (status: Int32, output: String) {
        try Command.run(["xmllint", "--noout", "--nonet", "--schema", schema.path] + files.map(\.path))
    }

    public static func validate(_ file: URL, schema: URL) throws -> (status: Int32, output: String) {
        try validate([file], schema: schema)
    }
}

/// The python `jsonschema` package (installed by scripts/setup.sh): prints one line per file,
/// `OK <file>` or `INVALID <file>: <first error>`.
public enum PythonJSONSchema {
    /// python did not report a verdict for every file.
    public struct Incomplete: Error { public let output: String }

    public static let script = """
        import json, sys
        from jsonschema import Draft7Validator, FormatChecker
        schema = json.load(open(sys.argv[1]))
        validator = Draft7Validator(schema, format_checker=FormatChecker())
        for path in sys.argv[2:]:
            errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.absolute_path))
            print(("OK " + path) if not errors else ("INVALID " + path + ": " + "/".join(map(str, errors[0].absolute_path)) + ": " + errors[0].message[:300]))
        """

    public static func validate(_ files: [URL], schema: URL) throws -> [String: String?] {
        let result = try Command.run(["python3", "-c", script, schema.path] + files.map(\.path))
        var verdicts: [String: String?] = [:]
        for line in result.output.split(separator: "\n") {
            if line.hasPrefix("OK ") { verdicts[String(line.dropFirst(3))] = .some(nil) }
            if line.hasPrefix("INVALID ") {
                let rest = line.dropFirst(8)
                let path = rest.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                verdicts[path] = .some(String(rest))
            }
        }
        guard verdicts.count == files.count else { throw Incomplete(output: String(result.output.prefix(2000))) }
        return verdicts
    }
}
