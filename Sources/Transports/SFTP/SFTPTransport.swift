internal import Foundation
public import GatewayCore
public import Logging
public import Partners
internal import Synchronization

/// SFTP with libssh2: uploads under a temporary name and renames to the final name fixed at
/// `queue add`, checks sizes, reads the partner's acknowledgement files and keeps each as
/// evidence before it counts.
///
/// Idempotent by name: an attempt first looks for what an earlier one left (the final file,
/// its acknowledgement, a temporary file), so a retry after a crash never leaves two final
/// files for one delivery.
public final class SFTPTransport: Transport {
    public let settings: SFTPSettings
    private let secrets: SecretReader
    private let archive: any MDNArchive
    private let clock: any WallClock
    private let logger: Logger
    /// Logged-in connections between uses: one dispatch round's deliveries share them.
    private let idle = Mutex<[(connection: SFTPConnection, since: ContinuousClock.Instant)]>([])
    /// How long an idle connection is kept for the next delivery.
    static let reuseWindow = Duration.seconds(10)
    /// Acknowledgement files are small; a larger one is refused, not read.
    static let maxAckBytes: Int64 = 1 << 20
    /// The MDN archive's channel for acknowledgement files.
    public static let evidenceChannel = "sftp-ack"

    public init(
        settings: SFTPSettings, secrets: SecretReader, archive: any MDNArchive, clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "epcis-gateway.sftp")
    ) {
        self.settings = settings
        self.secrets = secrets
        self.archive = archive
        self.clock = clock
        self.logger = logger
    }

    deinit {
        for entry in idle.withLock({ $0 }) { entry.connection.close() }
    }

    // MARK: Sending

    public func send(_ document: OutboundDocument) async -> SendResult {
        guard let final = document.metadata[SFTPNames.metadataKey], !final.isEmpty else {
            return .rejected(
                reason:
                    "delivery \(document.deliveryID) holds no SFTP file name (it was queued for another transport); cancel it and queue the shipment again"
            )
        }
        let names = SFTPNames(settings: settings, final: final)
        let ackName = settings.ackFiles.map { SFTPNames.join($0.directory, SFTPNames.ackName($0, for: final)) }
        let size = document.byteCount
        let outcome: Result<String, SFTPError> = await connected { connection throws(SFTPError) in
            try Self.upload(document.file, size: size, names: names, ackPath: ackName, on: connection)
        }
        switch outcome {
        case .success(let detail):
            if settings.ackFiles != nil {
                return .accepted(reference: final, detail: detail + "; waiting for the partner's acknowledgement file")
            }
            return .acknowledged(detail: detail + "; the profile names no acknowledgement files, so the completed upload is the acknowledgement")
        case .failure(let error):
            return error.retryable ? .failed(error: error.message, retryAfterMilliseconds: nil) : .rejected(reason: error.message)
        }
    }

    /// One upload, resumed by name: blocking, on the pool.
    static func upload(_ file: String, size: Int64, names: SFTPNames, ackPath: String?, on connection: SFTPConnection) throws(SFTPError) -> String {
        if let existing = try connection.stat(names.finalPath) {
            guard existing.size == size else {
                throw SFTPError(
                    .nameTaken,
                    "\(names.finalPath) on \(connection.endpoint.name) already holds a file of \(existing.size) bytes, not this delivery's \(size); "
                        + "SFTP never overwrites, so nothing was sent. Ask the partner whose file it is; once it is gone, `queue resend` sends ours")
            }
            try? connection.remove(names.temporaryPath)
            return "\(names.finalPath) (\(size) bytes) was already complete on the server from an earlier attempt; it was not sent again"
        }
        if let ackPath, try connection.stat(ackPath) != nil {
            return "the partner already acknowledged \(names.final) (\(ackPath) exists) from an earlier attempt; it was not sent again"
        }
        if try connection.stat(names.temporaryPath) != nil { try connection.remove(names.temporaryPath) }
        let written = try connection.upload(file, to: names.temporaryPath)
        let uploaded = try connection.stat(names.temporaryPath)
        guard written == size, let uploaded, uploaded.size == size else {
            try? connection.remove(names.temporaryPath)
            throw SFTPError(
                .sizeMismatch,
                "\(names.temporaryPath) on \(connection.endpoint.name) holds \(uploaded.map { "\($0.size)" } ?? "no") bytes after sending \(written) of \(size); "
                    + "it was removed and the upload will be tried again")
        }
        do {
            try connection.rename(names.temporaryPath, to: names.finalPath)
        } catch {
            // SFTP v3 refuses to rename onto an existing name; see what is there.
            guard let there = try connection.stat(names.finalPath) else { throw error }
            try? connection.remove(names.temporaryPath)
            guard there.size == size else {
                throw SFTPError(
                    .nameTaken,
                    "\(names.finalPath) on \(connection.endpoint.name) appeared while uploading and holds \(there.size) bytes, not \(size); nothing was overwritten"
                )
            }
            return "\(names.finalPath) (\(size) bytes) was completed by an earlier attempt while this one uploaded"
        }
        // The partner may take the file at once; only a file of another size is an error.
        if let check = try connection.stat(names.finalPath), check.size != size {
            throw SFTPError(
                .sizeMismatch, "\(names.finalPath) on \(connection.endpoint.name) holds \(check.size) bytes after the rename, not \(size)")
        }
        return "uploaded \(names.finalPath) (\(size) bytes, written as \(names.temporary) and renamed)"
    }

    // MARK: Acknowledgements

    public func poll(reference: String, document: OutboundDocument) async -> PollResult {
        guard let ack = settings.ackFiles else { return .acknowledged(detail: "the profile names no acknowledgement files") }
        let key = Self.evidenceKey(document.deliveryID)
        // A verdict kept before the file was deleted counts, even if recording it was cut short.
        do {
            if let kept = try await archive.received(messageKey: key).last { return Self.result(of: kept, settings: ack) }
        } catch {
            return .failed(error: "cannot read the kept acknowledgement files: \(error)")
        }
        let ackName = SFTPNames.ackName(ack, for: reference)
        let ackPath = SFTPNames.join(ack.directory, ackName)
        let outcome: Result<[UInt8]?, SFTPError> = await connected { connection throws(SFTPError) in
            guard let entry = try connection.stat(ackPath) else {
                if try connection.stat(ack.directory) == nil {
                    throw SFTPError(
                        .noSuchPath,
                        "the acknowledgement folder \(ack.directory) does not exist on \(connection.endpoint.name); check ackFiles.directory")
                }
                return nil
            }
            guard entry.size <= Self.maxAckBytes else {
                throw SFTPError(
                    .sizeMismatch,
                    "\(ackPath) is \(entry.size) bytes, more than an acknowledgement file may be (\(Self.maxAckBytes)); it was left on the server")
            }
            let local = NSTemporaryDirectory() + "/sftp-ack-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: local) }
            try connection.download(ackPath, to: local, maxBytes: Self.maxAckBytes)
            guard let data = FileManager.default.contents(atPath: local) else { throw SFTPError(.localFile, "cannot read back \(local)") }
            return [UInt8](data)
        }
        let bytes: [UInt8]
        switch outcome {
        case .failure(let error): return .failed(error: error.message)
        case .success(nil): return .pending(detail: "no \(ackPath) yet")
        case .success(let found?): bytes = found
        }
        let verdict = SFTPAckReading.verdict(bytes, settings: ack)
        if case .unreadable(let why) = verdict {
            return .failed(
                error: "\(ackPath) cannot be read as an acknowledgement: \(why); it was left on the server. Fix ackFiles.status in the profile")
        }
        let evidence = ReceivedMDN(
            id: UUID().uuidString.lowercased(), messageKey: key, deliveryID: document.deliveryID, partner: nil, channel: Self.evidenceChannel,
            receivedAt: clock.now(),
            headers: "File: \(ackPath)\r\nUploaded-File: \(reference)\r\nSize: \(bytes.count)\r\nStatus: \(Self.status(verdict))",
            body: bytes)
        do { try await archive.keep(evidence) } catch {
            return .failed(error: "the acknowledgement file \(ackPath) could not be kept as evidence (\(error)); it was left on the server")
        }
        await tidy(ackPath, ack.afterwards)
        return Self.result(of: evidence, settings: ack)
    }

    /// The archive key of a delivery's acknowledgement files.
    public static func evidenceKey(_ deliveryID: String) -> String { "sftp:\(deliveryID)" }

    static func status(_ verdict: SFTPAckReading.Verdict) -> String {
        switch verdict {
        case .accepted(let status), .rejected(let status): status
        case .unreadable: "unreadable"
        }
    }

    static func result(of evidence: ReceivedMDN, settings: SFTPSettings.AckFiles) -> PollResult {
        let file =
            evidence.headers.split(separator: "\r\n").first { $0.hasPrefix("File: ") }.map { String($0.dropFirst(6)) } ?? "the acknowledgement file"
        switch SFTPAckReading.verdict(evidence.body, settings: settings) {
        case .accepted(let status): return .acknowledged(detail: "\(file) says \(status) (kept as evidence \(evidence.id))")
        case .rejected(let status):
            let text = String(decoding: evidence.body.prefix(300), as: UTF8.self)
            return .rejected(reason: "\(file) says \(status): \(text)")
        case .unreadable(let why): return .failed(error: "the kept \(file) cannot be read as an acknowledgement: \(why)")
        }
    }

    /// Deletes or moves a file that is safely kept; a failure leaves it, which only costs a
    /// second read (the kept verdict wins).
    func tidy(_ path: String, _ afterwards: SFTPSettings.Afterwards) async {
        let outcome: Result<Void, SFTPError> = await connected { connection throws(SFTPError) in
            switch afterwards {
            case .keep: return
            case .delete: try connection.remove(path)
            case .move(let folder): try connection.rename(path, to: SFTPNames.join(folder, (path as NSString).lastPathComponent))
            }
        }
        if case .failure(let error) = outcome {
            logger.warning("could not tidy a file that is safely kept; it stays on the server", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }

    // MARK: Pickup

    /// A file the partner left for us.
    public struct RemoteFile: Hashable, Sendable {
        public var name: String
        public var path: String
        public var size: Int64
        public var modified: Int64
    }

    /// The complete files in the pickup folder that match its pattern, oldest first.
    public func pickupCandidates() async -> Result<[RemoteFile], SFTPError> {
        guard let pickup = settings.pickup else { return .success([]) }
        return await connected { connection throws(SFTPError) in
            try connection.list(pickup.directory).filter {
                $0.isFile && !SFTPNames.isTemporary($0.name) && SFTPNames.matches($0.name, pattern: pickup.pattern)
            }
            .sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
            .map { RemoteFile(name: $0.name, path: SFTPNames.join(pickup.directory, $0.name), size: $0.size, modified: $0.modified) }
        }
    }

    /// Downloads a picked-up file to `local` (0600, flushed) and checks that what arrived is
    /// the size the server lists, before and after: a file still being written is not taken.
    public func fetch(_ file: RemoteFile, to local: String) async -> Result<Int64, SFTPError> {
        let limit = settings.pickup?.maxBytes ?? 0
        return await connected { connection throws(SFTPError) in
            guard file.size <= limit else {
                throw SFTPError(.sizeMismatch, "\(file.path) is \(file.size) bytes, more than pickup.maxBytes (\(limit)); it was left on the server")
            }
            let read = try connection.download(file.path, to: local, maxBytes: limit)
            let now = try connection.stat(file.path)
            guard read == file.size, let now, now.size == read, now.modified == file.modified else {
                throw SFTPError(
                    .sizeMismatch,
                    "\(file.path) changed while it was read (listed \(file.size) bytes, read \(read), now \(now.map { "\($0.size)" } ?? "gone")); it is taken in a later round"
                )
            }
            return read
        }
    }

    /// Deletes or moves a picked-up file once it is stored, as the profile says.
    public func finishPickup(_ file: RemoteFile) async {
        await tidy(file.path, settings.pickup?.afterwards ?? .keep)
    }

    // MARK: Connections

    /// Runs `body` on the blocking pool with a logged-in connection (an idle one when there is
    /// one), and keeps the connection for the next use when `body` succeeded.
    func connected<T: Sendable>(_ body: @escaping @Sendable (SFTPConnection) throws(SFTPError) -> T) async -> Result<T, SFTPError> {
        let endpoint: SFTPEndpoint
        switch endpointNow() {
        case .failure(let error): return .failure(error)
        case .success(let value): endpoint = value
        }
        let pinned = settings.hostKey.map { PresentedHostKey(type: $0.type, fingerprint: $0.fingerprint.replacingOccurrences(of: "=", with: "")) }
        let reused = takeIdle()
        do {
            return try await BlockingPool.run { [self] in
                var connection = reused
                if let candidate = connection {
                    // A connection the server closed while idle fails its first request.
                    if (try? candidate.stat(".")) == nil {
                        candidate.close()
                        connection = nil
                    }
                }
                let open: SFTPConnection
                do throws(SFTPError) {
                    if let connection {
                        open = connection
                    } else {
                        open = try SFTPConnection.open(endpoint, pinned: pinned, hostKeyType: pinned?.type)
                    }
                } catch {
                    if error.code == .hostKeyMismatch {
                        logger.critical(
                            "SFTP host key mismatch: nothing was sent",
                            metadata: ["partner-host": "\(endpoint.host):\(endpoint.port)", "error": "\(error)"])
                    }
                    return .failure(error)
                }
                do throws(SFTPError) {
                    let value = try body(open)
                    putIdle(open)
                    return .success(value)
                } catch {
                    open.close()
                    return .failure(error)
                }
            }
        } catch {
            reused?.close()
            return .failure(SFTPError(.failure, "the blocking pool is shut down: \(error)"))
        }
    }

    private func endpointNow() -> Result<SFTPEndpoint, SFTPError> {
        guard settings.hostKey != nil else {
            return .failure(
                SFTPError(
                    .hostKeyNotPinned,
                    "partner \(settings.user)@\(settings.host) is pending onboarding: no host key is pinned; run `epcis-gateway partners trust-host ID` and check the fingerprint with the partner"
                ))
        }
        var passphrase: String?
        if let source = settings.passphrase {
            switch secrets.read(source) {
            case .success(let value): passphrase = value
            case .failure(let error): return .failure(SFTPError(.keyUnusable, "the passphrase of \(settings.privateKey) is unavailable: \(error)"))
            }
        }
        return .success(
            SFTPEndpoint(
                host: settings.host, port: settings.port, user: settings.user, privateKey: settings.privateKey, passphrase: passphrase,
                connectTimeout: settings.connectTimeout, timeout: settings.timeout))
    }

    private func takeIdle() -> SFTPConnection? {
        let now = ContinuousClock.now
        let (fresh, stale) = idle.withLock { entries -> (SFTPConnection?, [SFTPConnection]) in
            let stale = entries.filter { now - $0.since > Self.reuseWindow }.map(\.connection)
            entries.removeAll { now - $0.since > Self.reuseWindow }
            return (entries.popLast()?.connection, stale)
        }
        if !stale.isEmpty { Task.detached { try? await BlockingPool.run { for connection in stale { connection.close() } } } }
        return fresh
    }

    private func putIdle(_ connection: SFTPConnection) {
        idle.withLock { $0.append((connection, ContinuousClock.now)) }
    }

    // MARK: Onboarding

    /// Connects without logging in and returns the host keys the server offers, in the order
    /// asked (Ed25519 first). Used by `partners trust-host`.
    public static func presentedHostKeys(host: String, port: Int, timeout: Duration = .seconds(20)) async throws -> [PresentedHostKey] {
        let endpoint = SFTPEndpoint(host: host, port: port, user: "", privateKey: "", passphrase: nil, connectTimeout: timeout, timeout: timeout)
        return try await BlockingPool.run {
            var keys: [PresentedHostKey] = []
            var lastError: SFTPError?
            for type in ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"] {
                do throws(SFTPError) {
                    let connection = try SFTPConnection.open(endpoint, pinned: nil, hostKeyType: type, login: false)
                    keys.append(connection.hostKey)
                    connection.close()
                } catch {
                    if error.code == .connect || error.code == .timeout { throw error }
                    lastError = error
                }
            }
            if keys.isEmpty, let lastError { throw lastError }
            return keys
        }
    }
}
