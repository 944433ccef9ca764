internal import CGatewayShims
internal import CLibSSH2
internal import Foundation
internal import GatewayCore
internal import Glibc
internal import Partners
internal import Synchronization

/// Where and as whom to log in.
struct SFTPEndpoint: Sendable {
    var host: String
    var port: Int
    var user: String
    var privateKey: String
    /// Read from its source when the connection is made; never kept elsewhere.
    var passphrase: String?
    var connectTimeout: Duration
    var timeout: Duration

    var name: String { "\(user)@\(host):\(port)" }
}

/// A host key as the server presented it.
public struct PresentedHostKey: Hashable, Sendable {
    public var type: String
    /// `SHA256:` and unpadded base64, as `ssh-keygen -lf` prints it.
    public var fingerprint: String

    public init(type: String, fingerprint: String) {
        self.type = type
        self.fingerprint = fingerprint
    }
}

/// One logged-in SSH session with its SFTP channel: a thin, blocking wrapper over libssh2.
///
/// Every call blocks, so it is made on ``BlockingPool`` only, and by one thread at a time (the
/// owner hands it on, never shares it).
final class SFTPConnection: @unchecked Sendable {
    /// A remote directory entry.
    struct Entry: Hashable, Sendable {
        var name: String
        var size: Int64
        var modified: Int64
        var isFile: Bool
    }

    private var session: OpaquePointer?
    private var sftp: OpaquePointer?
    private var socket: Int32 = -1
    let endpoint: SFTPEndpoint
    /// The key the server presented in this session.
    private(set) var hostKey: PresentedHostKey

    private static let initialized: Bool = libssh2_init(0) == 0

