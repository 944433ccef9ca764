import ArgumentParser
import Delivery
import Foundation
import GatewayServer
import Partners
import Store
import Transports

/// `--config FILE` and how a long-running command turns its flags into a
/// ``GatewayConfiguration``: defaults, then the file, then the environment, then the flags.
struct GatewayOptions: ParsableArguments {
    @Option(help: "The gateway's configuration file (YAML; see `GatewayConfiguration` for the keys). Flags win over it, and the environment over it.")
    var config: String?

    func configuration(store: StoreOptions, profiles: ProfileOptions, dispatcher: DispatcherOptions) throws -> GatewayConfiguration {
        var configuration: GatewayConfiguration
        do { configuration = try GatewayConfiguration(file: config, environment: ProcessInfo.processInfo.environment) } catch let error
            as ConfigurationError
        {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if let location = store.store { configuration.store = location }
        if let data = store.data { configuration.dataDirectory = data }
        if let directory = profiles.profiles { configuration.profiles = directory }
        if let spool = dispatcher.spool { configuration.delivery.spoolDirectory = spool }
        return configuration
    }
}

/// Runs `body`, printing why it stopped: a refusal (a queue rule, a delivery that exists)
/// exits 1; a gateway that cannot start (profiles with errors) or a failing store exits 2.
func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let refused as QueueRefused {
        printError("error: \(refused)")
        throw ExitCode(1)
    } catch let exists as DeliveryExists {
        printError("error: \(exists)")
        throw ExitCode(1)
    } catch let unusable as TransportConfigurationError {
        // A partner's keys or certificates cannot be used: nothing was queued.
        printError("error: \(unusable); nothing was queued")
        throw ExitCode(1)
    } catch let failed as CMSError {
        printError("error: \(failed); nothing was queued")
        throw ExitCode(1)
    } catch let rejected as ProfilesRejected {
        printError("error: \(rejected)")
        throw ExitCode(2)
    } catch let error as StoreError {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}
