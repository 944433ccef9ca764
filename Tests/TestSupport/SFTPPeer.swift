public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The real OpenSSH server from `../shared/peers/sftp/sftppeer.sh` on a loopback port, for one
/// test: a chrooted SFTP user with `/inbound` and `/outbound`, and a partner loop that answers
/// each complete `/inbound/NAME` with `/outbound/NAME.ack` (JSON, `"status":"ACCEPTED"`).
public final class SFTPPeer: @unchecked Sendable {
    public static let script = Peers.shared.appendingPathComponent("sftp/sftppeer.sh")
    /// The peer needs root (sshd privilege separation, chroot) and Debian's openssh-server.
    public static var unavailableReason: String? {
        if !FileManager.default.fileExists(atPath: script.path) { return "../shared/peers/sftp is absent" }
        if getuid() != 0 { return "the SFTP peer needs root (sshd privilege separation and chroot)" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") { return "openssh-server is not installed (scripts/setup.sh installs it)" }
        return nil
    }

    public let port: Int
    public let work: URL
    /// The partner's file tree on this machine (the chroot).
    public let root: URL
    public var clientKey: String { work.appendingPathComponent("client_ed25519").path }
    public let user = "edipeer"
    /// The Ed25519 host key's fingerprint, as `ssh-keygen -lf` prints it.
    public let fingerprint: String
    /// The RSA host key's, for a pin that must not match.
    public let otherFingerprint: String
    private var running = false

    /// Starts sshd on `port` (a free one when nil); it stops itself after `seconds` anyway.
    public init(port: Int? = nil, seconds: Int = 600) throws {
        self.port = port ?? Peers.freePort()
        work = FileManager.default.temporaryDirectory.appendingPathComponent("sftppeer-\(UUID().uuidString)")
        root = URL(fileURLWithPath: "/srv/sftppeer/\(self.port)")
        try Self.launch(work, port: self.port, seconds: seconds)
        fingerprint = try Self.fingerprint(work.appendingPathComponent("host_ed25519.pub").path)
        otherFingerprint = try Self.fingerprint(work.appendingPathComponent("host_rsa.pub").path)
        running = true
    }

    /// (Re)starts the server with the same keys and tree.
    public func start(seconds: Int = 600) throws {
        try Self.launch(work, port: port, seconds: seconds)
        running = true
    }

    private static func launch(_ work: URL, port: Int, seconds: Int) throws {
        let (status, output) = shell(["bash", script.path, "start", work.path, String(port), String(seconds)])
        guard status == 0 else { throw Peer.Failed(log: output) }
    }

    /// Runs a command with `system(3)`, which waits for that process only. Foundation's
    /// `Process` waits until every descendant has closed a descriptor it hands down, and sshd
    /// and the partner loop keep it for as long as they run.
    static func shell(_ arguments: [String], environment: [String: String] = [:]) -> (Int32, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sftppeer-cmd-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let assignments = environment.map { "\($0.key)=\(quote($0.value))" }.joined(separator: " ")
        let line = "\(assignments) \(arguments.map(quote).joined(separator: " ")) > \(quote(log)) 2>&1 < /dev/null"
        let status = system(line)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (status == -1 ? -1 : (status >> 8) & 0xFF, output)
    }

    /// Stops the server; `keepFiles` leaves the partner's tree for a restart.
    public func stop(keepFiles: Bool = false) {
        guard running else { return }
        _ = Self.shell(["bash", Self.script.path, "stop", work.path], environment: keepFiles ? ["KEEP": "1"] : [:])
        running = false
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: work)
    }

    static func fingerprint(_ publicKey: String) throws -> String {
        let result = try Command.run(["ssh-keygen", "-lf", publicKey])
        guard result.status == 0, let field = result.output.split(separator: " ").dropFirst().first else { throw Peer.Failed(log: result.output) }
        return String(field)
    }

    /// Names in one of the partner's folders (`inbound`, `outbound`).
    public func files(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []).sorted()
    }

    /// Puts a file into the partner's tree as the partner's user would.
    public func place(_ folder: String, _ name: String, _ content: Data) throws {
        let path = root.appendingPathComponent(folder).appendingPathComponent(name).path
        try content.write(to: URL(fileURLWithPath: path))
        _ = try Command.run(["chown", "\(user):\(user)", path])
    }

    public enum Peer {
        public struct Failed: Error, CustomStringConvertible {
            public let log: String
            public var description: String { "the SFTP peer did not start: \(log.suffix(2000))" }
        }
    }
}
