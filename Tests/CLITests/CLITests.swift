import Foundation
import Testing

/// Runs the real `epcis-gateway` binary, as an operator or script would.
struct CLITests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func gateway(_ arguments: String...) throws -> Run {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("epcis-gateway")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err")
        #expect(FileManager.default.createFile(atPath: out.path, contents: nil))
        #expect(FileManager.default.createFile(atPath: err.path, contents: nil))
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }

    @Test func whatTheGatewayWritesOnlyItsUserCanRead() throws {
        // Whatever umask the operator's shell has, the store and its directory are private.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-umask-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let feed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("StoreTests/Fixtures/gs1us-r13-direct-purchase.jsonl")
        let store = root.appendingPathComponent("data/gateway.sqlite")
        let previous = umask(0o022)
        defer { umask(previous) }
        let run = try Self.gateway("ingest", "--store", store.path, feed.path)
        #expect(run.status == 0, "\(run.stderr)")
        for path in [store.path, store.deletingLastPathComponent().path] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1
            #expect(mode & 0o077 == 0, "\(path) has mode \(String(mode, radix: 8))")
        }
    }

    @Test func versionNamesTheGatewayAndItsLibraries() throws {
        let run = try Self.gateway("version")
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("epcis-gateway "))
        for library in ["libxml2 2.", "libcurl ", "OpenSSL 3", "libssh2 1."] {
            #expect(run.stdout.contains(library), "\(library)")
        }
        #expect(try Self.gateway("--help").stdout.contains("gs1"))
    }

    @Test func parseExplainsAScannedPackInEveryForm() throws {
        let run = try Self.gateway("gs1", "parse", "]d201003000101234551728060010LOT-A1<GS>21SN/1", "--ndc", "0001-0123-45")
        #expect(run.status == 0)
        for line in [
            "GTIN:            00300010123455", "NDC:             0001-0123-45 (NDC-11 00001-0123-45)",
            "Expiry:          2028-06-30 (YYMMDD 280600, day 00 = last day of month)",
            "EPC URI:         urn:epc:id:sgtin:030001.0012345.SN%2F1",
            "Digital Link:    https://id.gs1.org/01/00300010123455/10/LOT-A1/21/SN%2F1?17=280600",
        ] {
            #expect(run.stdout.contains(line), "\(line)\n\(run.stdout)")
        }
    }

    @Test func parseWithoutACompanyPrefixLengthSaysWhyThereIsNoEPCURI() throws {
        let run = try Self.gateway("gs1", "parse", "(01)09506000134352(21)A1")
        #expect(run.status == 0)
        #expect(!run.stdout.contains("EPC URI:"))
        #expect(run.stdout.contains("EPC URI needs the GS1 Company Prefix length"))
    }

    @Test func jsonOutputIsForMachines() throws {
        let run = try Self.gateway("gs1", "parse", "--json", "--company-prefix-length", "7", "https://id.gs1.org/01/09506000134352/21/A1?17=270100")
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["gtin"] as? String == "09506000134352")
        #expect(object["serial"] as? String == "A1")
        #expect(object["epcURI"] as? String == "urn:epc:id:sgtin:9506000.013435.A1")
        #expect((object["expiry"] as? [String: Any])?["date"] as? String == "2027-01-31")
    }

    @Test func badCodesFailWithAPointedMessage() throws {
        let run = try Self.gateway("gs1", "parse", "]d20100300010123456")
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("error: GTIN check digit is 6 but the digits before it give 5 [invalid-check-digit]"))
        #expect(run.stderr.contains("                    ^ character 19"))
        #expect(run.stderr.contains("expected: 00300010123455"))

        let json = try Self.gateway("gs1", "parse", "--json", "]d2010030001012345510LOT123456789012342112345678901")
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let error = try #require(object["error"] as? [String: Any])
        #expect(error["code"] as? String == "missing-gs-separator")
        #expect(error["offset"] as? Int == 38)
    }
}
