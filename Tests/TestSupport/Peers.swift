public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The independent partners in `../shared/peers`, and the project's own HTTPS sink, run as
/// child processes on loopback ports for one test each.
public enum Peers {
    public static let shared = SharedReference.projectRoot.deletingLastPathComponent().appendingPathComponent("shared/peers")
    public static var present: Bool { FileManager.default.fileExists(atPath: shared.appendingPathComponent("https/epcis_capture_peer.py").path) }
    public static let required = ProcessInfo.processInfo.environment["EPCIS_GATEWAY_REQUIRE_INTEROP"] == "1"

    /// Test certificates from the peers' own generator (a CA, `gateway` and `partner` leaves
    /// with SAN 127.0.0.1), made once per test process.
    public static let certificates: URL? = {
        guard present else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("peer-certs-\(UUID().uuidString)")
        guard let result = try? Command.run(["bash", shared.appendingPathComponent("as2/gen_certs.sh").path, directory.path]), result.status == 0
        else { return nil }
        return directory
    }()

    /// A free loopback TCP port (the kernel's choice).
    public static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A child process that prints `{"event": "listening", …}` when it is ready.
public final class PeerProcess: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public let output: URL
    public var url: String { "https://127.0.0.1:\(port)" }

    /// Starts `python3 script arguments… --port N` and waits (at most 30 s) until it listens.
    public init(script: URL, arguments: [String], port: Int? = nil) throws {
        self.port = port ?? Peers.freePort()
        output = FileManager.default.temporaryDirectory.appendingPathComponent("peer-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments + ["--port", String(self.port)]
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        for _ in 0..<300 {
            if let text = try? String(contentsOf: output, encoding: .utf8), text.contains("\"listening\"") { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw PeerFailed(log: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// Ends the process this test started, by its PID.
    /// SIGTERM first; SIGKILL after a second, because a child of the test runner can inherit
    /// a signal mask that blocks SIGTERM.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<20 where process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    public struct PeerFailed: Error, CustomStringConvertible {
        public let log: String
        public var description: String { "the peer did not start: \(log.prefix(2000))" }
    }
}
