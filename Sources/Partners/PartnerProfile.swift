public import GS1

/// One trading partner, as the compliance team wrote it in `PartnerProfiles/ID.yaml`.
///
/// Plain data: the loader (``ProfileLoader``) has checked every field, resolved file paths
/// against the profile's directory and refused inline secrets.
public struct PartnerProfile: Hashable, Sendable {
    /// The partner's id: lower-case letters, digits and hyphens; the file is named after it.
    public var id: String
    public var name: String
    /// The partner's GLNs (the first one is its main party GLN).
    public var glns: [GLN]
    public var epcis: EPCISSettings
    public var transport: TransportSettings
    public var retry: RetryPolicy
    public var acknowledgement: AcknowledgementPolicy
    public var limits: DocumentLimits
    public var verification: VerificationSettings
    /// What the partner may push to our capture endpoint (nil: nothing).
    public var capture: CaptureSettings?
    /// The file the profile came from (as given to the loader).
    public var file: String

    public init(
        id: String, name: String, glns: [GLN], epcis: EPCISSettings, transport: TransportSettings, retry: RetryPolicy = RetryPolicy(),
        acknowledgement: AcknowledgementPolicy = AcknowledgementPolicy(), limits: DocumentLimits = DocumentLimits(),
        verification: VerificationSettings = VerificationSettings(), capture: CaptureSettings? = nil, file: String
    ) {
        self.id = id
        self.name = name
        self.glns = glns
        self.epcis = epcis
        self.transport = transport
        self.retry = retry
        self.acknowledgement = acknowledgement
        self.limits = limits
        self.verification = verification
        self.capture = capture
        self.file = file
    }
}

/// The document form a partner receives.
public struct EPCISSettings: Hashable, Sendable {
    public enum Version: String, Hashable, Sendable, CaseIterable { case v1_2 = "1.2", v2_0 = "2.0" }
    public enum Format: String, Hashable, Sendable, CaseIterable { case xml, jsonLD = "json-ld" }
    public enum Identifiers: String, Hashable, Sendable, CaseIterable { case urn, digitalLink = "digital-link" }
    public enum NDCCodeType: String, Hashable, Sendable, CaseIterable { case usFDANDC = "US_FDA_NDC", fdaNDC11 = "FDA_NDC_11" }
    public enum SBDHIdentifier: String, Hashable, Sendable, CaseIterable { case gs1 = "GS1", sgln = "SGLN", gln = "GLN" }

    public var version: Version
    public var format: Format
    public var identifiers: Identifiers
    /// Transaction history: only for partners that still ask for it.
    public var transactionHistory: Bool
    public var ndcCodeType: NDCCodeType
    public var sbdhIdentifier: SBDHIdentifier

    public init(
        version: Version = .v1_2, format: Format = .xml, identifiers: Identifiers = .urn, transactionHistory: Bool = false,
        ndcCodeType: NDCCodeType = .usFDANDC, sbdhIdentifier: SBDHIdentifier = .gs1
    ) {
        self.version = version
        self.format = format
        self.identifiers = identifiers
        self.transactionHistory = transactionHistory
        self.ndcCodeType = ndcCodeType
        self.sbdhIdentifier = sbdhIdentifier
    }
}

/// Where a secret comes from. The value itself is read only when it is used and never logged.
public enum SecretSource: Hashable, Sendable, CustomStringConvertible {
    /// An environment variable's name.
    case environment(String)
    /// A file's path (its content, without a trailing newline, is the secret).
    case file(String)

    /// Says where the secret is, never what it is.
    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }
}

/// The one transport a partner is reached by.
public enum TransportSettings: Hashable, Sendable {
    case https(HTTPSSettings)
    case as2(AS2Settings)
    case sftp(SFTPSettings)

    /// `https`, `as2` or `sftp`.
    public var kind: String {
        switch self {
        case .https: "https"
        case .as2: "as2"
        case .sftp: "sftp"
        }
    }
}

/// An HTTPS partner (EPCIS 2.0 capture interface, or a plain POST endpoint).
public struct HTTPSSettings: Hashable, Sendable {
    /// What acknowledges a document.
    public enum Mode: String, Hashable, Sendable, CaseIterable {
        /// EPCIS 2.0 capture: `202` + `Location`, then the capture job's outcome is the
        /// acknowledgement.
        case capture
        /// Any `2xx` answer acknowledges the document.
        case post
    }
    public enum Authentication: Hashable, Sendable {
        case none
        /// OAuth 2.0 client credentials (RFC 6749 §4.4), client authenticated with HTTP Basic.
        case oauth2(tokenURL: String, clientID: String, secret: SecretSource, scope: String?)
        /// A fixed bearer token.
        case bearer(SecretSource)
        /// A fixed key in a header of the partner's choosing.
        case apiKey(header: String, value: SecretSource)
    }

