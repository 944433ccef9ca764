/// The opaque, stable code of one kind of error: compared, hashed and printed as its text.
///
/// Codes are made inside the package only (each error type lists its own as static members
/// of `ErrorCode<ItsType>`), so a caller can match on them but never invent one.
public struct ErrorCode<Domain>: Hashable, Sendable, CustomStringConvertible {
    private let value: String
    package init(_ value: String) { self.value = value }
    public var description: String { value }
}

/// An error struct with an opaque code, as every error of the gateway is: two errors are
/// equal when their codes are, so callers and tests match on the code alone.
public protocol CodedError: Error, Hashable, Sendable, CustomStringConvertible {
    associatedtype Domain
    var code: ErrorCode<Domain> { get }
}

extension CodedError {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
