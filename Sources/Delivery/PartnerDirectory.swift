internal import Foundation
public import Logging
public import Partners
public import ServiceLifecycle
internal import Synchronization

/// The loaded partner profiles, read again every few seconds while the gateway runs.
///
/// Starting refuses profiles with errors (``ProfilesRejected``). A reload with errors keeps the
/// last good profiles and logs every problem, so a typo never takes a partner off the air.
public final class PartnerDirectory: Service, Sendable {
    public let directory: String
    private let loader: ProfileLoader
    private let interval: Duration
    private let logger: Logger
    private let state: Mutex<(profiles: [String: PartnerProfile], fingerprint: String)>

    /// Loads `directory` now.
    /// - Throws: ``ProfilesRejected`` with every problem when any profile has an error.
    public init(
        directory: String, loader: ProfileLoader = ProfileLoader(), interval: Duration = .seconds(5),
        logger: Logger = Logger(label: "epcis-gateway.partners")
    ) throws {
        self.directory = directory
        self.loader = loader
        self.interval = interval
        self.logger = logger
        let loaded = loader.load(directory: directory)
        guard loaded.errors.isEmpty else { throw ProfilesRejected(problems: loaded.problems) }
        for warning in loaded.problems { logger.warning("\(warning)") }
        state = Mutex((loaded.profiles, Self.fingerprint(directory)))
    }

    /// The profiles in force, by id.
    public var current: [String: PartnerProfile] { state.withLock { $0.profiles } }

    /// Reads the directory again if a file changed.
    /// - Returns: the problems of a refused reload (the last good profiles stay), else empty.
    @discardableResult
    public func reload() -> [ProfileProblem] {
        let fingerprint = Self.fingerprint(directory)
        guard fingerprint != state.withLock({ $0.fingerprint }) else { return [] }
        let loaded = loader.load(directory: directory)
        guard loaded.errors.isEmpty else {
            state.withLock { $0.fingerprint = fingerprint }
            logger.error("partner profiles changed but have errors; keeping the last good profiles", metadata: ["errors": "\(loaded.errors.count)"])
            for problem in loaded.problems { logger.error("\(problem)") }
            return loaded.problems
        }
        state.withLock { $0 = (loaded.profiles, fingerprint) }
        logger.notice("partner profiles reloaded", metadata: ["partners": "\(loaded.profiles.keys.sorted().joined(separator: ", "))"])
        return []
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // A graceful shutdown ends the wait at once.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            if !Task.isShuttingDownGracefully { reload() }
        }
    }

    /// Names, sizes and modification times of the profile files.
    private static func fingerprint(_ directory: String) -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
        return names.map { name -> String in
            let attributes = try? FileManager.default.attributesOfItem(atPath: (directory as NSString).appendingPathComponent(name))
            return "\(name):\(attributes?[.size] ?? 0):\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }.joined(separator: "|")
    }
}