    /// Connects, checks the host key against `pinned` before sending any credential, logs in and
    /// opens the SFTP channel. With `pinned` nil (onboarding only) the key is read and shown.
    ///
    /// - Parameter hostKeyType: the key type to ask the server for (the pinned type).
    static func open(_ endpoint: SFTPEndpoint, pinned: PresentedHostKey?, hostKeyType: String?, login: Bool = true) throws(SFTPError)
        -> SFTPConnection
    {
        guard initialized else { throw SFTPError(.failure, "libssh2 could not be initialised") }
        let socket = try connectSocket(endpoint)
        guard let session = CGatewayShims_libssh2_session_init() else {
            Glibc.close(socket)
            throw SFTPError(.failure, "libssh2 could not make a session")
        }
        let connection = SFTPConnection(endpoint: endpoint, session: session, socket: socket)
        do {
            try connection.handshake(pinned: pinned, hostKeyType: hostKeyType)
            if login { try connection.login() }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private init(endpoint: SFTPEndpoint, session: OpaquePointer, socket: Int32) {
        self.endpoint = endpoint
        self.session = session
        self.socket = socket
        hostKey = PresentedHostKey(type: "", fingerprint: "")
        libssh2_session_set_blocking(session, 1)
        libssh2_session_set_timeout(session, Int(endpoint.timeout.milliseconds))
    }

    deinit { close() }

    /// Says goodbye to the server and frees everything; safe to call twice.
    func close() {
        if let sftp { libssh2_sftp_shutdown(sftp) }
        sftp = nil
        if let session {
            // A short timeout: a dead server must not hold a thread on goodbye.
            libssh2_session_set_timeout(session, 2000)
            libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "done", "")
            libssh2_session_free(session)
        }
        session = nil
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
    }

    // MARK: Connecting

    /// A TCP connection within the connect timeout (resolving the name first).
    private static func connectSocket(_ endpoint: SFTPEndpoint) throws(SFTPError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard status == 0, let first = list else {
            throw SFTPError(
                .connect, "cannot resolve \(endpoint.host): \(String(cString: gai_strerror(status))); check transport.sftp.host and the DNS")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        let deadline = ContinuousClock.now + endpoint.connectTimeout
        while let address = cursor {
            cursor = address.pointee.ai_next
            let fd = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            let flags = fcntl(fd, F_GETFL, 0)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen)
            if result != 0 && errno == EINPROGRESS {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let left = max(0, (deadline - ContinuousClock.now).milliseconds)
                if poll(&poller, 1, Int32(min(left, Int64(Int32.max)))) == 1 {
                    var socketError: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
                    result = socketError == 0 ? 0 : -1
                    if socketError != 0 { lastError = String(cString: strerror(socketError)) }
                } else {
                    lastError = "no answer within \(endpoint.connectTimeout)"
                }
            } else if result != 0 {
                lastError = String(cString: strerror(errno))
            }
            if result == 0 {
                _ = fcntl(fd, F_SETFL, flags)
                var on: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            Glibc.close(fd)
        }
        let code: SFTPError.Code = lastError.hasPrefix("no answer") ? .timeout : .connect
        throw SFTPError(code, "cannot connect to \(endpoint.host):\(endpoint.port): \(lastError); is the partner's server up and reachable?")
    }

    private func handshake(pinned: PresentedHostKey?, hostKeyType: String?) throws(SFTPError) {
        guard let session else { return }
        if let hostKeyType { libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY, hostKeyType) }
        if libssh2_session_handshake(session, socket) != 0 {
            let (code, text) = lastError()
            if code == LIBSSH2_ERROR_KEX_FAILURE, let hostKeyType {
                throw SFTPError(
                    .handshake,
                    "\(endpoint.host):\(endpoint.port) offers no \(hostKeyType) host key (the pinned type) or no algorithm libssh2 shares (\(text)); "
                        + "if the partner changed its keys, check the new key with them and pin it with `partners trust-host`")
            }
            throw SFTPError(
                code == LIBSSH2_ERROR_TIMEOUT ? .timeout : .handshake, "the SSH handshake with \(endpoint.host):\(endpoint.port) failed: \(text)")
        }
        guard let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) else {
            throw SFTPError(.handshake, "\(endpoint.host):\(endpoint.port) presented no host key")
        }
        let digest = Data(bytes: hash, count: 32)
        var length = 0
        var type: Int32 = 0
        _ = libssh2_session_hostkey(session, &length, &type)
        hostKey = PresentedHostKey(
            type: Self.typeName(type), fingerprint: "SHA256:" + digest.base64EncodedString().replacingOccurrences(of: "=", with: ""))
        if let pinned, hostKey != pinned {
            throw SFTPError(
                .hostKeyMismatch,
                "HOST KEY MISMATCH: \(endpoint.host):\(endpoint.port) presented \(hostKey.type) \(hostKey.fingerprint), but \(pinned.type) \(pinned.fingerprint) is pinned; "
                    + "nothing was sent. Someone may be intercepting the connection, or the partner changed its key: confirm the new fingerprint "
                    + "with the partner by another channel before pinning it with `partners trust-host ID --replace`")
        }
    }

    static func typeName(_ type: Int32) -> String {
        switch type {
        case LIBSSH2_HOSTKEY_TYPE_ED25519: "ssh-ed25519"
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: "ecdsa-sha2-nistp256"
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: "ecdsa-sha2-nistp384"
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: "ecdsa-sha2-nistp521"
        case LIBSSH2_HOSTKEY_TYPE_RSA: "ssh-rsa"
        case LIBSSH2_HOSTKEY_TYPE_DSS: "ssh-dss"
        default: "unknown"
        }
    }

    private func login() throws(SFTPError) {
        guard let session else { return }
        let user = endpoint.user
        let status = libssh2_userauth_publickey_fromfile_ex(
            session, user, UInt32(user.utf8.count), nil, endpoint.privateKey, endpoint.passphrase)
        if status != 0 {
            let (code, text) = lastError()
            if code == LIBSSH2_ERROR_FILE {
                throw SFTPError(
                    .keyUnusable,
                    "our key \(endpoint.privateKey) cannot be used (\(text)): is it readable, and is the passphrase right? Nothing was sent")
            }
            let rsa = (try? String(contentsOfFile: endpoint.privateKey, encoding: .utf8))?.contains("RSA PRIVATE KEY") == true
            throw SFTPError(
                code == LIBSSH2_ERROR_TIMEOUT ? .timeout : .authentication,
                "\(endpoint.name) refused our key \(endpoint.privateKey) (\(text)); "
                    + (rsa
                        ? "it is an RSA key, which this libssh2 signs only with SHA-1 (ssh-rsa) and OpenSSH 8.8 and later refuse: make an Ed25519 key and send the partner its .pub"
                        : "has the partner installed our public key for user \(endpoint.user)?"))
        }
        guard let channel = libssh2_sftp_init(session) else {
            throw SFTPError(.failure, "\(endpoint.name) accepted our key but opened no SFTP channel: \(lastError().1)")
        }
        sftp = channel
    }

