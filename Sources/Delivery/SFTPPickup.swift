internal import Compliance
public import EPCIS
internal import Foundation
public import GatewayCore
public import Logging
public import Partners
public import ServiceLifecycle
public import Store
internal import Synchronization
internal import Transports

/// Collects what SFTP partners leave for us in their pickup folders: each file downloaded to
/// a private staging file, its size checked, validated as EPCIS, stored with its verdict in the
/// inbound store, and only then deleted or moved on the server.
///
/// A download that breaks off is never stored, and the server's file stays for the next
/// round. A file stored before a crash kept it from being tidied is recognised by its name and
/// digest and stored once.
public final class SFTPPickup: Service {
    let partners: @Sendable () -> [String: PartnerProfile]
    let transports: TransportRegistry
    let store: any InboundStore
    let schemas: EPCISSchemas?
    let staging: String
    let clock: any WallClock
    let logger: Logger
    private let lastRound = Mutex<[String: ContinuousClock.Instant]>([:])

    /// What one round did for one partner.
    public struct Round: Hashable, Sendable {
        public var stored = 0
        public var duplicates = 0
        public var failed: [String] = []

        public init(stored: Int = 0, duplicates: Int = 0, failed: [String] = []) {
            self.stored = stored
            self.duplicates = duplicates
            self.failed = failed
        }
    }

    /// - Throws: ``PrivateFileError`` when the staging directory cannot be made private.
    public init(
        partners: @escaping @Sendable () -> [String: PartnerProfile], transports: TransportRegistry, store: any InboundStore, schemas: EPCISSchemas?,
        stagingDirectory: String, clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "epcis-gateway.pickup")
    ) throws {
        self.partners = partners
        self.transports = transports
        self.store = store
        self.schemas = schemas
        staging = stagingDirectory
        self.clock = clock
        self.logger = logger
        try PrivateFile.makeDirectory(stagingDirectory)
        // Half downloads a dead process left: never stored, so safe to remove.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: stagingDirectory)) ?? [] {
            try? FileManager.default.removeItem(atPath: (stagingDirectory as NSString).appendingPathComponent(name))
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for profile in partners().values.sorted(by: { $0.id < $1.id }) {
                guard case .sftp(let settings) = profile.transport, let pickup = settings.pickup, settings.hostKey != nil else { continue }
                let due = lastRound.withLock { $0[profile.id].map { ContinuousClock.now - $0 >= pickup.interval } ?? true }
                guard due, !Task.isShuttingDownGracefully else { continue }
                lastRound.withLock { $0[profile.id] = ContinuousClock.now }
                _ = await collect(profile)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }

    /// One round for one partner.
    public func collect(_ profile: PartnerProfile) async -> Round {
        var round = Round()
        guard case .sftp = profile.transport, let transport = transports.transport(for: profile) as? SFTPTransport else { return round }
        let candidates: [SFTPTransport.RemoteFile]
        switch await transport.pickupCandidates() {
        case .failure(let error):
            logger.warning("cannot list the partner's pickup folder", metadata: ["partner": "\(profile.id)", "error": "\(error)"])
            round.failed.append(error.message)
            return round
        case .success(let files): candidates = files
        }
        for file in candidates {
            if Task.isShuttingDownGracefully { break }
            do {
                if try await take(file, from: transport, profile) { round.stored += 1 } else { round.duplicates += 1 }
            } catch {
                logger.warning(
                    "a file in the partner's pickup folder was not taken; it stays on the server for the next round",
                    metadata: ["partner": "\(profile.id)", "file": "\(file.path)", "error": "\(error)"])
                round.failed.append("\(file.path): \(error)")
            }
        }
        return round
    }

    /// Downloads, checks, validates and stores one file, then tidies it on the server.
    /// - Returns: false when the same file (name and digest) was stored before.
    func take(_ file: SFTPTransport.RemoteFile, from transport: SFTPTransport, _ profile: PartnerProfile) async throws -> Bool {
        let local = (staging as NSString).appendingPathComponent(UUID().uuidString.lowercased())
        defer { try? FileManager.default.removeItem(atPath: local) }
        if case .failure(let error) = await transport.fetch(file, to: local) { throw error }
        let digest = try await BlockingPool.run { Digest.hex(try CMS.digest(file: local, algorithm: "SHA256")) }
        let key = "sftp:\(file.name):\(digest)"
        if try await store.inboundMessage(partner: profile.id, messageID: key) != nil {
            await transport.finishPickup(file)
            return false
        }
        let epcis = [".xml", ".json", ".jsonld"].contains { file.name.lowercased().hasSuffix($0) }
        var valid: Bool?
        var validation: String?
        if epcis {
            (valid, validation) = try await InboundVerdict.of(path: local, schemas: schemas)
        }
        let row = InboundMessageRow(
            id: UUID().uuidString.lowercased(), partner: profile.id, messageID: key, status: "processed", receivedAt: clock.now(),
            disposition: "picked-up", reason: epcis ? nil : "not EPCIS by its name, so not validated",
            headers: "Transport: sftp\r\nRemote-File: \(file.path)\r\nRemote-Size: \(file.size)\r\nRemote-Modified: \(file.modified)",
            fileName: file.name, contentType: file.name.lowercased().hasSuffix(".xml") ? "application/xml" : (epcis ? "application/ld+json" : nil),
            signed: false, encrypted: false, compressed: false, mic: nil, micAlgorithm: "", valid: valid, validation: validation, mdnChannel: "none",
            mdnURL: nil, mdnHeaders: nil, mdnBody: nil)
        let stored = try await store.recordInbound(row, raw: local, payload: local)
        // Only once the file is stored may the partner's copy go.
        await transport.finishPickup(file)
        logger.info(
            stored.duplicate ? "a picked-up file was stored before" : "picked up a partner's file and stored it",
            metadata: [
                "partner": "\(profile.id)", "file": "\(file.path)", "inbound": "\(stored.row.id)", "bytes": "\(file.size)",
                "valid": "\(valid.map { "\($0)" } ?? "not validated")",
            ])
        return !stored.duplicate
    }
}
