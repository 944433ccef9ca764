/// The brute-force guard of LMS 1.1 §1.5 for one requestor: after `failures` `No_match_*`
/// answers within `window`, every request is refused with 403 for `coolDown`.
///
/// Pure: the caller passes the time. Memory is bounded by `failures` timestamps.
public struct RequestorCoolDown: Hashable, Sendable {
    public struct Limits: Hashable, Sendable {
        public var failures: Int
        public var windowMilliseconds: Int64
        public var coolDownMilliseconds: Int64

        /// 20 misses in 5 minutes lock a requestor out for 15 minutes.
        public init(failures: Int = 20, windowMilliseconds: Int64 = 300_000, coolDownMilliseconds: Int64 = 900_000) {
            self.failures = max(1, failures)
            self.windowMilliseconds = windowMilliseconds
            self.coolDownMilliseconds = coolDownMilliseconds
        }
    }

    public let limits: Limits
    private var misses: [Int64] = []
    /// Refused until this instant (milliseconds since 1970).
    public private(set) var blockedUntil: Int64?

    public init(limits: Limits) { self.limits = limits }

    /// Whether the requestor is cooling down at `now`.
    public func isBlocked(at now: Int64) -> Bool { blockedUntil.map { now < $0 } ?? false }

    /// Records a `No_match_*` answer; true when it starts a cool-down.
    public mutating func recordMiss(at now: Int64) -> Bool {
        misses.removeAll { $0 <= now - limits.windowMilliseconds }
        misses.append(now)
        guard misses.count >= limits.failures else { return false }
        misses.removeAll()
        blockedUntil = now + limits.coolDownMilliseconds
        return true
    }
}