    // MARK: Errors

    private func lastError() -> (Int32, String) {
        guard let session else { return (0, "no session") }
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(session, &message, &length, 0)
        return (code, message.map { String(cString: $0) } ?? "code \(code)")
    }

    /// The error of a failed SFTP request about `path`, in words.
    private func failure(_ what: String, _ path: String) -> SFTPError {
        let (code, text) = lastError()
        if code == LIBSSH2_ERROR_TIMEOUT { return SFTPError(.timeout, "\(what) \(path) on \(endpoint.name) timed out") }
        guard code == LIBSSH2_ERROR_SFTP_PROTOCOL, let sftp else {
            return SFTPError(.failure, "\(what) \(path) on \(endpoint.name) failed: \(text)")
        }
        let status = libssh2_sftp_last_error(sftp)
        switch status {
        case LIBSSH2_FX_NO_SUCH_FILE, LIBSSH2_FX_NO_SUCH_PATH:
            return SFTPError(.noSuchPath, "\(what) \(path) on \(endpoint.name): no such file or folder; check the folder with the partner")
        case LIBSSH2_FX_PERMISSION_DENIED, LIBSSH2_FX_WRITE_PROTECT:
            return SFTPError(
                .permissionDenied, "\(what) \(path) on \(endpoint.name): permission denied; ask the partner to grant user \(endpoint.user) access")
        case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM, LIBSSH2_FX_QUOTA_EXCEEDED:
            return SFTPError(.diskFull, "\(what) \(path) on \(endpoint.name): the partner's disk or quota is full; it will be tried again")
        case LIBSSH2_FX_FILE_ALREADY_EXISTS:
            return SFTPError(.nameTaken, "\(what) \(path) on \(endpoint.name): the target already exists")
        default:
            return SFTPError(.failure, "\(what) \(path) on \(endpoint.name) failed (SFTP status \(status))")
        }
    }

    private func channel() throws(SFTPError) -> OpaquePointer {
        guard let sftp else { throw SFTPError(.failure, "the SFTP session with \(endpoint.name) is closed") }
        return sftp
    }

    // MARK: Files

    /// The remote file's size and kind, or nil when there is no such file.
    func stat(_ path: String) throws(SFTPError) -> Entry? {
        let sftp = try channel()
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        if libssh2_sftp_stat_ex(sftp, path, UInt32(path.utf8.count), LIBSSH2_SFTP_STAT, &attributes) != 0 {
            let error = failure("stat", path)
            if error.code == .noSuchPath { return nil }
            throw error
        }
        return Self.entry((path as NSString).lastPathComponent, attributes)
    }

