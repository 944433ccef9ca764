internal import Logging
internal import ServiceLifecycle
internal import Store

/// Checkpoints the store's write-ahead log every `interval`, off every request's path (see
/// `SQLiteStore.checkpoint()`); a no-op on PostgreSQL.
struct StoreCheckpoints: Service {
    let store: any GatewayStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await store.checkpoint() } catch {
                logger.warning("the store's WAL checkpoint failed; SQLite checkpoints on its own meanwhile", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
