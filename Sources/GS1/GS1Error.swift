/// An identifier, barcode text, EPC URI or Digital Link that the GS1 module refused.
///
/// Every error says **what** is wrong (``code`` and ``message``), **where** (``input`` and,
/// when it makes sense, the zero-based character ``offset``), and **how to fix it**
/// (``expected``, the form the value must take). Equality compares the ``code`` only, so a test
/// can write `#expect(throws: GS1Error.invalidCheckDigit)`.
public struct GS1Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case invalidCheckDigit = "invalid-check-digit"
            case invalidLength = "invalid-length"
            case nonDigit = "non-digit"
            case characterOutsideSet = "character-outside-gs1-set"
            case valueTooLong = "value-too-long"
            case emptyValue = "empty-value"
            case invalidDate = "invalid-date"
            case missingSeparator = "missing-gs-separator"
            case truncatedElement = "truncated-element"
            case unknownApplicationIdentifier = "unknown-application-identifier"
            case duplicateApplicationIdentifier = "duplicate-application-identifier"
            case invalidCompanyPrefixLength = "invalid-company-prefix-length"
            case invalidEPCURI = "invalid-epc-uri"
            case invalidEscape = "invalid-escape"
            case invalidDigitalLink = "invalid-digital-link"
            case invalidNDC = "invalid-ndc"
            case ambiguousNDC = "ambiguous-ndc"
            case unsupportedSymbology = "unsupported-symbology"
            case missingElement = "missing-element"
            case unrecognizedInput = "unrecognized-input"
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The check digit does not match the mod-10 check digit of the other digits.
        public static let invalidCheckDigit = Code(.invalidCheckDigit)
        /// The value has a length that its identifier type does not allow.
        public static let invalidLength = Code(.invalidLength)
        /// A numeric field holds something other than the digits 0–9.
        public static let nonDigit = Code(.nonDigit)
        /// A serial, lot or extension holds a character outside the GS1 82-character set.
        public static let characterOutsideSet = Code(.characterOutsideSet)
        /// A variable-length value (serial, lot, extension) is longer than its maximum.
        public static let valueTooLong = Code(.valueTooLong)
        /// A value that must not be empty is empty.
        public static let emptyValue = Code(.emptyValue)
        /// A YYMMDD date has an impossible month or day.
        public static let invalidDate = Code(.invalidDate)
        /// A variable-length element is followed by another element without a GS (FNC1) separator.
        public static let missingSeparator = Code(.missingSeparator)
        /// An element string ends in the middle of an application identifier or a fixed-length value.
        public static let truncatedElement = Code(.truncatedElement)
        /// The application identifier is not one this gateway understands.
        public static let unknownApplicationIdentifier = Code(.unknownApplicationIdentifier)
        /// The same application identifier appears twice with different values.
        public static let duplicateApplicationIdentifier = Code(.duplicateApplicationIdentifier)
        /// The GS1 Company Prefix length is outside 6…12 or does not fit the identifier.
        public static let invalidCompanyPrefixLength = Code(.invalidCompanyPrefixLength)
        /// An EPC pure-identity or class URI is malformed.
        public static let invalidEPCURI = Code(.invalidEPCURI)
        /// A percent-escape is malformed or not one the EPC Tag Data Standard allows.
        public static let invalidEscape = Code(.invalidEscape)
        /// A GS1 Digital Link URI is malformed.
        public static let invalidDigitalLink = Code(.invalidDigitalLink)
        /// An NDC is malformed.
        public static let invalidNDC = Code(.invalidNDC)
        /// An NDC cannot be determined without the stored hyphenation.
        public static let ambiguousNDC = Code(.ambiguousNDC)
        /// The symbology identifier is not a GS1 one.
        public static let unsupportedSymbology = Code(.unsupportedSymbology)
        /// A required element (for example the GTIN for a serial) is missing.
        public static let missingElement = Code(.missingElement)
        /// The text is none of the forms the parser knows.
        public static let unrecognizedInput = Code(.unrecognizedInput)

        /// The stable code text, for example `invalid-check-digit`.
        public var description: String { value.rawValue }
    }

    /// The error category.
    public var code: Code
    /// A sentence saying what is wrong.
    public var message: String
    /// The text that was refused (a whole input or one field of it).
    public var input: String?
    /// The zero-based character offset in ``input`` where the problem starts, if known.
    public var offset: Int?
    /// The form the value must take, as a hint for fixing it.
    public var expected: String?
    /// The underlying error, when this one wraps another.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, input: String? = nil, offset: Int? = nil, expected: String? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.input = input
        self.offset = offset
        self.expected = expected
        self.cause = cause
    }

    /// One readable paragraph: message, where, and the expected form.
    public var description: String {
        var text = "[\(code)] \(message)"
        if let input {
            text += " (in \"\(GS1Error.printable(input))\""
            if let offset { text += " at character \(offset + 1)" }
            text += ")"
        }
        if let expected { text += ". Expected: \(expected)" }
        if let cause { text += ". Cause: \(cause)" }
        return text
    }

    public static func == (lhs: GS1Error, rhs: GS1Error) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Returns this error with its offset shifted and its input replaced, for errors found
    /// in a field that sits inside a larger input.
    func located(in whole: String, at fieldOffset: Int) -> GS1Error {
        var copy = self
        copy.input = whole
        copy.offset = fieldOffset + (offset ?? 0)
        return copy
    }

    /// Returns this error placed in a larger input: an error already about `whole` is kept; one
    /// about a field is moved to the first place the field's text occurs.
    func placed(in whole: String) -> GS1Error {
        guard input != whole else { return self }
        if let field = input, !field.isEmpty, let start = GS1Error.firstOffset(of: field, in: whole) {
            return located(in: whole, at: start)
        }
        var copy = self
        copy.input = whole
        copy.offset = nil
        return copy
    }

    /// The scalar offset of the first occurrence of `field` in `whole`.
    static func firstOffset(of field: String, in whole: String) -> Int? {
        let needle = Array(field.unicodeScalars), haystack = Array(whole.unicodeScalars)
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// Makes control characters such as GS (ASCII 29) visible in messages.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 29: out += "<GS>"
            case 0..<32, 127: out += "<0x\(String(scalar.value, radix: 16, uppercase: true))>"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
