/// The GS1 mod-10 check digit shared by GTIN-8/12/13/14, GLN and SSCC.
///
/// From the right, data digits (the check digit excluded) are weighted 3, 1, 3, 1, …;
/// the check digit brings the weighted sum up to the next multiple of ten.
public enum GS1CheckDigit {
    /// Computes the check digit for ASCII data digits.
    ///
    /// - Parameter payload: the digits that precede the check digit. Must be ASCII `0`–`9`.
    /// - Returns: the check digit as an ASCII digit character.
    public static func compute(for payload: some StringProtocol) -> Character {
        Character(Unicode.Scalar(compute(digits: payload.utf8)))
    }

    /// The same on bytes, for callers that build identifiers byte by byte (event hashing).
    ///
    /// - Parameter digits: ASCII `0`–`9` bytes of the payload.
    /// - Returns: the check digit as an ASCII byte.
    @inlinable  // specialised at the call site: event hashing calls it per identifier
    public static func compute(digits: some Collection<UInt8>) -> UInt8 {
        var sum = 0
        // Weight 3 falls on the last data digit and every second one before it.
        var weightThree = digits.count % 2 == 1
        for byte in digits {
            let digit = Int(byte &- UInt8(ascii: "0"))
            sum += weightThree ? digit * 3 : digit
            weightThree.toggle()
        }
        return UInt8(ascii: "0") + UInt8((10 - sum % 10) % 10)
    }

    /// Checks `digits` (payload followed by its check digit); throws ``GS1Error/Code/invalidCheckDigit``
    /// naming the correct digit when it does not match.
    ///
    /// - Parameters:
    ///   - digits: all digits including the check digit, already known to be ASCII digits.
    ///   - name: the identifier's name for the message, for example `GTIN`.
    static func verify(_ digits: String, name: String) throws {
        let payload = digits.dropLast()
        let expected = compute(for: payload)
        guard let actual = digits.last, actual == expected else {
            throw GS1Error(
                .invalidCheckDigit,
                "\(name) check digit is \(digits.last.map(String.init) ?? "missing") but the digits before it give \(expected)",
                input: digits, offset: digits.count - 1,
                expected: "\(payload)\(expected)")
        }
    }
}

/// Helpers for all-digit fields.
enum Digits {
    /// True when every character is an ASCII digit.
    static func areAll(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Validates an all-digit field of one of the allowed lengths.
    ///
    /// - Throws: ``GS1Error`` with `emptyValue`, `nonDigit` (naming the first bad character) or
    ///   `invalidLength`.
    static func require(_ text: String, name: String, lengths: [Int], form: String) throws {
        if text.isEmpty {
            throw GS1Error(.emptyValue, "\(name) is empty", input: text, expected: form)
        }
        if let index = text.unicodeScalars.firstIndex(where: { !("0"..."9").contains($0) }) {
            let offset = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: index)
            throw GS1Error(
                .nonDigit,
                "\(name) contains \(describe(text.unicodeScalars[index])), but it must hold digits only",
                input: text, offset: offset, expected: form)
        }
        guard lengths.contains(text.utf8.count) else {
            let allowed = lengths.map(String.init)
            let list = allowed.count == 1 ? allowed[0] : allowed.dropLast().joined(separator: ", ") + " or " + allowed.last!
            throw GS1Error(
                .invalidLength, "\(name) has \(text.utf8.count) digits; it must have \(list)", input: text, expected: form)
        }
    }

    /// A readable name for one character in an error message.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case 32: return "a space"
        case 29: return "a GS separator (ASCII 29)"
        case 0..<32, 127: return "control character 0x\(String(scalar.value, radix: 16, uppercase: true))"
        case 128...: return "'\(scalar)' (U+\(String(scalar.value, radix: 16, uppercase: true)), not ASCII)"
        default: return "'\(scalar)'"
        }
    }
}
