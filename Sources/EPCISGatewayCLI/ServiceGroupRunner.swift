import Logging
import ServiceLifecycle
import UnixSignals

/// Runs services until SIGINT or SIGTERM, then shuts them down gracefully.
enum ServiceGroupRunner {
    static func run(_ services: [any Service]) async throws {
        let logger = Logger(label: "epcis-gateway")
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
