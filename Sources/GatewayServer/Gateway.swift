internal import Delivery
public import EPCIS
public import Foundation
internal import GS1
public import GatewayCore
public import Hummingbird
internal import HummingbirdCore
internal import HummingbirdTLS
public import Logging
internal import NIOSSL
public import Partners
internal import ServiceLifecycle
public import Store
public import Transports
public import UnixSignals
internal import Verification

/// The gateway as one process runs it: the store, the partner profiles, the transports, the
/// dispatcher and the HTTP server, built from one ``GatewayConfiguration``.
///
/// ``run()`` opens the store, then runs every long-running part as a `Service` in one
/// `ServiceGroup` until SIGTERM or SIGINT: the HTTP server stops first, then the dispatcher
/// lets its attempts in flight finish and records them, then the profile watcher. The store
/// (and PostgreSQL's client) is opened around the group, so it is ready before any service
/// starts and still there when the last one has stopped.
public struct Gateway: Sendable {
    public let configuration: GatewayConfiguration
    /// Where secrets named by profiles (`…Env`) are read from.
    public let environment: [String: String]
    public let logger: Logger
    /// The signals that start a graceful shutdown (none in tests, which cancel instead).
    public let shutdownSignals: [UnixSignal]
    /// The one clock every part schedules and records by.
    public let clock: any WallClock

