/// An SFTP partner: where we log in, what we pin, where documents go, how the partner
/// acknowledges them and what it leaves for us.
public struct SFTPSettings: Hashable, Sendable {
    /// The server's host key as pinned at onboarding (`partners trust-host`).
    public struct HostKey: Hashable, Sendable {
        /// The SSH key type (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …); the connection asks the
        /// server for exactly this type, so a server cannot fall back to another key.
        public var type: String
        /// `SHA256:` and the unpadded base64 of the key's SHA-256, as `ssh-keygen -lf` prints it.
        public var fingerprint: String

        public init(type: String, fingerprint: String) {
            self.type = type
            self.fingerprint = fingerprint
        }
    }

    /// What is done with a file on the server once it is safely ours.
    public enum Afterwards: Hashable, Sendable {
        case delete
        /// Renamed into this folder (for partners that forbid deletes but allow an archive).
        case move(String)
        /// Left in place; we remember its name and digest so that it is read once.
        case keep
    }

    /// How an acknowledgement file says accept or reject.
    public enum AckStatus: Hashable, Sendable {
        /// The file's presence accepts.
        case presence
        /// The first capture group (or the whole match) of a regular expression over the content.
        case regex(String)
        /// A JSON field, by a dotted path (`status`, `result.status`).
        case json(String)
        /// The text of the first XML element with this local name.
        case xml(String)
    }

    /// Acknowledgement files the partner writes for each document.
    public struct AckFiles: Hashable, Sendable {
        /// The folder they appear in.
        public var directory: String
        /// Their name; `{name}` is the uploaded file's final name, `{stem}` that name without
        /// its extension.
        public var fileName: String
        public var status: AckStatus
        /// Status values that accept or reject (compared without regard to case).
        public var accept: [String]
        public var reject: [String]
        public var afterwards: Afterwards
        /// How often the folder is looked at for a delivery awaiting its file.
        public var interval: Duration

        public init(
            directory: String, fileName: String = "{name}.ack", status: AckStatus = .presence, accept: [String] = ["ACCEPTED", "ACCEPT", "OK"],
            reject: [String] = ["REJECTED", "REJECT", "ERROR", "FAILED"], afterwards: Afterwards = .delete, interval: Duration = .seconds(60)
        ) {
            self.interval = interval
            self.directory = directory
            self.fileName = fileName
            self.status = status
            self.accept = accept
            self.reject = reject
            self.afterwards = afterwards
        }
    }

    /// A folder of the partner's that we collect documents from.
    public struct Pickup: Hashable, Sendable {
        public var directory: String
        /// Shell-style pattern (`*` and `?`) the names must match; temporary names (a leading dot,
        /// `.part`, `.tmp`, `.filepart`) are never taken.
        public var pattern: String
        public var afterwards: Afterwards
        public var interval: Duration
        /// Larger files are left on the server and reported.
        public var maxBytes: Int64

        public init(
            directory: String, pattern: String = "*", afterwards: Afterwards = .delete, interval: Duration = .seconds(60), maxBytes: Int64 = 2 << 30
        ) {
            self.directory = directory
            self.pattern = pattern
            self.afterwards = afterwards
            self.interval = interval
            self.maxBytes = maxBytes
        }
    }

    public var host: String
    public var port: Int
    public var user: String
    /// Our private key file (Ed25519 or ECDSA; libssh2 1.10 signs RSA only with SHA-1, which
    /// OpenSSH 8.8 and later refuse).
    public var privateKey: String
    /// The key's passphrase, when it has one.
    public var passphrase: SecretSource?
    /// Nil until the partner is onboarded: such a partner is pending, and only its own
    /// deliveries wait.
    public var hostKey: HostKey?
    /// The remote folder documents are put in.
    public var directory: String
    /// The final file name: `{shipment}`, `{document}`, `{delivery}`, `{timestamp}` (UTC,
    /// `yyyyMMddHHmmssSSS`, when queued) and `{extension}`.
    public var fileName: String
    /// The name a file is written under until it is complete: `{name}` is the final name.
    public var temporaryName: String
    public var ackFiles: AckFiles?
    public var pickup: Pickup?
    public var connectTimeout: Duration
    /// How long one blocking step (a handshake, a write, a read) may take.
    public var timeout: Duration

    public init(
        host: String, port: Int = 22, user: String, privateKey: String, passphrase: SecretSource? = nil, hostKey: HostKey?, directory: String,
        fileName: String = "{shipment}_{timestamp}_{delivery}.{extension}", temporaryName: String = "{name}.part", ackFiles: AckFiles? = nil,
        pickup: Pickup? = nil, connectTimeout: Duration = .seconds(20), timeout: Duration = .seconds(120)
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.privateKey = privateKey
        self.passphrase = passphrase
        self.hostKey = hostKey
        self.directory = directory
        self.fileName = fileName
        self.temporaryName = temporaryName
        self.ackFiles = ackFiles
        self.pickup = pickup
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}
