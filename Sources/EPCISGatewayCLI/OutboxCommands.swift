import ArgumentParser
import DSCSA
import Delivery
import EPCIS
import Foundation
import GS1
import GatewayServer
import Outbox
import Partners
import Store
import Transports

/// Where the partner profiles are: `--profiles`, else `$EPCIS_GATEWAY_PROFILES`, else
/// `PartnerProfiles`.
struct ProfileOptions: ParsableArguments {
    @Option(help: "The partner profile directory (default PartnerProfiles, or $EPCIS_GATEWAY_PROFILES).")
    var profiles: String?

    var directory: String { profiles ?? Self.defaultDirectory }
    static var defaultDirectory: String { ProcessInfo.processInfo.environment["EPCIS_GATEWAY_PROFILES"] ?? "PartnerProfiles" }

    /// One partner's profile; exits 2 with the problems when it does not load.
    func profile(_ id: String) throws -> PartnerProfile {
        let loaded = ProfileLoader().load(directory: directory)
        guard let profile = loaded.profiles[id] else {
            let own = loaded.problems.filter { (($0.file as NSString).lastPathComponent as NSString).deletingPathExtension == id }
            printError(
                own.isEmpty
                    ? "error: no partner '\(id)' in \(directory) (known: \(loaded.profiles.keys.sorted().joined(separator: ", ")))"
                    : "error: the profile of \(id) does not load:\n" + own.map { "  \($0)" }.joined(separator: "\n"))
            throw ExitCode(2)
        }
        return profile
    }
}

struct DispatcherOptions: ParsableArguments {
    @Option(help: "The private directory where documents are spooled while they are sent (default: spool in the data directory).")
    var spool: String?

    func spoolDirectory(_ store: StoreOptions) -> String {
        var configuration = GatewayConfiguration(store: store.location, dataDirectory: store.dataDirectory)
        configuration.delivery.spoolDirectory = spool
        return configuration.spoolDirectory
    }
}

extension Spool {
    /// The spool; exits 2 saying why when it cannot be made private.
    static func opened(_ directory: String) throws -> Spool {
        do { return try Spool(directory: directory) } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// The schemas `--schemas` names, else the installed ones; exit 2 with the reason otherwise.
func loadSchemas(_ directory: String?) throws -> EPCISSchemas {
    do { return try SchemaDirectory.load(directory) } catch {
        printError("error: cannot load the EPCIS schemas: \(error)")
        throw ExitCode(2)
    }
}

/// `epcis-gateway partners check|list|certificates|trust-host`.
struct PartnersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partners", abstract: "Check and list partner profiles and their certificates.",
        subcommands: [Check.self, List.self, Certificates.self, TrustHost.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every profile in a directory; print each problem with file, line and key.",
            discussion: "Exit status: 0 when every profile loads (warnings allowed unless --strict), 1 otherwise.")
        @Argument(help: "The directory (default PartnerProfiles, or $EPCIS_GATEWAY_PROFILES).")
        var directory: String?
        @Flag(help: "Treat warnings (unset secrets, missing certificate files) as errors.")
        var strict = false
        @Flag(help: "Print the problems as JSON.")
        var json = false

        func run() async throws {
            let directory = directory ?? ProfileOptions.defaultDirectory
            let loaded = ProfileLoader().load(directory: directory)
            // Certificates expired, expiring within 30 days, or not yet valid are warnings.
            let certificates = CertificateReport.warnings(Array(loaded.profiles.values), now: DeliveryOutbox.now())
            if json {
                print(try encodeJSON(CheckReport(problems: loaded.problems, certificateWarnings: certificates)))
            } else {
                for problem in loaded.problems { print(problem.description) }
                for warning in certificates { print("warning: \(warning)") }
                let warnings = loaded.problems.count - loaded.errors.count + certificates.count
                print(
                    "\(loaded.files.count) profile(s) in \(directory): \(loaded.profiles.count) loaded, \(loaded.errors.count) error(s), \(warnings) warning(s)"
                )
            }
            if !loaded.errors.isEmpty || (strict && (!loaded.problems.isEmpty || !certificates.isEmpty)) { throw ExitCode(1) }
        }
    }

