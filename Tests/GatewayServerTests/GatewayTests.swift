import Foundation
import GatewayServer
import Partners
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The application type: one configuration, every part running under one service group.
@Suite struct GatewayTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func configuration(_ root: String, port: Int) throws -> GatewayConfiguration {
        let profiles = (root as NSString).appendingPathComponent("profiles")
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        return GatewayConfiguration(
            store: (root as NSString).appendingPathComponent("data/gateway.sqlite"), profiles: profiles,
            http: GatewayConfiguration.HTTP(host: "127.0.0.1", port: port), delivery: GatewayConfiguration.Delivery(idleWait: .milliseconds(50)))
    }

    static func get(_ url: String) async -> Int? {
        guard let url = URL(string: url) else { return nil }
        return ((try? await URLSession.shared.data(from: url))?.1 as? HTTPURLResponse)?.statusCode
    }

    @Test func theGatewayServesHealthAndReadinessAndStopsWhenCancelled() async throws {
        let root = try Self.directory()
        let port = Peers.freePort()
        let configuration = try Self.configuration(root, port: port)
        let gateway = Gateway(configuration: configuration, shutdownSignals: [])
        let running = Task { try await gateway.run() }
        var health: Int?
        for _ in 0..<100 {
            health = await Self.get("http://127.0.0.1:\(port)/health")
            if health != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(health == 200)
        #expect(await Self.get("http://127.0.0.1:\(port)/ready") == 200)
        // The data directory and the spool it made are this user's only.
        let data = (root as NSString).appendingPathComponent("data")
        #expect((try FileManager.default.attributesOfItem(atPath: data)[.posixPermissions] as? Int) == 0o700)
        #expect((try FileManager.default.attributesOfItem(atPath: data + "/spool")[.posixPermissions] as? Int) == 0o700)
        running.cancel()
        _ = await running.result
        #expect(await Self.get("http://127.0.0.1:\(port)/health") == nil, "the server still answers after the gateway stopped")
    }

    @Test func aProfileWithErrorsStopsTheGatewayBeforeAnythingStarts() async throws {
        let root = try Self.directory()
        let configuration = try Self.configuration(root, port: Peers.freePort())
        try "id: broken\nname: x\n".write(toFile: configuration.profiles + "/broken.yaml", atomically: true, encoding: .utf8)
        await #expect(throws: ProfilesRejected.self) { try await Gateway(configuration: configuration, shutdownSignals: []).run() }
        #expect(!FileManager.default.fileExists(atPath: root + "/data"), "nothing may be created when the gateway refuses to start")
    }

    @Test func theFileTheEnvironmentAndDefaultsCombineInThatOrder() throws {
        let root = try Self.directory()
        let file = root + "/gateway.yaml"
        try """
        store: /srv/gateway/store.sqlite
        profiles: /srv/gateway/partners
        http: { port: 9090, maxRequestBytes: 1048576, captureBasePath: /epcis }
        delivery: { leaseSeconds: 60, batch: 4, idleMilliseconds: 250 }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try GatewayConfiguration(file: file, environment: ["EPCIS_GATEWAY_PORT": "9191", "EPCIS_GATEWAY_DATA": "/srv/data"])
        #expect(configuration.store == "/srv/gateway/store.sqlite" && configuration.profiles == "/srv/gateway/partners")
        #expect(configuration.http?.port == 9191, "the environment wins over the file")
        #expect(configuration.http?.host == "127.0.0.1" && configuration.http?.maximumRequestBytes == 1_048_576)
        #expect(configuration.http?.captureBasePath == "/epcis")
        #expect(
            configuration.delivery.lease == .seconds(60) && configuration.delivery.batch == 4 && configuration.delivery.idleWait == .milliseconds(250)
        )
        #expect(configuration.spoolDirectory == "/srv/data/spool")
        #expect(GatewayConfiguration(store: "postgres://u@h/db").resolvedDataDirectory == "data")
        #expect(GatewayConfiguration(store: "/var/lib/gw/gateway.sqlite").spoolDirectory == "/var/lib/gw/spool")
    }

    @Test func aMistypedKeyOrABadValueIsRefusedWithItsPlace() throws {
        let root = try Self.directory()
        let file = root + "/gateway.yaml"
        try "store: a.sqlite\nhttp:\n  prot: 9090\n".write(toFile: file, atomically: true, encoding: .utf8)
        let unknown = #expect(throws: ConfigurationError.self) { try GatewayConfiguration(file: file, environment: [:]) }
        #expect(
            unknown?.code == .unknownKey && unknown?.place == "\(file):3 http.prot" && unknown?.fix.contains("port") == true,
            "\(String(describing: unknown))")
        try "delivery: { batch: lots }\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = #expect(throws: ConfigurationError.self) { try GatewayConfiguration(file: file, environment: [:]) }
        #expect(bad?.code == .invalidValue && bad?.description.contains("'lots'") == true)
        let port = #expect(throws: ConfigurationError.self) { try GatewayConfiguration(file: nil, environment: ["EPCIS_GATEWAY_PORT": "http"]) }
        #expect(port?.place == "EPCIS_GATEWAY_PORT")
        try "http: { captureBasePath: epcis/ }\n".write(toFile: file, atomically: true, encoding: .utf8)
        let base = #expect(throws: ConfigurationError.self) { try GatewayConfiguration(file: file, environment: [:]) }
        #expect(base?.code == .invalidValue && base?.fix.contains("starts with /") == true, "\(String(describing: base))")
    }
}