    private static func entry(_ name: String, _ attributes: LIBSSH2_SFTP_ATTRIBUTES) -> Entry {
        let regular =
            attributes.flags & UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS) == 0
            || attributes.permissions & UInt(LIBSSH2_SFTP_S_IFMT) == UInt(LIBSSH2_SFTP_S_IFREG)
        return Entry(name: name, size: Int64(attributes.filesize), modified: Int64(attributes.mtime), isFile: regular)
    }

    /// The entries of a remote folder (without `.` and `..`).
    func list(_ directory: String) throws(SFTPError) -> [Entry] {
        let sftp = try channel()
        guard let handle = libssh2_sftp_open_ex(sftp, directory, UInt32(directory.utf8.count), 0, 0, LIBSSH2_SFTP_OPENDIR) else {
            throw failure("list", directory)
        }
        defer { libssh2_sftp_close_handle(handle) }
        var entries: [Entry] = []
        var buffer = [CChar](repeating: 0, count: 1024)
        // Bounded: a folder of a million names is refused rather than read forever.
        for _ in 0..<100_000 {
            var attributes = LIBSSH2_SFTP_ATTRIBUTES()
            let count = libssh2_sftp_readdir_ex(handle, &buffer, buffer.count, nil, 0, &attributes)
            if count == 0 { return entries }
            if count < 0 { throw failure("list", directory) }
            let name = String(decoding: buffer.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if name == "." || name == ".." { continue }
            entries.append(Self.entry(name, attributes))
        }
        throw SFTPError(.failure, "\(directory) on \(endpoint.name) holds more than 100000 entries; ask the partner to clean it")
    }

    /// Writes `local` to `remote` (created or truncated, mode 0600), flushed to the partner's
    /// disk where the server offers fsync, in chunks of `chunk` bytes.
    /// - Returns: the bytes written.
    @discardableResult
    func upload(_ local: String, to remote: String, chunk: Int = 1 << 20) throws(SFTPError) -> Int64 {
        let sftp = try channel()
        let fd = Glibc.open(local, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SFTPError(.localFile, "cannot read \(local): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        let flags = UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC)
        let mode = Int(LIBSSH2_SFTP_S_IRUSR | LIBSSH2_SFTP_S_IWUSR)
        guard let handle = libssh2_sftp_open_ex(sftp, remote, UInt32(remote.utf8.count), flags, mode, LIBSSH2_SFTP_OPENFILE) else {
            throw failure("create", remote)
        }
        var closed = false
        defer { if !closed { libssh2_sftp_close_handle(handle) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = read(fd, buffer.baseAddress, chunk)
            if count < 0 {
                if errno == EINTR { continue }
                throw SFTPError(.localFile, "cannot read \(local): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = libssh2_sftp_write(handle, buffer.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), count - offset)
                if written < 0 { throw failure("write", remote) }
                offset += written
            }
            total += Int64(count)
        }
        // fsync@openssh.com; servers without it just do not promise durability.
        _ = libssh2_sftp_fsync(handle)
        closed = true
        if libssh2_sftp_close_handle(handle) != 0 { throw failure("close", remote) }
        return total
    }

    /// Reads `remote` into `local` (created 0600, flushed), refusing more than `maxBytes`.
    /// - Returns: the bytes read.
    @discardableResult
    func download(_ remote: String, to local: String, maxBytes: Int64, chunk: Int = 1 << 20) throws(SFTPError) -> Int64 {
        let sftp = try channel()
        guard let handle = libssh2_sftp_open_ex(sftp, remote, UInt32(remote.utf8.count), UInt(LIBSSH2_FXF_READ), 0, LIBSSH2_SFTP_OPENFILE) else {
            throw failure("open", remote)
        }
        defer { libssh2_sftp_close_handle(handle) }
        let fd = Glibc.open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SFTPError(.localFile, "cannot write \(local): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = libssh2_sftp_read(handle, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), chunk)
            if count < 0 { throw failure("read", remote) }
            if count == 0 { break }
            total += Int64(count)
            if total > maxBytes {
                throw SFTPError(.sizeMismatch, "\(remote) on \(endpoint.name) is larger than \(maxBytes) bytes; it was left on the server")
            }
            var offset = 0
            while offset < count {
                let written = write(fd, buffer.baseAddress!.advanced(by: offset), count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SFTPError(.localFile, "cannot write \(local): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw SFTPError(.localFile, "cannot flush \(local): \(String(cString: strerror(errno)))") }
        return total
    }

    /// Renames; SFTP v3 refuses when `to` exists (reported as ``SFTPError/Code/nameTaken`` or
    /// a plain failure, depending on the server).
    func rename(_ from: String, to: String) throws(SFTPError) {
        let sftp = try channel()
        let flags = Int(LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE)
        if libssh2_sftp_rename_ex(sftp, from, UInt32(from.utf8.count), to, UInt32(to.utf8.count), flags) != 0 {
            throw failure("rename \(from) to", to)
        }
    }

    func remove(_ path: String) throws(SFTPError) {
        let sftp = try channel()
        if libssh2_sftp_unlink_ex(sftp, path, UInt32(path.utf8.count)) != 0 { throw failure("delete", path) }
    }
}
