import ArgumentParser
import Delivery
import EPCIS
import Foundation
import GatewayServer
import Partners
import Store
import Transports

/// `epcis-gateway inbound list|show|export|pickup`: what partners sent us over AS2 or left for
/// us over SFTP.
struct InboundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbound", abstract: "Show what partners sent (AS2) or left for us (SFTP): from whom, the verdict, the MDN we sent.",
        subcommands: [List.self, Show.self, Export.self, Pickup.self])

    struct Pickup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Collect once from the SFTP partners' pickup folders (serve does it every pickup.interval).",
            discussion: "Exit status: 0 when every listed file was stored (or was stored before), 1 when a folder or a file could not be taken.")
        @Option(help: "Only this partner.")
        var partner: String?
        @Option(help: "The directory of the EPCIS schemas (default: the ones installed with epcis-gateway; \(SchemaDirectory.variable) overrides).")
        var schemas: String?
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var profileOptions: ProfileOptions

        func run() async throws {
            // One named partner must load (`profile` says why not); otherwise every loaded one.
            let profiles =
                try partner.map { [$0: try profileOptions.profile($0)] } ?? ProfileLoader().load(directory: profileOptions.directory).profiles
            let schemas = try loadSchemas(schemas)
            let staging =
                (GatewayConfiguration(store: storeOptions.location, dataDirectory: storeOptions.dataDirectory).resolvedDataDirectory as NSString)
                .appendingPathComponent("pickup")
            var failures = 0
            try await storeOptions.withStore { store in
                let pickup = try SFTPPickup(
                    partners: { profiles },
                    transports: TransportRegistry(secrets: SecretReader(environment: ProcessInfo.processInfo.environment), queue: store),
                    store: store, schemas: schemas, stagingDirectory: staging)
                for profile in profiles.values.sorted(by: { $0.id < $1.id }) {
                    guard case .sftp(let settings) = profile.transport, settings.pickup != nil else { continue }
                    let round = await pickup.collect(profile)
                    print("\(profile.id): \(round.stored) stored, \(round.duplicates) stored before, \(round.failed.count) not taken")
                    for failure in round.failed { printError("  \(failure)") }
                    failures += round.failed.count
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List received messages, newest first.")
        @Option(help: "Only this partner's.")
        var partner: String?
        @Option(help: "At most this many.")
        var limit = 50
        @Flag(help: "Print JSON.")
        var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await storeOptions.withStore { store in
                let rows = try await guarded { try await store.inboundMessages(partner: partner, limit: limit) }
                if json {
                    print(try encodeJSON(rows.map(InboundView.init)))
                    return
                }
                print("RECEIVED              PARTNER          STATUS     EPCIS      BYTES       ID                                    MESSAGE-ID")
                for row in rows {
                    let verdict = row.valid.map { $0 ? "valid" : "INVALID" } ?? "-"
                    print(
                        [
                            DeliveryView.time(row.receivedAt).padding(toLength: 21, withPad: " ", startingAt: 0),
                            row.partner.padding(toLength: 16, withPad: " ", startingAt: 0),
                            row.status.padding(toLength: 10, withPad: " ", startingAt: 0),
                            verdict.padding(toLength: 10, withPad: " ", startingAt: 0),
                            String(row.payloadBytes ?? row.rawBytes).padding(toLength: 11, withPad: " ", startingAt: 0), row.id, row.messageID,
                        ].joined(separator: " "))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one received message: headers, verdict and the MDN we sent.")
        @Argument(help: "The message id (from `inbound list`).")
        var id: String
        @Flag(help: "Print JSON.")
        var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await storeOptions.withStore { store in
                guard let row = try await guarded({ try await store.inboundMessage(id: id) }) else {
                    printError("error: there is no received message \(id); `inbound list` shows them")
                    throw ExitCode(1)
                }
                if json {
                    print(try encodeJSON(InboundView(row)))
                    return
                }
                let layers = [row.encrypted ? "encrypted" : nil, row.signed ? "signed" : nil, row.compressed ? "compressed" : nil].compactMap { $0 }
                print(
                    """
                    message     \(row.id)
                    partner     \(row.partner)
                    message-id  <\(row.messageID)>
                    received    \(DeliveryView.time(row.receivedAt))
                    status      \(row.status): \(row.disposition)\(row.reason.map { " (\($0))" } ?? "")
                    layers      \(layers.isEmpty ? "none" : layers.joined(separator: ", "))
                    payload     \(row.fileName ?? "-") \(row.contentType ?? ""), \(row.payloadBytes.map { "\($0) bytes, SHA-256 \(row.payloadSHA256 ?? "")" } ?? "not kept")
                    raw         \(row.rawBytes) bytes, SHA-256 \(row.rawSHA256)
                    MIC         \(row.mic ?? "-") (\(row.micAlgorithm))
                    EPCIS       \(row.valid.map { $0 ? "valid" : "INVALID" } ?? "not validated")\(row.validation.map { ": \($0)" } ?? "")
                    MDN         \(row.mdnChannel)\(row.mdnURL.map { " to \($0)" } ?? "")
                    headers as received:
                    \(row.headers)
                    """)
                if let headers = row.mdnHeaders, let body = row.mdnBody {
                    print("the MDN we sent:\n\(headers)\r\n\r\n\(String(decoding: body, as: UTF8.self))")
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a received message's payload (or its raw message) to a file, checked against its stored digest.")
        @Argument(help: "The message id (from `inbound list`).")
        var id: String
        @Option(name: .shortAndLong, help: "The file to write.")
        var output: String
        @Flag(help: "Write the raw message as it arrived instead of the payload.")
        var raw = false
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await storeOptions.withStore { store in
                try await guarded { try await store.inboundContent(id, part: raw ? .raw : .payload, to: output) }
                print("wrote the \(raw ? "raw message" : "payload") of \(id) to \(output) (digest checked)")
            }
        }
    }
}

/// A received message, for JSON.
struct InboundView: Encodable {
    var id: String
    var partner: String
    var messageID: String
    var receivedAt: String
    var status: String
    var disposition: String
    var reason: String?
    var fileName: String?
    var contentType: String?
    var signed: Bool
    var encrypted: Bool
    var compressed: Bool
    var mic: String?
    var micAlgorithm: String
    var rawBytes: Int64
    var rawSHA256: String
    var payloadBytes: Int64?
    var payloadSHA256: String?
    var valid: Bool?
    var validation: String?
    var mdnChannel: String
    var mdnURL: String?
    var headers: String
    var mdnHeaders: String?
    var mdnBodyBase64: String?

    init(_ row: InboundMessageRow) {
        id = row.id
        partner = row.partner
        messageID = row.messageID
        receivedAt = DeliveryView.time(row.receivedAt)
        status = row.status
        disposition = row.disposition
        reason = row.reason
        fileName = row.fileName
        contentType = row.contentType
        signed = row.signed
        encrypted = row.encrypted
        compressed = row.compressed
        mic = row.mic
        micAlgorithm = row.micAlgorithm
        rawBytes = row.rawBytes
        rawSHA256 = row.rawSHA256
        payloadBytes = row.payloadBytes
        payloadSHA256 = row.payloadSHA256
        valid = row.valid
        validation = row.validation
        mdnChannel = row.mdnChannel
        mdnURL = row.mdnURL
        headers = row.headers
        mdnHeaders = row.mdnHeaders
        mdnBodyBase64 = row.mdnBody.map { Data($0).base64EncodedString() }
    }
}
