import ArgumentParser

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
            VersionCommand.self, GS1Command.self, ConvertCommand.self, ValidateCommand.self, IngestCommand.self, ComposeCommand.self, PartnersCommand.self, QueueCommand.self,
            ServeCommand.self,
        ]
    )
}

/// The gateway's release version.
enum GatewayVersion {
    static let current = "0.1.0"
}