    struct CheckReport: Encodable {
        var problems: [ProfileProblem]
        var certificateWarnings: [String]
    }

    struct Certificates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every certificate the profiles name: subject, issuer, fingerprint and days left.",
            discussion:
                "Exit status: 1 when a certificate is expired, expiring within 30 days, not yet valid or unreadable (and no other of the partner's covers it)."
        )
        @OptionGroup var profileOptions: ProfileOptions
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let loaded = ProfileLoader().load(directory: profileOptions.directory)
            for problem in loaded.errors { printError(problem.description) }
            let now = DeliveryOutbox.now()
            let profiles = Array(loaded.profiles.values)
            let entries = CertificateReport.entries(profiles, now: now)
            if json {
                print(try encodeJSON(entries))
            } else {
                for entry in entries {
                    let days = entry.daysLeft.map { "\($0) day(s) left" } ?? ""
                    print("\(entry.partner)  \(entry.role)  \(entry.file)")
                    if let subject = entry.subject {
                        print("    subject      \(subject)\n    issuer       \(entry.issuer ?? "")\n    sha256       \(entry.fingerprint ?? "")")
                        print("    valid        \(entry.notBefore ?? "") to \(entry.notAfter ?? "")  \(entry.status.uppercased())  \(days)")
                    } else {
                        print("    \(entry.status.uppercased())   \(entry.problem ?? "")")
                    }
                }
            }
            let warnings = CertificateReport.warnings(profiles, now: now)
            if !json { for warning in warnings { printError("warning: \(warning)") } }
            let missing = entries.filter { $0.status == "missing" }
            if !warnings.isEmpty || !missing.isEmpty || !loaded.errors.isEmpty { throw ExitCode(1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the partners whose profiles load.")
        @OptionGroup var profileOptions: ProfileOptions

        func run() async throws {
            let loaded = ProfileLoader().load(directory: profileOptions.directory)
            for problem in loaded.errors { printError(problem.description) }
            print("ID".padding(toLength: 20, withPad: " ", startingAt: 0) + " TRANSPORT  EPCIS          GLN            NAME")
            for profile in loaded.profiles.values.sorted(by: { $0.id < $1.id }) {
                let epcis = "\(profile.epcis.version.rawValue) \(profile.epcis.format.rawValue)"
                print(
                    profile.id.padding(toLength: 20, withPad: " ", startingAt: 0) + " "
                        + profile.transport.kind.padding(toLength: 10, withPad: " ", startingAt: 0) + " "
                        + epcis.padding(toLength: 14, withPad: " ", startingAt: 0) + " " + (profile.glns.first?.value ?? "") + "  " + profile.name)
            }
            if !loaded.errors.isEmpty { throw ExitCode(1) }
        }
    }
}

