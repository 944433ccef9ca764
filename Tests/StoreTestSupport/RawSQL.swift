import Foundation
import TestSupport

/// Statements run on a store behind its back (python's sqlite3 module, or psql), the way a
/// damaged disk, a hand edit or an older release would leave it.
public enum RawSQL {
    public static func run(_ engine: Engine, _ location: String, _ statements: [String]) throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("raw-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: script) }
        try (statements.map { $0 + ";" }.joined(separator: "\n") + "\n").write(to: script, atomically: true, encoding: .utf8)
        let result: (status: Int32, output: String)
        switch engine {
        case .sqlite:
            try FileManager.default.createDirectory(
                atPath: (location as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            result = try Command.run([
                "python3", "-c",
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit(); c.close()",
                location, script.path,
            ])
        case .postgres:
            result = try Command.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", location, "-f", script.path])
        }
        guard result.status == 0 else { throw Failed(output: result.output) }
    }

    public struct Failed: Error, CustomStringConvertible {
        var output: String
        public var description: String { "raw SQL failed: \(output)" }
    }
}