    public init(
        configuration: GatewayConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "epcis-gateway"), shutdownSignals: [UnixSignal] = [.sigterm, .sigint], clock: any WallClock = SystemWallClock()
    ) {
        self.clock = clock
        self.configuration = configuration
        self.environment = environment
        self.logger = logger
        self.shutdownSignals = shutdownSignals
    }

    /// Runs until a shutdown signal (or cancellation), then stops gracefully.
    ///
    /// - Throws: ``ProfilesRejected`` when a partner profile has errors (nothing starts),
    ///   ``StoreError`` when the store cannot be opened, `PrivateFileError` when the data
    ///   directory or spool cannot be made private.
    public func run() async throws {
        let profiles = try PartnerDirectory(directory: configuration.profiles, interval: configuration.profileReload)
        try makeDataDirectory()
        try await StoreLocation.withStore(configuration.store) { store in
            let jobs = CaptureJobs(store: store, schemas: try loadSchemas(), workDirectory: configuration.spoolDirectory)
            var services: [any Service] = [
                profiles, try dispatcher(store, profiles), CertificateWatch(partners: { profiles.current }, clock: clock),
                try pickup(store, profiles), jobs,
            ]
            if let http = configuration.http {
                let router = Self.router(
                    store: store, partnerCount: { profiles.current.count }, maximumBodyBytes: http.maximumRequestBytes,
                    partners: { profiles.current }, clock: clock, workDirectory: configuration.spoolDirectory, schemas: try loadSchemas(),
                    verification: try responder(store, profiles),
                    capture: Capture(basePath: http.captureBasePath, jobs: jobs, secrets: SecretReader(environment: environment)))
                let server = ApplicationConfiguration(address: .hostname(http.host, port: http.port), serverName: "epcis-gateway")
                if let tls = http.tls {
                    let tlsServer = try HTTPServerBuilder.tls(.http1(), tlsConfiguration: try Self.tlsConfiguration(tls))
                    services.append(Application(router: router, server: tlsServer, configuration: server, logger: logger))
                } else {
                    services.append(Application(router: router, configuration: server, logger: logger))
                }
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, gracefulShutdownSignals: shutdownSignals,
                    logger: logger))
            try await group.run()
        }
    }

    /// Works the queue until nothing is due or awaiting an acknowledgement, without an HTTP
    /// server; for batch runs and tests.
    /// - Returns: how many sends and polls were made.
    public func runUntilIdle() async throws -> Int {
        let profiles = try PartnerDirectory(directory: configuration.profiles, interval: configuration.profileReload)
        try makeDataDirectory()
        return try await StoreLocation.withStore(configuration.store) { store in
            try await dispatcher(store, profiles).runUntilIdle(deadline: .max)
        }
    }

    /// The HTTP routes: health and readiness, the records feed, AS2 (`/as2`) for the partners
    /// in `partners`, and (when given) VRS and the EPCIS 2.0 capture interface.
    public static func router(
        store: any GatewayStore, partnerCount: @escaping @Sendable () -> Int, maximumBodyBytes: Int,
        partners: @escaping @Sendable () -> [String: PartnerProfile] = { [:] }, clock: any WallClock = SystemWallClock(),
        workDirectory: String = FileManager.default.temporaryDirectory.path, schemas: EPCISSchemas? = nil,
        verification: VerificationResponder? = nil, capture: Capture? = nil
    ) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        HealthController(store: store, partnerCount: partnerCount).addRoutes(to: router)
        RecordsController(store: store, maximumBodyBytes: maximumBodyBytes).addRoutes(to: router)
        AS2Controller(
            store: store, partners: partners, logger: Logger(label: "epcis-gateway.as2"), clock: clock, workDirectory: workDirectory, schemas: schemas
        ).addRoutes(to: router)
        if let verification { VerificationController(responder: verification, logger: Logger(label: "epcis-gateway.vrs")).addRoutes(to: router) }
        if let capture {
            CaptureController(
                basePath: capture.basePath, store: store, partners: partners, secrets: capture.secrets, jobs: capture.jobs,
                logger: Logger(label: "epcis-gateway.capture"), clock: clock, workDirectory: workDirectory
            ).addRoutes(to: router)
        }
        return router
    }

    /// What the capture interface's routes need: their prefix, the job service they wake and
    /// where partners' credentials are read from.
    public struct Capture: Sendable {
        public var basePath: String
        public var jobs: CaptureJobs
        public var secrets: SecretReader
        public init(basePath: String = "", jobs: CaptureJobs, secrets: SecretReader) {
            self.basePath = basePath
            self.jobs = jobs
            self.secrets = secrets
        }
    }

    /// The server side of TLS: our chain and key, and (for mutual TLS) the client CA. A client
    /// certificate is optional, so API-key and bearer requestors connect without one.
    static func tlsConfiguration(_ tls: GatewayConfiguration.TLS) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)))
            configuration.minimumTLSVersion = .tlsv12
            if let clientCA = tls.clientCAFile {
                configuration.trustRoots = .file(clientCA)
                configuration.certificateVerification = .optionalVerification
            }
            return configuration
        } catch {
            throw ConfigurationError(
                .invalidValue, place: "http.tls", "cannot be used: \(error)",
                fix: "check that certificate and key are readable PEM files that belong together")
        }
    }

    /// The VRS responder the configuration asks for, with its policy file read and checked.
    /// - Throws: ``ConfigurationError`` for a bad GLN, ``ProfilesRejected`` for a policy file
    ///   with errors.
    private func responder(_ store: any GatewayStore, _ profiles: PartnerDirectory) throws -> VerificationResponder? {
        guard let verification = configuration.verification else { return nil }
        guard let gln = try? GLN(verification.responderGLN) else {
            throw ConfigurationError(
                .invalidValue, place: "verification.responderGLN", "is '\(verification.responderGLN)', not a 13-digit GLN with a valid check digit",
                fix: "give our GLN in quotes")
        }
        var policy = VerificationPolicy()
        if let file = verification.policyFile {
            let (loaded, problems) = VerificationPolicyLoader().load(file: file)
            for problem in problems where problem.severity == .warning { logger.warning("\(problem)") }
            guard let loaded else { throw ProfilesRejected(problems: problems) }
            policy = loaded
        }
        return VerificationResponder(
            settings: VerificationResponder.Settings(
                basePath: verification.basePath, responderGLN: gln, companyPrefixes: verification.companyPrefixes, policy: policy,
                coolDown: RequestorCoolDown.Limits(
                    failures: verification.coolDownFailures, windowMilliseconds: Int64(verification.coolDownWindowSeconds) * 1_000,
                    coolDownMilliseconds: Int64(verification.coolDownSeconds) * 1_000)),
            store: store, partners: { profiles.current }, secrets: SecretReader(environment: environment), clock: clock)
    }

    private func dispatcher(_ store: any GatewayStore, _ profiles: PartnerDirectory) throws -> Dispatcher {
        let delivery = configuration.delivery
        return try Dispatcher(
            queue: store, partners: { profiles.current },
            transports: TransportRegistry(secrets: SecretReader(environment: environment), queue: store, clock: clock),
            configuration: DispatcherConfiguration(
                leaseMilliseconds: delivery.lease.milliseconds, batch: delivery.batch, pollBatch: delivery.pollBatch, idleWait: delivery.idleWait,
                spoolDirectory: configuration.spoolDirectory),
            logger: Logger(label: "epcis-gateway.delivery"), clock: clock)
    }

    /// What SFTP partners leave for us, collected into the inbound store.
    private func pickup(_ store: any GatewayStore, _ profiles: PartnerDirectory) throws -> SFTPPickup {
        try SFTPPickup(
            partners: { profiles.current },
            transports: TransportRegistry(secrets: SecretReader(environment: environment), queue: store, clock: clock),
            store: store, schemas: try loadSchemas(),
            stagingDirectory: (configuration.resolvedDataDirectory as NSString).appendingPathComponent("pickup"),
            clock: clock)
    }

    /// The schemas received documents are validated against: the configured directory, else
    /// the installed ones (``SchemaDirectory``); an error if they do not compile. Without any,
    /// documents get the EPCIS rules alone, which the log says.
    private func loadSchemas() throws -> EPCISSchemas? {
        if let directory = configuration.schemas { return try EPCISSchemas(directory: directory) }
        let (directory, looked) = SchemaDirectory.find(environment: environment)
        guard let directory else {
            logger.warning(
                "no EPCIS schemas found, so received documents are checked by the EPCIS rules without XML Schema or JSON Schema",
                metadata: ["looked-in": "\(looked.joined(separator: ", "))"])
            return nil
        }
        return try EPCISSchemas(directory: directory)
    }

    /// A data directory the gateway creates is this user's only.
    private func makeDataDirectory() throws {
        let directory = configuration.resolvedDataDirectory
        if !FileManager.default.fileExists(atPath: directory) { try PrivateFile.makeDirectory(directory) }
    }
}
