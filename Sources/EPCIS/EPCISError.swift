public import GatewayCore

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
        /// The input is not well-formed XML or JSON, or is truncated.
        public static let malformed = Code("malformed")
        /// The input uses a construct refused for safety: a DTD, an entity, excessive nesting.
        public static let forbidden = Code("forbidden")
        /// The input is well-formed but is not an EPCIS document (wrong root or namespace).
        public static let notEPCIS = Code("not-epcis")
        /// A file could not be opened or read.
        public static let input = Code("input")

        public var description: String { value }
    }

    /// The error category.
    public var code: Code
    /// What is wrong and how to fix it.
    public var message: String
    /// The underlying error.
    public var cause: (any Error & Sendable)?
    /// Where in the input the problem is: `line:column` for XML, a JSON path or `line:column`
    /// for JSON; `nil` when the problem is not tied to a place.
    public var location: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, location: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.cause = cause
    }

    public var description: String {
        "[\(code)] " + (location.map { "at \($0): " } ?? "") + message + (cause.map { ". Cause: \($0)" } ?? "")
    }
    public static func == (lhs: EPCISError, rhs: EPCISError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension EPCISError {
    /// A JSON parse failure as a document failure, keeping its category and place.
    public init(_ error: JSONError) {
        self.init(error.code == .forbidden ? .forbidden : .malformed, error.message, location: error.location, cause: error)
    }
}
