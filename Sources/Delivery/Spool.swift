internal import Foundation
internal import GatewayCore
internal import Outbox
public import Store

#if canImport(Glibc)
    import Glibc
#endif

/// The private directory (0700, files 0600) where a delivery's bytes wait while they are sent,
/// and where documents are composed before they are queued.
///
/// Several gateway processes may share it (one SQLite store, or one data directory). A file is
/// named after its owner, so ``clean(queue:now:)`` can remove exactly what no live owner holds:
/// `<delivery>-<version>.out` belongs to a claim, `compose-<pid>-<uuid>.partial` to a process.
public struct Spool: Sendable {
    /// The directory.
    public let directory: String

    /// Creates the directory (and its parents) for this user only; an existing one is narrowed.
    ///
    /// - Throws: ``PrivateFileError`` when it cannot be made private.
    public init(directory: String) throws {
        try PrivateFile.makeDirectory(directory)
        self.directory = directory
    }

    /// Where the bytes of a claimed delivery are spooled for one attempt.
    public func path(for delivery: DeliveryRow) -> String {
        (directory as NSString).appendingPathComponent("\(delivery.id)-\(delivery.version).out")
    }

    /// A fresh path for a document this process composes before queueing it.
    public func composePath() -> String {
        (directory as NSString).appendingPathComponent("compose-\(getpid())-\(UUID().uuidString.lowercased()).partial")
    }

    /// Removes every file no live owner holds: a delivery file whose claim ended (the process
    /// died, or the delivery moved on), and a compose file whose process is gone.
    ///
    /// - Returns: how many files were removed.
    @discardableResult
    public func clean(queue: any DeliveryQueue, now: Int64) async throws -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed = 0
        for name in names where try await !isOwned(name, queue: queue, now: now) {
            if (try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }

    private func isOwned(_ name: String, queue: any DeliveryQueue, now: Int64) async throws -> Bool {
        if name.hasPrefix("compose-"), let pid = name.split(separator: "-").dropFirst().first.flatMap({ Int32($0) }) {
            // EPERM: the process lives, under another user.
            return pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
        }
        guard name.hasSuffix(".out"), let dash = name.lastIndex(of: "-"), let version = Int64(name[name.index(after: dash)...].dropLast(4)) else {
            return false
        }
        guard let delivery = try await queue.delivery(String(name[..<dash])) else { return false }
        return delivery.version == version && (delivery.leaseUntil ?? 0) >= now && DeliveryState.claimable.contains(delivery.snapshot.state)
    }
}
