import ArgumentParser
import DSCSA
import Delivery
import EPCIS
import Foundation
import GatewayServer
import Partners
import Records
import Store
import Transports

/// Where the store is: `--store` (a SQLite path or `postgres://…`), else
/// `$EPCIS_GATEWAY_STORE`, else `data/gateway.sqlite` under the current directory.
struct StoreOptions: ParsableArguments {
    @Option(help: "The store: a SQLite file path (default data/gateway.sqlite) or postgres://user:password@host:5432/database.")
    var store: String?

    @Option(
        help:
            "The data directory, private to this user: the spool lives here (default: the SQLite store's directory, else data; or $EPCIS_GATEWAY_DATA)."
    )
    var data: String?

    var location: String { store ?? ProcessInfo.processInfo.environment["EPCIS_GATEWAY_STORE"] ?? "data/gateway.sqlite" }

    /// `--data`, else `$EPCIS_GATEWAY_DATA`, else the SQLite file's directory, else `data`.
    var dataDirectory: String {
        GatewayConfiguration(store: location, dataDirectory: data ?? ProcessInfo.processInfo.environment["EPCIS_GATEWAY_DATA"]).resolvedDataDirectory
    }

    /// Runs `body` with the store open; exits 2 printing the error when the store fails.
    func withStore<T>(_ body: (any GatewayStore) async throws -> T) async throws -> T {
        do { return try await StoreLocation.withStore(location, body) } catch let error as StoreError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// `epcis-gateway ingest FILE|-`.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Apply a records-feed batch (JSON Lines or CSV) to the store, all or nothing.",
        discussion: """
            The format is recognised from the content (override with --format). Every problem of
            a refused batch is printed with its line, field, value, reason and fix, and nothing is
            stored. Re-ingesting a batch is harmless: records already stored with the same content
            are skipped.

            Exit status: 0 when applied, 1 when refused, 2 when the store failed.
            """
    )

