import Foundation
import Outbox
import Store
import Testing

@testable import Delivery

/// The spool is private, and keeps only what a live owner holds.
@Suite struct SpoolTests {
    @Test func anExistingSpoolIsNarrowedToThisUser() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        _ = try Spool(directory: directory)
        #expect((try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int) == 0o700)
    }

    @Test func cleaningRemovesWhatNoLiveOwnerHolds() async throws {
        let (store, directory) = try temporaryStore()
        let spool = try Spool(directory: (directory as NSString).appendingPathComponent("spool"))
        let rows = try await enqueue(2, for: partner(), into: store, now: 1_000)
        // The first delivery is claimed until 60 s; the second was claimed by a process whose
        // lease ended at 1.5 s.
        let live = try #require(
            try await store.claim(owner: "a", now: 1_000, leaseUntil: 60_000, limit: 1) {
                var next = $0; next.state = .sending; return next
            }.first)
        let dead = try #require(
            try await store.claim(owner: "b", now: 1_001, leaseUntil: 1_500, limit: 1) {
                var next = $0; next.state = .sending; return next
            }.first)
        #expect(live.id == rows[0].id && dead.id == rows[1].id)
        // A process that has exited, for a compose file it left behind.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let names = [
            "\(live.id)-\(live.version).out", "\(live.id)-\(live.version - 1).out", "\(dead.id)-\(dead.version).out", "unknown-7.out", "stray.txt",
            "compose-\(getpid())-x.partial", "compose-\(gone.processIdentifier)-y.partial",
        ]
        for name in names { try Data("x".utf8).write(to: URL(fileURLWithPath: (spool.directory as NSString).appendingPathComponent(name))) }
        #expect(try await spool.clean(queue: store, now: 2_000) == 5)
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: spool.directory)) == [
                "\(live.id)-\(live.version).out", "compose-\(getpid())-x.partial",
            ])
        try await store.close()
    }
}
