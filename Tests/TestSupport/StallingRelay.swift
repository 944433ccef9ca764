internal import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP relay in front of a real server that, while a byte budget is set, forwards at
/// most that many bytes in one direction of each connection and then holds the connection open
/// without reading. A transfer through it stops part way, at a point the test chooses, however
/// fast or loaded the machine is: the "killed mid-transfer" tests need that instead of racing a
/// size check against the transfer.
public final class StallingRelay: @unchecked Sendable {
    /// Which side's bytes the budget counts.
    public enum Direction: Sendable { case toServer, toClient }

    public let port: Int
    private let target: Int
    private let direction: Direction
    private let lock = NSLock()
    private var budget: Int?
    private var stopped = false
    private var holding = 0
    private let listener: Int32

    /// Listens on a free loopback port and relays to `127.0.0.1:target`.
    public init(target: Int, direction: Direction, budget: Int?) throws {
        self.target = target
        self.direction = direction
        self.budget = budget
        port = Peers.freePort()
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            close(listener)
            throw Failed(reason: "cannot listen on 127.0.0.1:\(port): errno \(errno)")
        }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public struct Failed: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "relay: \(reason)" }
    }

    /// Whether some connection has spent its budget and is being held.
    public var isHolding: Bool { lock.withLock { holding > 0 } }

    /// Connections accepted from now on are relayed in full.
    public func removeBudget() { lock.withLock { budget = nil } }

    /// Stops accepting; open connections are closed within a tenth of a second.
    public func stop() { lock.withLock { stopped = true } }

    deinit { stop() }

    private var isStopped: Bool { lock.withLock { stopped } }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !isStopped {
            var watch = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&watch, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(target)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(server)
                continue
            }
            let allowance = lock.withLock { budget }
            let thread = Thread { [self] in relay(client: client, server: server, allowance: allowance) }
            thread.start()
        }
    }

    /// Copies both ways until either side closes or the relay stops; bounded by `stop()`.
    private func relay(client: Int32, server: Int32, allowance: Int?) {
        defer {
            close(client)
            close(server)
        }
        let (limited, other) = direction == .toServer ? (client, server) : (server, client)
        var left = allowance
        var held = false
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while !isStopped {
            let readLimited = left.map { $0 > 0 } ?? true
            if !readLimited && !held {
                held = true
                lock.withLock { holding += 1 }
            }
            var watches = [pollfd(fd: other, events: Int16(POLLIN), revents: 0)]
            // A held side is watched for its hang-up only (POLLRDHUP), so a killed client
            // frees the server's session at once.
            watches.append(pollfd(fd: limited, events: readLimited ? Int16(POLLIN) : Self.hangUp, revents: 0))
            guard poll(&watches, nfds_t(watches.count), 100) > 0 else { continue }
            for watch in watches where watch.revents != 0 {
                let from = watch.fd
                if from == limited && !readLimited {
                    lock.withLock { holding -= 1 }
                    return
                }
                let to = from == limited ? other : limited
                let most = from == limited ? min(buffer.count, left ?? buffer.count) : buffer.count
                let count = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, most) }
                guard count > 0 else {
                    if held { lock.withLock { holding -= 1 } }
                    return
                }
                if from == limited, let remaining = left { left = remaining - count }
                guard Self.writeAll(to, buffer, count) else {
                    if held { lock.withLock { holding -= 1 } }
                    return
                }
            }
        }
        if held { lock.withLock { holding -= 1 } }
    }

    private static let hangUp = Int16(0x2000)  // POLLRDHUP, which Glibc's module leaves out

    private static func writeAll(_ descriptor: Int32, _ buffer: [UInt8], _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let written = buffer.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
