public import GatewayCore

/// A MIME entity or an MDN cannot be read; the message says what and where.
///
/// Equality compares the ``code`` only.
public struct MIMEError: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<MIMEError>

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension ErrorCode where Domain == MIMEError {
    /// A header line is not `Name: value`.
    public static let malformedHeader = Self("malformed-header")
    /// The entity has no blank line between its headers and its body.
    public static let noBody = Self("no-header-end")
    /// A multipart body lacks its boundary, a delimiter or its closing delimiter.
    public static let badMultipart = Self("bad-multipart")
    /// The entity is not of a type the step expects.
    public static let unexpectedType = Self("unexpected-type")
    /// Deeper nesting or more parts than any AS2 message has.
    public static let tooComplex = Self("too-complex")
    /// A required field is missing.
    public static let missingField = Self("missing-field")
}