/// `epcis-gateway queue …`.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "The delivery queue: add shipments, inspect, retry, cancel, resend, watch, and run the dispatcher.",
        subcommands: [Add.self, List.self, Show.self, Retry.self, Cancel.self, Resend.self, Watch.self, Run.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compose a shipment's document for a partner and queue it; its exact bytes are stored before the first attempt.",
            discussion: "Exit status: 0 when queued, 1 when refused (composition, limits, already queued), 2 when the store failed.")
        @Argument(help: "The shipment id.")
        var shipment: String
        @Option(help: "The receiving partner's id.")
        var partner: String
        @Option(help: "The directory of the EPCIS schemas (default: the ones installed with epcis-gateway; \(SchemaDirectory.variable) overrides).")
        var schemas: String?
        @OptionGroup var profileOptions: ProfileOptions
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var dispatcherOptions: DispatcherOptions

        func run() async throws {
            let profile = try profileOptions.profile(partner)
            let schemas = try loadSchemas(schemas)
            let spool = try Spool.opened(dispatcherOptions.spoolDirectory(storeOptions))
            try await storeOptions.withStore { store in
                let queued: ShipmentQueueing.Queued
                do {
                    queued = try await guarded {
                        try await ShipmentQueueing(store: store, spool: spool, schemas: schemas).queue(shipment, for: profile)
                    }
                } catch let rejected as ComposeRejected {
                    printError(rejected.description)
                    throw ExitCode(1)
                }
                let row = queued.delivery
                print(
                    "queued \(shipment) for \(partner) as delivery \(row.id): \(row.byteCount) bytes, SHA-256 \(row.sha256), document \(row.documentID)"
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deliveries, newest first (late acknowledgements are marked LATE).")
        @Option(help: "Only these states (comma-separated): \(DeliveryState.allCases.map(\.rawValue).joined(separator: ", ")).")
        var state: String?
        @Option(help: "Only this partner.")
        var partner: String?
        @Option(help: "At most this many.")
        var limit: Int = 50
        @Flag(help: "Print JSON.")
        var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            var states: [DeliveryState]?
            if let state {
                states = try state.split(separator: ",").map {
                    guard let value = DeliveryState(rawValue: String($0)) else { throw ValidationError("unknown state '\($0)'") }
                    return value
                }
            }
            try await storeOptions.withStore { store in
                let rows = try await guarded { try await store.deliveries(states: states, partner: partner, limit: limit) }
                if json {
                    print(try encodeJSON(rows.map(DeliveryView.init)))
                    return
                }
                print(QueueCommand.table(rows, now: DeliveryOutbox.now()))
            }
        }
    }

    /// The queue as a table. Columns are padded, never cut: an id, a shipment or a timestamp
    /// is shown whole (only the last error is shortened).
    static func table(_ rows: [DeliveryRow], now: Int64) -> String {
        func cell(_ text: String, _ width: Int) -> String { text.count >= width ? text : text.padding(toLength: width, withPad: " ", startingAt: 0) }
        let header = [
            cell("DELIVERY", 36), cell("PARTNER", 20), cell("SHIPMENT", 16), cell("STATE", 14), cell("ATT", 4), cell("DUE/ACKED", 24), "LAST ERROR",
        ]
        var lines = [header.joined(separator: " ")]
        for row in rows {
            let late = row.snapshot.isLate(at: now) ? " LATE" : ""
            let when = (row.snapshot.acknowledgedAt ?? row.snapshot.dueAt).map(DeliveryView.time) ?? "-"
            lines.append(
                [
                    cell(row.id, 36), cell(row.partner, 20), cell(row.shipment ?? "-", 16), cell(row.snapshot.state.rawValue + late, 14),
                    cell(String(row.snapshot.attempts), 4), cell(when, 24), String((row.snapshot.lastError ?? "").prefix(60)),
                ].joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one delivery with every attempt and operator action.")
        @Argument var id: String
        @Flag(help: "Print JSON.")
        var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await storeOptions.withStore { store in
                guard let row = try await guarded({ try await store.delivery(id) }) else {
                    printError("error: there is no delivery \(id)")
                    throw ExitCode(1)
                }
                let attempts = try await store.attempts(id)
                let actions = try await store.actions(id)
                if json {
                    let mdns = try await store.mdns(delivery: id).map(MDNView.init)
                    print(try encodeJSON(DeliveryDetail(delivery: DeliveryView(row), attempts: attempts, actions: actions, mdns: mdns)))
                    return
                }
                let view = DeliveryView(row)
                print(
                    """
                    delivery  \(view.id)
                    partner   \(view.partner) (\(view.transport))
                    shipment  \(view.shipment ?? "-")
                    document  \(view.documentID), \(view.bytes) bytes, SHA-256 \(view.sha256)
                    state     \(view.state)\(view.late ? " (LATE: acknowledgement overdue)" : "") after \(view.attempts) attempt(s)
                    queued    \(view.queuedAt)
                    due       \(view.dueAt ?? "-")
                    ack by    \(view.acknowledgementDeadline ?? "-")\(view.acknowledgementReference.map { "  (\($0))" } ?? "")
                    acked     \(view.acknowledgedAt ?? "-")
                    error     \(view.lastError ?? "-")
                    """)
                print("attempts:")
                let now = DeliveryOutbox.now()
                for attempt in attempts {
                    let took: String
                    if let finished = attempt.finishedAt {
                        took = "\(attempt.kind) \(attempt.outcome) in \(finished - attempt.startedAt) ms"
                    } else if attempt.outcome == AttemptRow.started && row.leaseOwner == attempt.owner && (row.leaseUntil ?? 0) >= now {
                        took = "\(attempt.kind) in flight"
                    } else {
                        // Its process died before it ended; no live claim holds it any more.
                        took = "\(attempt.kind) \(AttemptRow.interrupted) (never finished)"
                    }
                    print(
                        "  \(DeliveryView.time(attempt.startedAt))  \(took) by \(attempt.owner) [attempt \(attempt.id)]\(attempt.detail.isEmpty ? "" : ": \(attempt.detail.prefix(300))")"
                    )
                }
                print("operator actions:")
                for action in actions {
                    print(
                        "  \(DeliveryView.time(action.at))  \(action.action) by \(action.actor) (\(action.fromState) → \(action.toState)): \(action.reason)"
                    )
                }
                // AS2: every MDN as it arrived, the evidence behind the state above; SFTP: the
                // acknowledgement files, kept the same way.
                let mdns = try await store.mdns(delivery: id)
                if row.transport == "sftp" {
                    print("SFTP file \(row.metadata[SFTPNames.metadataKey] ?? "-")")
                    print("Acknowledgement files received (\(mdns.count)):")
                    for mdn in mdns {
                        print("  \(DeliveryView.time(mdn.receivedAt))  [\(mdn.id)], \(mdn.body.count) bytes, as received:")
                        print(mdn.headers + "\r\n\r\n" + String(decoding: mdn.body.prefix(4096), as: UTF8.self))
                    }
                } else if !mdns.isEmpty || row.transport == "as2" {
                    print(
                        "AS2 message \(row.metadata["as2.message-id"] ?? "-"), MIC \(row.metadata["as2.mic"] ?? "-") (\(row.metadata["as2.mic-algorithm"] ?? "-"))"
                    )
                    print("MDNs received (\(mdns.count)):")
                    for mdn in mdns {
                        print("  \(DeliveryView.time(mdn.receivedAt))  \(mdn.channel) MDN [\(mdn.id)], \(mdn.body.count) bytes, as received:")
                        print(mdn.headers + "\r\n\r\n" + String(decoding: mdn.body, as: UTF8.self))
                    }
                }
            }
        }
    }

    struct ActionOptions: ParsableArguments {
        @Argument(help: "The delivery id.")
        var id: String
        @Option(help: "Why (recorded with the action; required).")
        var reason: String
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var profileOptions: ProfileOptions

        func act(_ action: DeliveryOutbox.Action) async throws {
            try await storeOptions.withStore { store in
                let actor = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "uid-\(getuid())"
                let row = try await guarded {
                    let partner = try await store.delivery(id).flatMap {
                        ProfileLoader().load(directory: profileOptions.directory).profiles[$0.partner]
                    }
                    return try await DeliveryOutbox.act(
                        action, on: id, reason: reason, actor: actor, queue: store,
                        policy: partner.map(DeliveryOutbox.policy) ?? DeliveryOutbox.defaultPolicy)
                }
                print("\(action.rawValue): delivery \(row.id) is now \(row.snapshot.state.rawValue) (recorded with your reason, by \(actor))")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Attempt a waiting, rejected or dead-lettered delivery now (same bytes).")
        @OptionGroup var options: ActionOptions
        func run() async throws { try await options.act(.retry) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a delivery that is not in flight.")
        @OptionGroup var options: ActionOptions
        func run() async throws { try await options.act(.cancel) }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a settled delivery again: the identical bytes with the same document id, so the partner can de-duplicate it.")
        @OptionGroup var options: ActionOptions
        func run() async throws { try await options.act(.resend) }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A live view of the queue: counts by state, late acknowledgements and the deliveries that need attention.")
        @Option(help: "Seconds between refreshes.")
        var interval: Int = 2
        @Option(help: "Stop after this many refreshes (default: until interrupted).")
        var count: Int?
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await storeOptions.withStore { store in
                var round = 0
                while count.map({ round < $0 }) ?? true {
                    round += 1
                    let now = DeliveryOutbox.now()
                    let counts = try await guarded { try await store.queueCounts() }
                    let attention = try await store.deliveries(
                        states: [.rejected, .deadLettered, .retryWait, .awaitingAcknowledgement, .sending], partner: nil, limit: 20)
                    let late = attention.filter { $0.snapshot.isLate(at: now) }.count
                    if count != 1 { print("\u{1B}[2J\u{1B}[H", terminator: "") }
                    print("epcis-gateway queue at \(DeliveryView.time(now)) (every \(interval) s)")
                    print(DeliveryState.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: "  ") + "  LATE \(late)")
                    print(QueueCommand.table(attention, now: now))
                    if count.map({ round < $0 }) ?? true { try await Task.sleep(for: .seconds(interval)) }
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the dispatcher alone (no HTTP API): claim due deliveries, send, poll acknowledgements.",
            discussion: "Several processes may run it against one PostgreSQL store. Stops gracefully on SIGINT or SIGTERM.")
        @Flag(help: "Stop when nothing is due or awaiting an acknowledgement.")
        var untilIdle = false
        @Option(help: "Seconds a claim holds before another process may take the delivery over (default 900).")
        var lease: Int?
        @Option(help: "Deliveries worked at once (default 8).")
        var batch: Int?
        @Option(help: "Milliseconds to wait when nothing is due (default 500).")
        var idle: Int?
        @OptionGroup var gatewayOptions: GatewayOptions
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var profileOptions: ProfileOptions
        @OptionGroup var dispatcherOptions: DispatcherOptions

        func run() async throws {
            var configuration = try gatewayOptions.configuration(store: storeOptions, profiles: profileOptions, dispatcher: dispatcherOptions)
            configuration.http = nil
            if let lease { configuration.delivery.lease = .seconds(lease) }
            if let batch { configuration.delivery.batch = batch }
            if let idle { configuration.delivery.idleWait = .milliseconds(idle) }
            let gateway = Gateway(configuration: configuration)
            if untilIdle {
                let handled = try await guarded { try await gateway.runUntilIdle() }
                print("dispatcher idle after \(handled) send(s) and poll(s)")
            } else {
                try await guarded { try await gateway.run() }
            }
        }
    }
}

/// A delivery for people and JSON.
struct DeliveryView: Encodable {
    var id, partner, transport, documentID, sha256, state, queuedAt: String
    var shipment, dueAt, acknowledgementDeadline, acknowledgementReference, acknowledgedAt, lastError: String?
    var bytes: Int64
    var attempts: Int
    var late: Bool

    init(_ row: DeliveryRow) {
        id = row.id
        partner = row.partner
        transport = row.transport
        documentID = row.documentID
        sha256 = row.sha256
        state = row.snapshot.state.rawValue
        queuedAt = Self.time(row.snapshot.queuedAt)
        shipment = row.shipment
        dueAt = row.snapshot.dueAt.map(Self.time)
        acknowledgementDeadline = row.snapshot.acknowledgementDeadline.map(Self.time)
        acknowledgementReference = row.snapshot.acknowledgementReference
        acknowledgedAt = row.snapshot.acknowledgedAt.map(Self.time)
        lastError = row.snapshot.lastError
        bytes = row.byteCount
        attempts = row.snapshot.attempts
        late = row.snapshot.isLate(at: DeliveryOutbox.now())
    }

    static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

struct DeliveryDetail: Encodable {
    var delivery: DeliveryView
    var attempts: [AttemptRow]
    var actions: [ActionRow]
    var mdns: [MDNView]
}

/// An MDN as received, for JSON (the body in base64: it is evidence, byte for byte).
struct MDNView: Encodable {
    var id: String
    var channel: String
    var receivedAt: String
    var headers: String
    var bodyBase64: String

    init(_ row: MDNRow) {
        id = row.id
        channel = row.channel
        receivedAt = DeliveryView.time(row.receivedAt)
        headers = row.headers
        bodyBase64 = Data(row.body).base64EncodedString()
    }
}

extension PartnersCommand {
    struct TrustHost: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trust-host",
            abstract: "Onboard an SFTP partner: connect once, show the server's host keys, and pin one in the profile.",
            discussion: """
                Read the fingerprint to the partner's IT by another channel (phone, signed e-mail) and pin it only when it matches \
                what they see. A profile that already pins a different key is changed only with --replace: a changed host key is how \
                an interception looks. Exit status: 0 when the key is pinned (or already was), 1 when nothing was written.
                """)
        @Argument(help: "The partner's id.")
        var id: String
        @OptionGroup var profileOptions: ProfileOptions
        @Option(help: "Pin only if the server's key has this fingerprint (SHA256:…), as the partner read it to you.")
        var expect: String?
        @Flag(help: "Replace a pinned key that differs (after the partner confirmed the new one).")
        var replace = false
        @Flag(help: "Show the keys; write nothing.")
        var dryRun = false

        func run() async throws {
            let profile = try profileOptions.profile(id)
            guard case .sftp(let settings) = profile.transport else {
                printError("error: \(id) is reached by \(profile.transport.kind), not SFTP; there is no host key to trust")
                throw ExitCode(2)
            }
            let keys: [PresentedHostKey]
            do {
                keys = try await SFTPTransport.presentedHostKeys(host: settings.host, port: settings.port, timeout: settings.connectTimeout)
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            print("\(settings.host):\(settings.port) offers:")
            for key in keys { print("  \(key.type)  \(key.fingerprint)") }
            guard let chosen = keys.first else {
                printError("error: the server offered no host key this gateway can verify (Ed25519, ECDSA)")
                throw ExitCode(1)
            }
            if let expect, expect.replacingOccurrences(of: "=", with: "") != chosen.fingerprint {
                printError(
                    "error: the server's \(chosen.type) key is \(chosen.fingerprint), not \(expect); nothing was written. Do not pin it until the partner explains"
                )
                throw ExitCode(1)
            }
            if let pinned = settings.hostKey {
                if pinned.type == chosen.type && pinned.fingerprint.replacingOccurrences(of: "=", with: "") == chosen.fingerprint {
                    print("\(id) already pins \(chosen.type) \(chosen.fingerprint); nothing to do")
                    return
                }
                guard replace else {
                    printError(
                        "error: \(profile.file) pins \(pinned.type) \(pinned.fingerprint), and the server now presents \(chosen.type) \(chosen.fingerprint). "
                            + "Nothing was written. Confirm the change with the partner, then run again with --replace")
                    throw ExitCode(1)
                }
            }
            if dryRun {
                print("would pin \(chosen.type) \(chosen.fingerprint) in \(profile.file) (--dry-run: nothing written)")
                return
            }
            let text = try String(contentsOfFile: profile.file, encoding: .utf8)
            let updated: String
            do { updated = try HostKeyPinning.pin(SFTPSettings.HostKey(type: chosen.type, fingerprint: chosen.fingerprint), in: text) } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            // Written beside the profile and renamed over it, so a reload never reads half a file.
            let temporary = profile.file + ".trust-host.tmp"
            let mode = (try? FileManager.default.attributesOfItem(atPath: profile.file)[.posixPermissions] as? NSNumber)?.intValue ?? 0o600
            guard FileManager.default.createFile(atPath: temporary, contents: Data(updated.utf8), attributes: [.posixPermissions: mode & 0o755]),
                rename(temporary, profile.file) == 0
            else {
                try? FileManager.default.removeItem(atPath: temporary)
                printError("error: cannot write \(profile.file); nothing was changed")
                throw ExitCode(1)
            }
            let (reloaded, problems) = ProfileLoader().load(file: profile.file)
            guard case .sftp(let check)? = reloaded?.transport, check.hostKey?.fingerprint == chosen.fingerprint else {
                printError("error: \(profile.file) was written but does not load as expected:\n" + problems.map { "  \($0)" }.joined(separator: "\n"))
                throw ExitCode(1)
            }
            print("pinned \(chosen.type) \(chosen.fingerprint) in \(profile.file); \(id) is onboarded")
        }
    }
}
