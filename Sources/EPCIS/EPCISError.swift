/// A document that could not be written, read or validated.
///
/// Equality compares the ``code`` only, so tests can match on it.
public struct EPCISError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let value: String
        private init(_ value: String) { self.value = value }

        /// The model holds a field the target format cannot carry.
        public static let notExpressible = Code("not-expressible")
        /// The model breaks a rule of EPCIS (a missing required field, a field on the wrong type).
        public static let invalidEvent = Code("invalid-event")
        /// The writer was used out of order (an event after `finish`, for example).
        public static let writerState = Code("writer-state")
        /// The byte sink failed.
        public static let output = Code("output")

        public var description: String { value }
    }

    /// The error category.
    public var code: Code
    /// What is wrong and how to fix it.
    public var message: String
    /// The underlying error.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "[\(code)] \(message)" + (cause.map { ". Cause: \($0)" } ?? "") }
    public static func == (lhs: EPCISError, rhs: EPCISError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
