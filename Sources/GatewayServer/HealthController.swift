internal import HTTPTypes
public import Hummingbird
internal import Logging
public import Store

/// `GET /health` (the process answers) and `GET /ready` (the store answers and the partner
/// profiles are loaded: the gateway can do its work).
public struct HealthController: Sendable {
    public let store: any GatewayStore
    /// How many partner profiles are loaded now.
    public let partnerCount: @Sendable () -> Int

    public init(store: any GatewayStore, partnerCount: @escaping @Sendable () -> Int) {
        self.store = store
        self.partnerCount = partnerCount
    }

    public func addRoutes(to router: Router<some RequestContext>) {
        router.get("/health") { _, _ in "ok" }
        router.get("/ready") { _, context in try await self.ready(context: context) }
    }

    struct Readiness: Encodable {
        var ready: Bool
        var store: String
        var partners: Int
    }

    func ready(context: some RequestContext) async throws -> Response {
        do {
            _ = try await store.queueCounts()
            return try JSONResponse.make(Readiness(ready: true, store: "ok", partners: partnerCount()), status: .ok)
        } catch {
            context.logger.warning("not ready: the store does not answer", metadata: ["error": "\(error)"])
            return try JSONResponse.make(Readiness(ready: false, store: "\(error)", partners: partnerCount()), status: .serviceUnavailable)
        }
    }
}
