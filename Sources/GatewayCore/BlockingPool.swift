public import NIOPosix

/// The one thread pool every blocking C call runs on (libcurl transfers, libxml2 validation,
/// file copies), so none of them blocks Swift's cooperative pool.
///
/// Sized for the transfers a dispatcher runs at once: each libcurl transfer holds a thread for
/// as long as the partner takes to answer.
public enum BlockingPool {
    /// Threads in ``shared``.
    public static let threads = 16

    /// The process-wide pool, started on first use and never shut down.
    public static let shared: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        return pool
    }()

    /// Runs `body` on ``shared`` and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await shared.runIfActive(body)
    }
}
