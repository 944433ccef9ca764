internal import Foundation
internal import Store

/// Everything one gateway process needs to know, as plain values.
///
/// Built with defaults, then a configuration file, then the environment, then command-line
/// flags, each overriding the one before (see ``init(file:environment:)``).
public struct GatewayConfiguration: Sendable, Hashable {
    /// The HTTP server.
    public struct HTTP: Sendable, Hashable {
        /// The address to listen on; loopback unless an operator opens it.
        public var host: String
        public var port: Int
        /// The largest request body taken; a larger one is refused with 413 before it is read
        /// further.
        public var maximumRequestBytes: Int
        /// Serve HTTPS instead of HTTP.
        public var tls: TLS?
        /// The prefix of the EPCIS 2.0 capture interface (`{captureBasePath}/capture`).
        public var captureBasePath: String

        public init(
            host: String = "127.0.0.1", port: Int = 8080, maximumRequestBytes: Int = 64 << 20, tls: TLS? = nil, captureBasePath: String = ""
        ) {
            self.host = host
            self.port = port
            self.maximumRequestBytes = maximumRequestBytes
            self.tls = tls
            self.captureBasePath = captureBasePath
        }
    }

    /// The server's TLS: its certificate chain and key (PEM), and the CA that signs the client
    /// certificates requestors may present (mutual TLS). A client without a certificate may
    /// still connect and authenticate otherwise; one with a certificate the CA did not sign
    /// fails the handshake.
    public struct TLS: Sendable, Hashable {
        public var certificateFile: String
        public var keyFile: String
        public var clientCAFile: String?

        public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.clientCAFile = clientCAFile
        }
    }

    /// The delivery dispatcher.
    public struct Delivery: Sendable, Hashable {
        /// How long a claim holds; must outlast the slowest transfer.
        public var lease: Duration
        /// Deliveries worked at once.
        public var batch: Int
        /// Acknowledgement polls a round takes before any send (nil: four batches).
        public var pollBatch: Int?
        /// The wait when nothing is due.
        public var idleWait: Duration
        /// The private spool (nil: `spool` in the data directory).
        public var spoolDirectory: String?

        public init(
            lease: Duration = .seconds(900), batch: Int = 8, pollBatch: Int? = nil, idleWait: Duration = .milliseconds(500),
            spoolDirectory: String? = nil
        ) {
            self.lease = lease
            self.batch = batch
            self.pollBatch = pollBatch
            self.idleWait = idleWait
            self.spoolDirectory = spoolDirectory
        }
    }

    /// The VRS responder.
    public struct Verification: Sendable, Hashable {
        /// The routes' prefix.
        public var basePath: String
        /// Our 13-digit GLN, as text until checked.
        public var responderGLN: String
        /// Our GS1 Company Prefixes.
        public var companyPrefixes: [String]
        /// The policy file (nil: the built-in policy).
        public var policyFile: String?
        /// `No_match_*` answers in `coolDownWindowSeconds` that start a cool-down.
        public var coolDownFailures: Int
        public var coolDownWindowSeconds: Int
        public var coolDownSeconds: Int

        public init(
            basePath: String = "/vrs", responderGLN: String, companyPrefixes: [String], policyFile: String? = nil, coolDownFailures: Int = 20,
            coolDownWindowSeconds: Int = 300, coolDownSeconds: Int = 900
        ) {
            self.basePath = basePath
            self.responderGLN = responderGLN
            self.companyPrefixes = companyPrefixes
            self.policyFile = policyFile
            self.coolDownFailures = coolDownFailures
            self.coolDownWindowSeconds = coolDownWindowSeconds
            self.coolDownSeconds = coolDownSeconds
        }
    }

    /// The store: a SQLite file path or a `postgres://` URL.
    public var store: String
    /// The private data directory (nil: the SQLite file's directory, or `data` for PostgreSQL).
    public var dataDirectory: String?
    /// The partner profile directory.
    public var profiles: String
    /// How often the profiles are read again.
    public var profileReload: Duration
    /// The HTTP server; nil runs the gateway without one (`queue run`).
    public var http: HTTP?
    public var delivery: Delivery
    /// The EPCIS schema directory received documents are validated against (nil: `Schemas` when
    /// it is there, else the EPCIS rules alone).
    public var schemas: String?
    /// The VRS responder; nil serves no verification routes.
    public var verification: Verification?

    public init(
        store: String = "data/gateway.sqlite", dataDirectory: String? = nil, profiles: String = "PartnerProfiles",
        profileReload: Duration = .seconds(5),
        http: HTTP? = HTTP(), delivery: Delivery = Delivery(), schemas: String? = nil, verification: Verification? = nil
    ) {
        self.schemas = schemas
        self.verification = verification
        self.store = store
        self.dataDirectory = dataDirectory
        self.profiles = profiles
        self.profileReload = profileReload
        self.http = http
        self.delivery = delivery
    }

    /// The data directory in use.
    public var resolvedDataDirectory: String {
        if let dataDirectory { return dataDirectory }
        guard let path = StoreLocation.sqlitePath(store) else { return "data" }
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// The spool directory in use.
    public var spoolDirectory: String {
        delivery.spoolDirectory ?? (resolvedDataDirectory as NSString).appendingPathComponent("spool")
    }
}
