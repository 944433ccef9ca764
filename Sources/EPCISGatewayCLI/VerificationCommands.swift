import ArgumentParser
import Foundation
import Store

/// `epcis-gateway verify log`: the responder's audit log.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Read the verification (VRS) audit log: every query, who asked, the answer and its latency.",
        subcommands: [Log.self])

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List logged verification queries, newest first.")
        @Option(help: "Only this requestor GLN's.")
        var requestor: String?
        @Option(help: "Only this GTIN's (14 digits).")
        var gtin: String?
        @Option(help: "Only from this instant on (ISO 8601, for example 2026-12-01T00:00:00Z).")
        var since: String?
        @Option(help: "At most this many.")
        var limit = 100
        @Flag(help: "Print JSON.")
        var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            var from: Int64?
            if let since {
                guard let date = ISO8601DateFormatter().date(from: since) else {
                    printError("error: --since '\(since)' is not an ISO 8601 instant; write it like 2026-12-01T00:00:00Z")
                    throw ExitCode(64)
                }
                from = Int64(date.timeIntervalSince1970 * 1_000)
            }
            try await storeOptions.withStore { store in
                let entries = try await guarded {
                    try await store.verificationLog(VerificationLogFilter(requestor: requestor, gtin: gtin, since: from, limit: limit))
                }
                if json {
                    print(try encodeJSON(entries))
                    return
                }
                print("AT                    KIND   STATUS REQUESTOR      PARTNER        GTIN           LOT        SERIAL               ANSWER")
                for entry in entries {
                    let answer =
                        entry.verified.map { verified in
                            (verified ? "true" : "false \(entry.failureReason ?? "")") + (entry.additionalInfo.map { " \($0)" } ?? "")
                        } ?? (entry.problem ?? "")
                    print(
                        [
                            DeliveryView.time(entry.at).padding(toLength: 21, withPad: " ", startingAt: 0),
                            (entry.kind == "verify" ? "verify" : "conn").padding(toLength: 6, withPad: " ", startingAt: 0),
                            String(entry.status).padding(toLength: 6, withPad: " ", startingAt: 0),
                            (entry.requestor ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0),
                            (entry.partner ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0),
                            (entry.gtin ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0),
                            (entry.lot ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0),
                            (entry.serial ?? "-").padding(toLength: 20, withPad: " ", startingAt: 0), answer,
                        ].joined(separator: " "))
                }
            }
        }
    }
}

/// `epcis-gateway quarantine list|close`: suspect and illegitimate product, locked against
/// shipping until an operator closes the quarantine with a reason.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "List the quarantines suspect and illegitimate statuses opened, and close them with a reason.",
        subcommands: [List.self, Close.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open quarantines (oldest first).")
        @Flag(help: "Closed ones too.")
        var all = false
        @Flag(help: "Print JSON.")
        var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await storeOptions.withStore { store in
                let rows = try await guarded { try await store.quarantines(includeClosed: all) }
                if json {
                    print(try encodeJSON(rows))
                    return
                }
                print("ID                          STATUS        SINCE                     SCOPE")
                for row in rows {
                    let closed = row.closedAt.map { " — closed \(DeliveryView.time($0)) by \(row.closedBy ?? "?"): \(row.closeReason ?? "")" } ?? ""
                    print(
                        [
                            "\(row.recordID)#\(row.position)".padding(toLength: 27, withPad: " ", startingAt: 0),
                            row.status.padding(toLength: 13, withPad: " ", startingAt: 0), row.utc.padding(toLength: 25, withPad: " ", startingAt: 0),
                            row.scope + (row.reason.map { " (\($0))" } ?? "") + closed,
                        ].joined(separator: " "))
                }
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close one quarantine; its units may ship again.")
        @Argument(help: "The quarantine, RECORD#POSITION as `quarantine list` shows it.")
        var id: String
        @Option(help: "Why it is closed (kept with the closure).")
        var reason: String
        @Option(help: "Who closes it (default: this user).")
        var by: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            guard let hash = id.lastIndex(of: "#"), let position = Int(id[id.index(after: hash)...]) else {
                printError("error: '\(id)' is not RECORD#POSITION; `quarantine list` shows the ids")
                throw ExitCode(64)
            }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                printError("error: --reason is empty; say why the quarantine ends (it is kept as evidence)")
                throw ExitCode(64)
            }
            try await storeOptions.withStore { store in
                let row = try await guarded {
                    try await store.closeQuarantine(
                        recordID: String(id[..<hash]), position: position, reason: reason, by: by, at: Int64(Date().timeIntervalSince1970 * 1_000))
                }
                print("closed \(row.recordID)#\(row.position) (\(row.status), \(row.scope)): \(reason)")
            }
        }
    }
}
