// MARK: - GTIN

/// A Global Trade Item Number, always held in its 14-digit form.
///
/// GTIN-8, GTIN-12 (UPC-A) and GTIN-13 are accepted and left-padded with zeros, which keeps the
/// check digit valid (GS1 General Specifications §3.3.2).
public struct GTIN: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 14 digits, check digit last.
    public let value: String

    /// Validates a GTIN of 8, 12, 13 or 14 digits and normalises it to 14.
    ///
    /// - Throws: ``GS1Error`` (`emptyValue`, `nonDigit`, `invalidLength`, `invalidCheckDigit`).
    public init(_ text: String) throws {
        try Digits.require(text, name: "GTIN", lengths: [8, 12, 13, 14], form: GTIN.form)
        try GS1CheckDigit.verify(text, name: "GTIN")
        value = String(repeating: "0", count: 14 - text.utf8.count) + text
    }

    /// Builds a GTIN-14 from its 13 data digits (indicator, company prefix, item reference) and
    /// computes the check digit.
    ///
    /// - Throws: ``GS1Error`` when `payload` is not 13 digits.
    public init(payload: String) throws {
        try Digits.require(payload, name: "GTIN data digits", lengths: [13], form: "13 digits without the check digit")
        value = payload + String(GS1CheckDigit.compute(for: payload))
    }

    /// The packaging indicator digit (first of the 14).
    public var indicator: Character { value.first! }
    /// The 13 digits before the check digit.
    public var payload: Substring { value.dropLast() }
    /// True when the GTIN encodes a US NDC (`03` after the indicator, GS1 US guideline).
    public var isNDCBased: Bool { value.utf8.dropFirst().starts(with: "03".utf8) }

    public var description: String { value }
    public static func < (lhs: GTIN, rhs: GTIN) -> Bool { lhs.value < rhs.value }

    static let form = "8, 12, 13 or 14 digits with a valid GS1 check digit, for example 00300010123455"
}

// MARK: - GLN

/// A Global Location Number: 13 digits, check digit last. Used for locations (AI 414) and
/// parties (AI 417).
public struct GLN: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 13 digits.
    public let value: String

    /// Validates a 13-digit GLN.
    ///
    /// - Throws: ``GS1Error`` (`emptyValue`, `nonDigit`, `invalidLength`, `invalidCheckDigit`).
    public init(_ text: String) throws {
        try Digits.require(text, name: "GLN", lengths: [13], form: GLN.form)
        try GS1CheckDigit.verify(text, name: "GLN")
        value = text
    }

    /// Builds a GLN from its 12 data digits and computes the check digit.
    public init(payload: String) throws {
        try Digits.require(payload, name: "GLN data digits", lengths: [12], form: "12 digits without the check digit")
        value = payload + String(GS1CheckDigit.compute(for: payload))
    }

    public var description: String { value }
    public static func < (lhs: GLN, rhs: GLN) -> Bool { lhs.value < rhs.value }

    static let form = "13 digits with a valid GS1 check digit, for example 0300011111116"
}

// MARK: - SSCC

/// A Serial Shipping Container Code: 18 digits (extension digit, company prefix, serial
/// reference, check digit).
public struct SSCC: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 18 digits.
    public let value: String

    /// Validates an 18-digit SSCC.
    ///
    /// - Throws: ``GS1Error`` (`emptyValue`, `nonDigit`, `invalidLength`, `invalidCheckDigit`).
    public init(_ text: String) throws {
        try Digits.require(text, name: "SSCC", lengths: [18], form: SSCC.form)
        try GS1CheckDigit.verify(text, name: "SSCC")
        value = text
    }

    /// Builds an SSCC from its 17 data digits and computes the check digit.
    public init(payload: String) throws {
        try Digits.require(payload, name: "SSCC data digits", lengths: [17], form: "17 digits without the check digit")
        value = payload + String(GS1CheckDigit.compute(for: payload))
    }

    /// The extension digit (first of the 18).
    public var extensionDigit: Character { value.first! }
    public var description: String { value }
    public static func < (lhs: SSCC, rhs: SSCC) -> Bool { lhs.value < rhs.value }

    static let form = "18 digits with a valid GS1 check digit, for example 403000112345678901"
}

// MARK: - Company prefix length

/// The length of a GS1 Company Prefix, 6 to 12 digits.
///
/// It cannot be read from a GTIN, GLN or SSCC: it comes from product or party master data, from
/// the dot in an EPC URI, or from an explicit argument, and this module never guesses it.
public enum CompanyPrefix {
    /// The lengths GS1 assigns.
    public static let allowedLengths = 6...12

    /// Throws unless `length` is 6…12.
    public static func validate(_ length: Int) throws {
        guard allowedLengths.contains(length) else {
            throw GS1Error(
                .invalidCompanyPrefixLength, "GS1 Company Prefix length \(length) is outside 6…12",
                input: String(length),
                expected: "the length from product or party master data, 6 to 12 (NDC-based GTINs: 6 for a 4-digit labeler, 7 for a 5-digit one)")
        }
    }
}