    public var url: String
    public var mode: Mode
    /// How long to wait between polls of a capture job.
    public var pollInterval: Duration
    /// Verify the partner's certificate and host name (on unless the profile turns it off).
    public var verifyTLS: Bool
    /// A CA bundle that replaces the system trust store for this partner.
    public var caFile: String?
    /// Mutual TLS: our client certificate and key (PEM).
    public var clientCertificate: String?
    public var clientKey: String?
    public var authentication: Authentication
    /// Extra, non-secret request headers.
    public var headers: [String: String]
    public var proxy: String?
    public var connectTimeout: Duration
    public var requestTimeout: Duration

    public init(
        url: String, mode: Mode = .capture, pollInterval: Duration = .seconds(5), verifyTLS: Bool = true, caFile: String? = nil,
        clientCertificate: String? = nil, clientKey: String? = nil, authentication: Authentication = .none, headers: [String: String] = [:],
        proxy: String? = nil, connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(300)
    ) {
        self.url = url
        self.mode = mode
        self.pollInterval = pollInterval
        self.verifyTLS = verifyTLS
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.authentication = authentication
        self.headers = headers
        self.proxy = proxy
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }
}

/// An AS2 partner (RFC 4130).
public struct AS2Settings: Hashable, Sendable {
    /// How the content-encryption key travels to the partner.
    public enum KeyEncryption: String, Hashable, Sendable, CaseIterable {
        /// RSA PKCS#1 v1.5: what every AS2 product decrypts (the default).
        case rsaPKCS1 = "rsa-pkcs1"
        /// RSAES-OAEP: only where the partner agreed to it.
        case rsaOAEP = "rsa-oaep"
    }
    /// A certificate and its private key (PEM files).
    public struct KeyPair: Hashable, Sendable {
        public var certificate: String
        public var key: String
        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }
    /// How and whether the partner acknowledges.
    public enum MDNMode: String, Hashable, Sendable, CaseIterable {
        /// In the response to the POST.
        case sync
        /// POSTed later to ``AS2Settings/mdnURL``.
        case async
        /// No MDN is asked for: an HTTP `2xx` is all the acknowledgement there is.
        case none
    }

    /// `http://` or `https://` (S/MIME protects the payload either way; TLS is verified).
    public var url: String
    /// Our AS2 name, as the partner configured it.
    public var as2From: String
    /// The partner's AS2 name.
    public var as2To: String
    /// `sha-256` (default), `sha-384`, `sha-512` or `sha-1`; nil sends unsigned.
    public var sign: String?
    /// `aes-256-cbc` (default), `aes-192-cbc`, `aes-128-cbc` or `des-ede3-cbc`; nil sends unencrypted.
    public var encrypt: String?
    public var keyEncryption: KeyEncryption
    /// RFC 5402 zlib compression before signing.
    public var compress: Bool
    /// The partner's certificates (PEM): the current one first to encrypt to, chosen by
    /// validity dates; any of them may sign its MDNs and messages (rollover).
    public var partnerCertificates: [String]
    /// Our current certificate and key (PEM): what we sign with and the partner encrypts to.
    public var ourCertificate: String
    public var ourKey: String
    /// Our earlier certificates and keys, kept to decrypt what the partner still encrypts to
    /// them during a rollover (the overlap window ends when each expires).
    public var previousKeys: [KeyPair] = []
    public var mdnMode: MDNMode
    public var mdnSigned: Bool
    /// Where the partner POSTs async MDNs (our `/as2` endpoint as the partner reaches it).
    public var mdnURL: String?
    /// The URLs (prefixes) to which we POST async MDNs the partner asks for; any other
    /// `Receipt-Delivery-Option` is not called.
    public var asyncMDNAllowList: [String] = []
    /// The payload's file name (`Content-Disposition`): `{document}`, `{shipment}` and
    /// `{extension}` are replaced.
    public var fileName: String
    /// A CA bundle replacing the system trust store for an `https://` URL.
    public var caFile: String?
    /// The largest message this partner may send us.
    public var maxInboundBytes: Int64
    public var requestTimeout: Duration

