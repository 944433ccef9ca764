/// GS1 element strings as a scanner transmits them, and their human-readable form.
///
/// A scanned DataMatrix arrives as a symbology identifier (`]d2` for GS1 DataMatrix) followed by
/// AI/value pairs; a variable-length value that is not last ends with GS (ASCII 29, the FNC1
/// transmitted as data). The human-readable interpretation puts AIs in parentheses:
/// `(01)00300010123455(17)260300(10)ABC(21)1234`.
public enum GS1ElementString {
    /// The group separator that ends a variable-length value.
    public static let groupSeparator: Character = "\u{1D}"

    /// A GS1 symbology identifier (ISO/IEC 15424) that may lead a scanned string.
    public enum Symbology: String, Hashable, Sendable, CaseIterable {
        /// GS1 DataMatrix.
        case dataMatrix = "]d2"
        /// GS1-128.
        case gs1_128 = "]C1"
        /// GS1 QR Code.
        case qrCode = "]Q3"
        /// GS1 DataBar.
        case dataBar = "]e0"
        /// GS1 DotCode.
        case dotCode = "]J1"

        /// The symbology's name, for example `GS1 DataMatrix`.
        public var name: String {
            switch self {
            case .dataMatrix: return "GS1 DataMatrix"
            case .gs1_128: return "GS1-128"
            case .qrCode: return "GS1 QR Code"
            case .dataBar: return "GS1 DataBar"
            case .dotCode: return "GS1 DotCode"
            }
        }
    }

    /// The result of parsing: the message and how it was framed.
    public struct Parsed: Hashable, Sendable {
        /// The validated data.
        public let message: GS1Message
        /// The symbology identifier that led the string, if any.
        public let symbology: Symbology?
        /// True when the input used the parenthesised human-readable form.
        public let humanReadable: Bool
    }

    // MARK: - Parsing

    /// Parses a scanned element string, with or without a symbology identifier, or its
    /// parenthesised human-readable form.
    ///
    /// - Parameters:
    ///   - text: the scanner output.
    ///   - referenceYear: the centre of the YYMMDD century window.
    /// - Throws: ``GS1Error``: `unsupportedSymbology` for a non-GS1 identifier such as `]d1`,
    ///   `unknownApplicationIdentifier`, `truncatedElement`, `missingSeparator`, or any value error,
    ///   located at its character offset in `text`.
    public static func parse(_ text: String, referenceYear: Int = GS1Date.currentYear()) throws -> Parsed {
        let scalars = Array(text.unicodeScalars)
        var start = 0
        var symbology: Symbology?
        if scalars.first == "]" {
            let prefix = String(String.UnicodeScalarView(scalars.prefix(3)))
            guard let known = Symbology(rawValue: prefix) else {
                throw GS1Error(
                    .unsupportedSymbology, "symbology identifier '\(prefix)' is not a GS1 one, so the data has no AIs",
                    input: text, offset: 0,
                    expected:
                        "]d2 (GS1 DataMatrix), ]C1 (GS1-128), ]Q3 (GS1 QR), ]e0 (GS1 DataBar) or ]J1 (GS1 DotCode); check the scanner's GS1 setting")
            }
            symbology = known
            start = 3
        }
        let elements: [GS1Element]
        let humanReadable = start < scalars.count && scalars[start] == "("
        do {
            elements =
                humanReadable
                ? try parseHumanReadable(scalars, from: start, referenceYear: referenceYear)
                : try parseRaw(scalars, from: start, allowRecovery: true, referenceYear: referenceYear)
            let message = try GS1Message(elements, referenceYear: referenceYear)
            return Parsed(message: message, symbology: symbology, humanReadable: humanReadable)
        } catch let error as GS1Error {
            throw error.placed(in: text)
        }
    }

