public import GatewayCore
public import Logging
public import Partners
public import ServiceLifecycle
internal import Transports

/// Warns in the log, at start and then every `interval`, about every certificate the profiles
/// name that is expired, expires within 30 days, is not valid yet or cannot be read.
public struct CertificateWatch: Service {
    let partners: @Sendable () -> [String: PartnerProfile]
    let clock: any WallClock
    let interval: Duration
    let logger: Logger

    public init(
        partners: @escaping @Sendable () -> [String: PartnerProfile], clock: any WallClock = SystemWallClock(),
        interval: Duration = .seconds(12 * 3600),
        logger: Logger = Logger(label: "epcis-gateway.certificates")
    ) {
        self.partners = partners
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    /// Logs the warnings once; returns them.
    @discardableResult
    public func check() -> [String] {
        let warnings = CertificateReport.warnings(Array(partners().values), now: clock.now())
        for warning in warnings { logger.warning("\(warning)") }
        return warnings
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            check()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