    @Argument(help: "The batch file, or - for standard input.")
    var file: String
    @Option(help: "jsonl or csv (default: recognised from the content).")
    var format: String?
    @Flag(help: "Print the report or the issues as JSON.")
    var json = false
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        let bytes: [UInt8]
        do {
            bytes = file == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            printError("error: cannot read \(file): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        try await storeOptions.withStore { store in
            let batch = file == "-" ? "stdin-\(UUID().uuidString.lowercased())" : (file as NSString).lastPathComponent
            do {
                let records = try RecordFeed.parse(bytes, format: try format.map(parseFormat))
                let report = try await store.ingest(records, batch: batch)
                if json {
                    print(try encodeJSON(report))
                } else {
                    print(
                        "ingested \(batch): \(report.applied) record(s) applied, \(report.alreadyApplied) already present, \(report.commissioned) serial(s) commissioned, \(report.unitsChanged) unit(s) changed"
                            + (report.shipments.isEmpty ? "" : ", shipments \(report.shipments.joined(separator: ", "))"))
                }
            } catch let rejected as BatchRejected {
                if json {
                    print(try encodeJSON(Refusal(batch: batch, stored: false, issues: rejected.issues)))
                } else {
                    printError("\(file): \(rejected)")
                }
                throw ExitCode(1)
            } catch let error as StoreError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
    }

    private func parseFormat(_ text: String) throws -> RecordFeed.Format {
        guard let format = RecordFeed.Format(rawValue: text) else { throw ValidationError("--format must be jsonl or csv") }
        return format
    }
}

/// `epcis-gateway compose SHIPMENT-ID [-o FILE]`.
struct ComposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Compose the DSCSA shipment document (TI, TS, master data, events) for a shipment in the store.",
        discussion: """
            The document is streamed from the store, checked against the business rules and
            validated against the project's schema before it is written to -o (or printed). A
            refusal names the record to fix; no file is left behind then.

            Exit status: 0 when composed, 1 when refused, 2 when the store failed.
            """
    )

    @Argument(help: "The shipment id of a ship record.")
    var shipment: String
    @Option(name: .shortAndLong, help: "The output file (default: standard output).")
    var output: String?
    @Option(help: "Take the document options from this partner's profile (explicit options below win).")
    var partner: String?
    @OptionGroup var profileOptions: ProfileOptions
    @Option(help: "1.2-xml (default), 2.0-xml or 2.0-jsonld.")
    var format: String?
    @Option(help: "US_FDA_NDC (hyphenated, default) or FDA_NDC_11.")
    var ndc: String?
    @Option(help: "SBDH identifiers: GS1 (SGLN URN, default), SGLN or GLN.")
    var sbdh: String?
    @Option(help: "urn (default) or digital-link.")
    var identifiers: IdentifierArgument?
    @Flag(help: "Say in the header that the events carry the transaction history (legacy partners).")
    var transactionHistory = false
    @Option(help: "The directory of the EPCIS schemas (default: the ones installed with epcis-gateway; \(SchemaDirectory.variable) overrides).")
    var schemas: String?
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        var options = ComposeOptions()
        if let partner { options = ComposeOptions(partner: try profileOptions.profile(partner)) }
        if let format {
            guard let value = ComposeOptions.Format(rawValue: format) else { throw ValidationError("--format is 1.2-xml, 2.0-xml or 2.0-jsonld") }
            options.format = value
        }
        if let ndc {
            guard let value = ComposeOptions.NDCCodeType(rawValue: ndc) else { throw ValidationError("--ndc is US_FDA_NDC or FDA_NDC_11") }
            options.ndcCodeType = value
        }
        if let sbdh {
            guard let value = ComposeOptions.SBDHIdentifier(rawValue: sbdh) else { throw ValidationError("--sbdh is GS1, SGLN or GLN") }
            options.sbdhIdentifier = value
        }
        if let identifiers { options.identifiers = identifiers.form }
        if transactionHistory { options.transactionHistory = true }
        let loadedSchemas = try loadSchemas(schemas)
        try await storeOptions.withStore { store in
            let target = output ?? FileManager.default.temporaryDirectory.appendingPathComponent("compose-\(UUID().uuidString)").path
            do {
                let report = try await ShipmentComposer(store: store, options: options).compose(
                    shipment: shipment, to: target, schemas: loadedSchemas)
                if output == nil {
                    FileHandle.standardOutput.write(try Data(contentsOf: URL(fileURLWithPath: target)))
                    try? FileManager.default.removeItem(atPath: target)
                } else {
                    printError(
                        "composed \(shipment): \(report.events) events, \(report.serials) units, \(report.bytes) bytes, document \(report.documentID) → \(target)"
                    )
                }
            } catch let rejected as ComposeRejected {
                printError(rejected.description)
                throw ExitCode(1)
            } catch let error as StoreError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
    }
}

/// `epcis-gateway serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: its HTTP API (POST /api/v1/records, GET /health) and the delivery dispatcher.",
        discussion: """
            Refuses to start when a partner profile has errors. Profiles are read again every few
            seconds; a change with errors keeps the last good profiles and says so.
            Stops gracefully on SIGINT or SIGTERM: requests and delivery attempts in flight finish
            first.
            """
    )

    @Option(help: "The address to listen on (default 127.0.0.1).")
    var host: String?
    @Option(help: "The port to listen on (default 8080).")
    var port: Int?
    @OptionGroup var gatewayOptions: GatewayOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var profileOptions: ProfileOptions
    @OptionGroup var dispatcherOptions: DispatcherOptions

    func run() async throws {
        var configuration = try gatewayOptions.configuration(store: storeOptions, profiles: profileOptions, dispatcher: dispatcherOptions)
        if let host { configuration.http?.host = host }
        if let port { configuration.http?.port = port }
        try await guarded { try await Gateway(configuration: configuration).run() }
    }
}

/// A refused batch as JSON.
struct Refusal: Encodable {
    var batch: String
    var stored: Bool
    var issues: [RecordIssue]
}

func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