    /// Reads AI/value pairs from raw scanner data.
    private static func parseRaw(
        _ s: [Unicode.Scalar], from start: Int, allowRecovery: Bool, referenceYear: Int
    ) throws -> [GS1Element] {
        var elements: [GS1Element] = []
        var i = start
        let text = String(String.UnicodeScalarView(s))
        while i < s.count {
            if s[i] == "\u{1D}" {  // leading, redundant or trailing FNC1: harmless
                i += 1
                continue
            }
            let (ai, aiEnd) = try readAI(s, at: i, text: text)
            switch ai.format {
            case .numeric(let count):
                guard aiEnd + count <= s.count else {
                    throw GS1Error(
                        .truncatedElement,
                        "AI \(ai) needs \(count) characters but only \(s.count - aiEnd) remain; the code is cut short",
                        input: text, offset: aiEnd, expected: "\(count) digits after \(ai)")
                }
                let value = String(String.UnicodeScalarView(s[aiEnd..<aiEnd + count]))
                if value.unicodeScalars.contains("\u{1D}") {
                    throw GS1Error(
                        .truncatedElement, "AI \(ai) is fixed-length (\(count) digits) but a GS separator interrupts it",
                        input: text, offset: aiEnd, expected: "\(count) digits after \(ai)")
                }
                try validateValue(value, of: ai, in: text, at: aiEnd, referenceYear: referenceYear)
                elements.append(GS1Element(ai, value))
                i = aiEnd + count
            case .alphanumeric(let maxLength):
                var end = aiEnd
                while end < s.count && s[end] != "\u{1D}" { end += 1 }
                if end - aiEnd > maxLength {
                    if allowRecovery,
                        let split = separatorMissing(s, valueStart: aiEnd, valueEnd: end, maxLength: maxLength, referenceYear: referenceYear)
                    {
                        throw GS1Error(
                            .missingSeparator,
                            "the value of AI \(ai) runs on for \(end - aiEnd) characters (at most \(maxLength)); it looks like the next AI starts at character \(split + 1) without a GS separator",
                            input: text, offset: split,
                            expected: "a GS (ASCII 29, FNC1) after every variable-length value that is not last")
                    }
                    throw GS1Error(
                        .valueTooLong, "the value of AI \(ai) has \(end - aiEnd) characters; at most \(maxLength) are allowed",
                        input: text, offset: aiEnd + maxLength, expected: "1 to \(maxLength) characters")
                }
                let value = String(String.UnicodeScalarView(s[aiEnd..<end]))
                if value.isEmpty {
                    throw GS1Error(
                        .truncatedElement, "AI \(ai) has no value", input: text, offset: aiEnd,
                        expected: "1 to \(maxLength) characters after \(ai)")
                }
                try validateValue(value, of: ai, in: text, at: aiEnd, referenceYear: referenceYear)
                elements.append(GS1Element(ai, value))
                i = end
            }
        }
        return elements
    }

    /// Finds where the next element would start if the separator had been forgotten: the first
    /// split whose remainder parses as a complete element string.
    private static func separatorMissing(
        _ s: [Unicode.Scalar], valueStart: Int, valueEnd: Int, maxLength: Int, referenceYear: Int
    ) -> Int? {
        for split in (valueStart + 1)...(valueStart + maxLength) where split < valueEnd {
            if (try? parseRaw(s, from: split, allowRecovery: false, referenceYear: referenceYear)) != nil { return split }
        }
        return nil
    }

    /// Reads a supported AI at `i`, or throws naming the unknown or truncated one.
    private static func readAI(_ s: [Unicode.Scalar], at i: Int, text: String) throws -> (ApplicationIdentifier, Int) {
        var digits = ""
        for length in 2...4 {
            guard i + length <= s.count else { break }
            digits = String(String.UnicodeScalarView(s[i..<i + length]))
            if let ai = ApplicationIdentifier.named(digits) { return (ai, i + length) }
        }
        let available = String(String.UnicodeScalarView(s[i..<min(s.count, i + 4)]))
        guard available.count >= 2, Digits.areAll(available.prefix(2)) else {
            if s.count - i < 2 && Digits.areAll(available) {
                throw GS1Error(
                    .truncatedElement, "the code ends inside an application identifier ('\(available)')", input: text, offset: i,
                    expected: "a complete AI followed by its value")
            }
            throw GS1Error(
                .unknownApplicationIdentifier, "expected an application identifier (digits) but found '\(GS1Error.printable(available))'",
                input: text, offset: i, expected: supportedList)
        }
        let length = ApplicationIdentifier.lengthOfAI(startingWith: available.prefix(2))
        guard available.count >= length else {
            throw GS1Error(
                .truncatedElement, "the code ends inside an application identifier ('\(available)')", input: text, offset: i,
                expected: "a complete AI followed by its value")
        }
        throw GS1Error(
            .unknownApplicationIdentifier, "application identifier (\(available.prefix(length))) is not one this gateway reads",
            input: text, offset: i, expected: supportedList)
    }

