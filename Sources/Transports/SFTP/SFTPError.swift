public import GatewayCore

/// An SFTP step failed. The message says what was tried, on which server, and what to do; it
/// never holds a passphrase or key material.
///
/// Equality compares the ``code`` only.
public struct SFTPError: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<SFTPError>

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Whether the same attempt may succeed later without anyone changing anything here or at
    /// the partner (or after the partner fixes its side, which it may do unasked).
    public var retryable: Bool {
        switch code {
        case .permissionDenied, .noSuchPath, .nameTaken, .keyUnusable: false
        default: true
        }
    }
}

extension ErrorCode where Domain == SFTPError {
    /// No TCP connection (refused, unreachable, name not resolved).
    public static let connect = Self("sftp-connect")
    /// A step took longer than the profile allows.
    public static let timeout = Self("sftp-timeout")
    /// The SSH handshake failed (no common algorithm, or the connection broke).
    public static let handshake = Self("sftp-handshake")
    /// The server's host key is not the pinned one.
    public static let hostKeyMismatch = Self("sftp-host-key-mismatch")
    /// The partner is pending onboarding: no host key is pinned.
    public static let hostKeyNotPinned = Self("sftp-host-key-not-pinned")
    /// The server refused our key.
    public static let authentication = Self("sftp-authentication")
    /// Our key file cannot be read or opened (a wrong passphrase).
    public static let keyUnusable = Self("sftp-key-unusable")
    public static let permissionDenied = Self("sftp-permission-denied")
    /// A folder or file that must exist does not.
    public static let noSuchPath = Self("sftp-no-such-path")
    /// The partner's disk or quota is full.
    public static let diskFull = Self("sftp-disk-full")
    /// Our final name holds a file that is not ours; SFTP never overwrites it.
    public static let nameTaken = Self("sftp-name-taken")
    /// What arrived is not the size that was sent.
    public static let sizeMismatch = Self("sftp-size-mismatch")
    /// Anything else the server or library reported.
    public static let failure = Self("sftp-failure")
    /// A local file could not be read or written.
    public static let localFile = Self("sftp-local-file")
}
