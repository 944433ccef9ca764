import ArgumentParser
import EPCIS
import GatewayCore
import Transports

/// `epcis-gateway version`: the gateway's version and the C libraries it runs on.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the gateway version and the versions of the system libraries it uses."
    )

    func run() {
        print("epcis-gateway \(GatewayVersion.current)")
        print("libxml2 \(XMLLibrary.version)")
        print("libcurl \(NativeLibraries.curl)")
        print("\(NativeLibraries.openSSL)")
        print("libssh2 \(NativeLibraries.libssh2)")
    }
}
