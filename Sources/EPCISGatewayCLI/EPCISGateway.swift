import ArgumentParser
import Foundation
import GatewayCore
import Logging

/// The `epcis-gateway` command line.
@main
struct EPCISGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epcis-gateway",
        abstract: "Turns serialization records into EPCIS/DSCSA documents and delivers them to trading partners.",
        discussion: """
            Run `epcis-gateway <command> --help` for the options of one command.
            """,
        version: GatewayVersion.current,
        subcommands: [
            VersionCommand.self, GS1Command.self, ConvertCommand.self, ValidateCommand.self, IngestCommand.self, ComposeCommand.self,
            PartnersCommand.self, QueueCommand.self, InboundCommand.self, VerifyCommand.self, QuarantineCommand.self, TraceCommand.self,
            ReconcileCommand.self,
            ServeCommand.self,
        ]
    )

    /// Files are created for this user only; logs go to standard error at
    /// `$EPCIS_GATEWAY_LOG_LEVEL` (trace, debug, info — the default —, notice, warning, error,
    /// critical); then the command runs.
    static func main() async {
        // Everything this process writes (the store, the spool, composed documents) holds
        // partners' business data: readable by this user only, whatever the inherited umask.
        umask(0o077)
        let level = ProcessInfo.processInfo.environment["EPCIS_GATEWAY_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