    static let supportedList = "one of the AIs " + ApplicationIdentifier.all.map(\.description).joined(separator: " ")

    /// Checks one value (characters, then the AI's own rules: check digit, date) so that the
    /// error offset is exact within the whole input. Shared by the element-string and Digital
    /// Link parsers.
    static func validateValue(
        _ value: String, of ai: ApplicationIdentifier, in text: String, at offset: Int, referenceYear: Int
    ) throws {
        do {
            switch ai.format {
            case .numeric(let count):
                try Digits.require(value, name: "the value of AI \(ai)", lengths: [count], form: "\(count) digits")
            case .alphanumeric(let maxLength):
                try GS1CharacterSet.validate(value, name: "the value of AI \(ai)", maxLength: maxLength)
            }
            try GS1Message.validate(GS1Element(ai, value), referenceYear: referenceYear)
        } catch let error as GS1Error {
            throw error.located(in: text, at: offset)
        }
    }

    /// Reads `(AI)value(AI)value…`. A value runs until the next `(` that opens a supported AI.
    private static func parseHumanReadable(_ s: [Unicode.Scalar], from start: Int, referenceYear: Int) throws -> [GS1Element] {
        let text = String(String.UnicodeScalarView(s))
        var elements: [GS1Element] = []
        var i = start
        func opensAI(_ at: Int) -> (ApplicationIdentifier, Int)? {
            guard at < s.count, s[at] == "(", let close = s[at...].firstIndex(of: ")") else { return nil }
            let code = String(String.UnicodeScalarView(s[(at + 1)..<close]))
            return ApplicationIdentifier.named(code).map { ($0, close + 1) }
        }
        // "(" followed by 2-4 digits and ")": where a new element starts, supported or not.
        func looksLikeAI(_ at: Int) -> Bool {
            var j = at + 1
            while j < s.count, j - at <= 5, ("0"..."9").contains(s[j]) { j += 1 }
            return j < s.count && s[j] == ")" && (3...5).contains(j - at)
        }
        while i < s.count {
            guard let (ai, valueStart) = opensAI(i) else {
                let close = s[i...].firstIndex(of: ")") ?? min(s.count, i + 5)
                let shown = String(String.UnicodeScalarView(s[i..<min(s.count, close + 1)]))
                throw GS1Error(
                    .unknownApplicationIdentifier, "'\(GS1Error.printable(shown))' is not a supported application identifier",
                    input: text, offset: i, expected: supportedList)
            }
            var end = valueStart
            while end < s.count && !(s[end] == "(" && (ai.isFixedLength || looksLikeAI(end))) { end += 1 }
            let value = String(String.UnicodeScalarView(s[valueStart..<end]))
            if case .numeric(let count) = ai.format, value.unicodeScalars.count < count, Digits.areAll(value) {
                throw GS1Error(
                    .truncatedElement, "AI \(ai) needs \(count) digits but has \(value.count)", input: text, offset: valueStart,
                    expected: "\(count) digits after \(ai)")
            }
            if value.isEmpty {
                throw GS1Error(.truncatedElement, "AI \(ai) has no value", input: text, offset: valueStart, expected: "a value after \(ai)")
            }
            try validateValue(value, of: ai, in: text, at: valueStart, referenceYear: referenceYear)
            elements.append(GS1Element(ai, value))
            i = end
        }
        return elements
    }

    // MARK: - Writing

    /// Encodes a message as scanner data: fixed-length AIs first, a GS after each
    /// variable-length value that is not last.
    ///
    /// - Parameters:
    ///   - message: the data.
    ///   - symbology: the identifier to lead with, or `nil` for bare data.
    public static func encode(_ message: GS1Message, symbology: Symbology? = .dataMatrix) -> String {
        var out = symbology?.rawValue ?? ""
        let elements = message.canonicalElements
        for (index, element) in elements.enumerated() {
            out += element.ai.code
            out += element.value
            if !element.ai.isFixedLength && index < elements.count - 1 { out.append(groupSeparator) }
        }
        return out
    }

    /// The human-readable interpretation, `(01)…(17)…(10)…(21)…`, in canonical order.
    public static func humanReadable(_ message: GS1Message) -> String {
        message.canonicalElements.map { "(\($0.ai.code))\($0.value)" }.joined()
    }
}
