/// The GS1 82-character set (GS1 General Specifications, figure 7.11-1) that serials (AI 21),
/// lots (AI 10) and GLN extensions (AI 254) are drawn from:
/// `! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z`.
public enum GS1CharacterSet {
    /// True when `byte` is an ASCII character of the 82-character set.
    @inline(__always)
    public static func contains(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x22, 0x25...0x3F, 0x41...0x5A, 0x5F, 0x61...0x7A: return true
        default: return false
        }
    }

    /// A human-readable list of the set, for error hints.
    public static let summary = "letters A-Z a-z, digits 0-9 and ! \" % & ' ( ) * + , - . / : ; < = > ? _"

    /// Validates a variable-length alphanumeric field.
    ///
    /// - Parameters:
    ///   - text: the decoded value.
    ///   - name: the field's name, for example `serial (AI 21)`.
    ///   - maxLength: the most characters allowed.
    /// - Throws: ``GS1Error`` with `emptyValue`, `characterOutsideSet` (naming the first bad
    ///   character and its position) or `valueTooLong`.
    public static func validate(_ text: String, name: String, maxLength: Int) throws {
        if text.isEmpty {
            throw GS1Error(.emptyValue, "\(name) is empty", input: text, expected: "1 to \(maxLength) characters: \(summary)")
        }
        var offset = 0
        for scalar in text.unicodeScalars {
            if !(scalar.isASCII && contains(UInt8(scalar.value))) {
                throw GS1Error(
                    .characterOutsideSet,
                    "\(name) contains \(Digits.describe(scalar)), which is outside the GS1 82-character set",
                    input: text, offset: offset, expected: "only \(summary)")
            }
            offset += 1
        }
        if offset > maxLength {
            throw GS1Error(
                .valueTooLong, "\(name) has \(offset) characters; at most \(maxLength) are allowed",
                input: text, offset: maxLength, expected: "1 to \(maxLength) characters")
        }
    }
}

/// A serial number (AI 21): 1 to 20 characters of the GS1 82-character set, case-sensitive,
/// leading zeros significant.
public struct SerialNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The serial exactly as printed (not escaped).
    public let value: String

    /// Validates a serial number.
    ///
    /// - Throws: ``GS1Error`` (`emptyValue`, `characterOutsideSet`, `valueTooLong`).
    public init(_ value: String) throws {
        try GS1CharacterSet.validate(value, name: "serial number (AI 21)", maxLength: 20)
        self.value = value
    }

    public var description: String { value }
    public static func < (lhs: SerialNumber, rhs: SerialNumber) -> Bool { lhs.value < rhs.value }
}

/// A batch or lot number (AI 10): 1 to 20 characters of the GS1 82-character set.
public struct LotNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The lot exactly as printed (not escaped).
    public let value: String

    /// Validates a lot number.
    ///
    /// - Throws: ``GS1Error`` (`emptyValue`, `characterOutsideSet`, `valueTooLong`).
    public init(_ value: String) throws {
        try GS1CharacterSet.validate(value, name: "lot number (AI 10)", maxLength: 20)
        self.value = value
    }

    public var description: String { value }
    public static func < (lhs: LotNumber, rhs: LotNumber) -> Bool { lhs.value < rhs.value }
}
