import Foundation
import TestSupport
import Testing

/// `validate`, `convert` and `compose` find their schemas from any working directory: from the
/// build's binary, and from a copy `make install` laid out elsewhere (the script's
/// `EPCIS_GATEWAY_BINARY` installs the binary the tests built).
struct InstalledCopyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let built = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("epcis-gateway").path

    /// Runs `binary arguments…` with `/` as its working directory and without the
    /// `EPCIS_GATEWAY_SCHEMAS` of the test's own environment.
    static func fromRoot(_ binary: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try Command.run([binary] + arguments, environment: environment, unsetting: ["EPCIS_GATEWAY_SCHEMAS"], workingDirectory: "/")
    }

    /// validate, convert and compose, each expected to succeed.
    static func documentCommandsWork(_ binary: String, in scratch: URL) throws {
        let feed = root.appendingPathComponent("Tests/StoreTests/Fixtures/gs1us-r13-direct-purchase.jsonl").path
        let store = scratch.appendingPathComponent("data/gateway.sqlite").path
        let ingest = try fromRoot(binary, ["ingest", "--store", store, feed])
        #expect(ingest.status == 0, "\(ingest.output)")
        let composed = scratch.appendingPathComponent("shipment.xml").path
        let compose = try fromRoot(binary, ["compose", "SHIP-1", "--store", store, "-o", composed])
        #expect(compose.status == 0, "compose from /: \(compose.output)")
        let validate = try fromRoot(binary, ["validate", composed])
        #expect(validate.status == 0 && validate.output.contains(": valid"), "validate from /: \(validate.output)")
        let converted = scratch.appendingPathComponent("shipment.jsonld").path
        let convert = try fromRoot(binary, ["convert", composed, "--to", "2.0-jsonld", "-o", converted])
        #expect(convert.status == 0, "convert from /: \(convert.output)")
        let again = try fromRoot(binary, ["validate", converted])
        #expect(again.status == 0 && again.output.contains(": valid"), "\(again.output)")
    }

    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("installed-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func theBuiltBinaryWorksFromTheRootDirectory() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Self.documentCommandsWork(Self.built, in: scratch)
    }

    @Test func anInstalledCopyFindsItsSchemasAndAWrongDirectoryIsNamed() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let prefix = scratch.appendingPathComponent("prefix").path
        let install = try Command.run(
            ["bash", Self.root.appendingPathComponent("scripts/install.sh").path],
            environment: ["PREFIX": prefix, "EPCIS_GATEWAY_BINARY": Self.built])
        try #require(install.status == 0, "\(install.output)")
        let installed = prefix + "/bin/epcis-gateway"
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/epcis-gateway/Schemas/epcis-1.2.xsd"))
        let mode = try FileManager.default.attributesOfItem(atPath: prefix + "/share/epcis-gateway/Schemas/epcis-1.2.xsd")[.posixPermissions] as? Int
        #expect(mode == 0o644)
        try Self.documentCommandsWork(installed, in: scratch)
        // The installed copy uses its own schemas, not a checkout's: without them it says where it looked.
        try FileManager.default.removeItem(atPath: prefix + "/share/epcis-gateway/Schemas")
        let document = scratch.appendingPathComponent("shipment.xml").path
        let missing = try Self.fromRoot(installed, ["validate", document])
        #expect(missing.status == 2 && missing.output.contains("were not found") && missing.output.contains("make install"), "\(missing.output)")
        // --schemas and EPCIS_GATEWAY_SCHEMAS still name a directory.
        let schemas = Self.root.appendingPathComponent("Schemas").path
        #expect(try Self.fromRoot(installed, ["validate", document, "--schemas", schemas]).status == 0)
        #expect(try Self.fromRoot(installed, ["validate", document], environment: ["EPCIS_GATEWAY_SCHEMAS": schemas]).status == 0)
        let wrong = try Self.fromRoot(installed, ["validate", document, "--schemas", scratch.path])
        #expect(wrong.status == 2 && wrong.output.contains("has no epcis-1.2.xsd"), "\(wrong.output)")
    }
}
