import ArgumentParser
import Foundation
import Store
import Transports
import Verification

/// `epcis-gateway verify log`: the responder's audit log.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Read the verification (VRS) audit log: every query, who asked, the answer and its latency.",
        subcommands: [Log.self, Ask.self])

    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a correct verification request to a responder (a partner's, or ours) and say what is wrong with its answer.",
            discussion: """
                Example: epcis-gateway verify ask https://vrs.example/vrs --gtin 00300010123455 --lot A1 --ser S1 --exp 300615 \
                  --req-gln 0614141000012 --header-env X-API-Key=ACME_VRS_KEY
                Exit status: 0 when the answer follows the standard, 1 when it does not, 2 when there was no answer.
                """)
        @Argument(help: "The responder's base URL (the part before /verify or /checkConnectivity).")
        var url: String
        @Option(help: "The GTIN (8, 12, 13 or 14 digits).")
        var gtin: String
        @Option(help: "The lot, as printed.")
        var lot: String?
        @Option(help: "The serial, as printed.")
        var ser: String?
        @Option(help: "The printed expiry, YYMMDD.")
        var exp: String?
        @Option(name: .customLong("req-gln"), help: "Our GLN, as the requestor.")
        var reqGLN: String
        @Option(name: .customLong("corr-uuid"), help: "The correlation UUID (default: a new random one).")
        var corrUUID: String?
        @Flag(help: "Send checkConnectivity instead of verify.")
        var connectivity = false
        @Option(
            name: .customLong("header-env"),
            help: "NAME=VARIABLE: send header NAME with the value of environment variable VARIABLE (keeps secrets off the command line).")
        var headerEnv: [String] = []
        @Option(help: "A header to send, \"Name: value\" (not for secrets; use --header-env).")
        var header: [String] = []
        @Option(name: .customLong("ca-file"), help: "CA bundle for the responder's TLS certificate.")
        var caFile: String?
        @Option(name: .customLong("client-cert"), help: "Our TLS client certificate (PEM), for mutual TLS.")
        var clientCertificate: String?
        @Option(name: .customLong("client-key"), help: "Its private key (PEM).")
        var clientKey: String?

        func run() async throws {
            var headers: [(String, String)] = []
            for item in header {
                guard let colon = item.firstIndex(of: ":") else {
                    printError("error: --header '\(item)' is not \"Name: value\"")
                    throw ExitCode(64)
                }
                headers.append((String(item[..<colon]), item[item.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            for item in headerEnv {
                guard let equals = item.firstIndex(of: "="),
                    let value = ProcessInfo.processInfo.environment[String(item[item.index(after: equals)...])],
                    !value.isEmpty
                else {
                    printError("error: --header-env '\(item)' is not NAME=VARIABLE with VARIABLE set and not empty")
                    throw ExitCode(64)
                }
                headers.append((String(item[..<equals]), value))
            }
            let client = VerificationClient(headers: headers, caFile: caFile, clientCertificate: clientCertificate, clientKey: clientKey)
            let correlation = corrUUID ?? UUID().uuidString.lowercased()
            let exchange: VerificationClient.Exchange
            do {
                if connectivity {
                    try check(
                        ConnectivityRequest.parse(
                            query:
                                "gtin=\(VerificationClient.encode(gtin))&reqGLN=\(VerificationClient.encode(reqGLN))&linkType=verificationService&context=dscsaSaleableReturn"[
                                    ...]))
                    exchange = try await client.checkConnectivity(base: url, gtin: gtin, requestor: reqGLN)
                } else {
                    guard let lot, let ser, let exp else {
                        printError("error: verify needs --lot, --ser and --exp (or give --connectivity)")
                        throw ExitCode(64)
                    }
                    let path =
                        "/verify/gtin/\(VerificationClient.encode(gtin))/lot/\(VerificationClient.encode(lot))/ser/\(VerificationClient.encode(ser))"
                    let query =
                        "exp=\(VerificationClient.encode(exp))&linkType=verificationService&context=dscsaSaleableReturn&reqGLN=\(VerificationClient.encode(reqGLN))&corrUUID=\(VerificationClient.encode(correlation))"
                    try check(
                        VerificationRequest.parse(
                            path: path[...], query: query[...], referenceYear: Calendar(identifier: .gregorian).component(.year, from: Date())))
                    exchange = try await client.verify(
                        base: url, gtin: gtin, lot: lot, serial: ser, expiry: exp, requestor: reqGLN, correlationID: correlation)
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("error: no answer from \(url): \(error)")
                throw ExitCode(2)
            }
            print("GET \(exchange.url)")
            print("HTTP \(exchange.status)\(exchange.headers["x-verification-problem"].map { " (\($0))" } ?? "")")
            if !exchange.body.isEmpty { print(String(decoding: exchange.body, as: UTF8.self)) }
            let findings = VerificationResponseCheck.findings(
                status: exchange.status, headers: exchange.headers, body: exchange.body, correlationID: connectivity ? nil : correlation)
            if findings.isEmpty {
                print("the answer follows the standard")
                return
            }
            for finding in findings { print("WRONG: \(finding)") }
            throw ExitCode(1)
        }

        /// Our own request checks first: a request we would refuse is not sent.
        private func check<T>(_ result: Result<T, VerificationRejection>) throws {
            if case .failure(let rejection) = result {
                printError("error: the request would be refused: \(rejection)")
                throw ExitCode(64)
            }
        }
    }

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