    public init(
        url: String, as2From: String, as2To: String, sign: String? = "sha-256", encrypt: String? = "aes-256-cbc",
        keyEncryption: KeyEncryption = .rsaPKCS1, compress: Bool = false, partnerCertificates: [String], ourCertificate: String, ourKey: String,
        mdnMode: MDNMode = .sync, mdnSigned: Bool = true, mdnURL: String? = nil, fileName: String = "{document}.{extension}", caFile: String? = nil,
        maxInboundBytes: Int64 = 1 << 30, requestTimeout: Duration = .seconds(300)
    ) {
        self.url = url
        self.as2From = as2From
        self.as2To = as2To
        self.sign = sign
        self.encrypt = encrypt
        self.keyEncryption = keyEncryption
        self.compress = compress
        self.partnerCertificates = partnerCertificates
        self.ourCertificate = ourCertificate
        self.ourKey = ourKey
        self.mdnMode = mdnMode
        self.mdnSigned = mdnSigned
        self.mdnURL = mdnURL
        self.fileName = fileName
        self.caFile = caFile
        self.maxInboundBytes = maxInboundBytes
        self.requestTimeout = requestTimeout
    }
}

/// When to try again after a transport failure, and when to give up.
public struct RetryPolicy: Hashable, Sendable {
    /// The waits before the 2nd, 3rd, … attempt; the last one repeats.
    public var schedule: [Duration]
    /// After this long since the delivery was queued, a failing delivery is dead-lettered.
    public var giveUpAfter: Duration

    public init(
        schedule: [Duration] = [.seconds(60), .seconds(300), .seconds(900), .seconds(3600), .seconds(14_400)],
        giveUpAfter: Duration = .seconds(72 * 3600)
    ) {
        self.schedule = schedule
        self.giveUpAfter = giveUpAfter
    }
}

/// How long the partner may take to acknowledge a document before it is shown as late, and
/// what happens then.
public struct AcknowledgementPolicy: Hashable, Sendable {
    /// What happens once the acknowledgement is late.
    public enum OnLate: String, Hashable, Sendable, CaseIterable {
        /// Keep waiting; the delivery shows as LATE (the default for HTTPS capture jobs).
        case wait
        /// Send the same bytes again, until `retry.giveUpAfter` (the default for AS2 async MDNs).
        case resend
        /// Dead-letter the delivery for an operator.
        case deadLetter = "dead-letter"
    }
    public var timeout: Duration
    /// Nil: the transport's default.
    public var onLate: OnLate?
    public init(timeout: Duration = .seconds(7200), onLate: OnLate? = nil) {
        self.timeout = timeout
        self.onLate = onLate
    }
}

/// How big a document the partner takes.
public struct DocumentLimits: Hashable, Sendable {
    /// What to do with a shipment whose document is too big.
    public enum Oversize: String, Hashable, Sendable, CaseIterable {
        /// Refuse to queue it, saying by how much it is over (an operator splits the shipment).
        case refuse
    }
    public var maxDocumentBytes: Int?
    public var maxEventsPerDocument: Int?
    public var oversize: Oversize

    public init(maxDocumentBytes: Int? = nil, maxEventsPerDocument: Int? = nil, oversize: Oversize = .refuse) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxEventsPerDocument = maxEventsPerDocument
        self.oversize = oversize
    }
}

/// Who may ask for product verification on this partner's behalf, and how they prove it.
public struct VerificationSettings: Hashable, Sendable {
    /// How a requestor proves who it is. There is no anonymous access: a profile that names
    /// requestor GLNs must name one of these.
    public enum Authentication: Hashable, Sendable {
        /// A fixed key in a header of the partner's choosing.
        case apiKey(header: String, value: SecretSource)
        /// `Authorization: Bearer <token>`.
        case bearer(SecretSource)
        /// A TLS client certificate (mutual TLS): one of the certificates in this PEM file,
        /// compared by SHA-256 after the handshake checked it against the server's client CA.
        case clientCertificate(String)
    }

    /// The GS1 US R1.3 ATP credential check: a signed JWT in `header`, verified against the
    /// issuer keys in the PEM file `issuerKeys`.
    public struct ATPCheck: Hashable, Sendable {
        public var header: String
        public var issuerKeys: String
        public init(header: String, issuerKeys: String) {
            self.header = header
            self.issuerKeys = issuerKeys
        }
    }

    public var requestorGLNs: [GLN]
    /// False: the requestors are known but refused with 403 (onboarding paused, contract ended).
    public var enabled: Bool
    public var authentication: Authentication?
    public var atp: ATPCheck?

    public init(requestorGLNs: [GLN] = [], enabled: Bool = true, authentication: Authentication? = nil, atp: ATPCheck? = nil) {
        self.requestorGLNs = requestorGLNs
        self.enabled = enabled
        self.authentication = authentication
        self.atp = atp
    }
}

extension Duration {
    /// Whole milliseconds, the unit the queue and libcurl count in.
    public var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
