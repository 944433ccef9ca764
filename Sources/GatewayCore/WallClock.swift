internal import Foundation

/// Wall time in milliseconds since 1970 (UTC): what the gateway stores, schedules by and
/// compares. Injected wherever time matters, so tests move it by hand.
public protocol WallClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func now() -> Int64
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
