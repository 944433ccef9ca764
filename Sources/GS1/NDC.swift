/// A US National Drug Code: labeler, product and package segments.
///
/// The 10-digit NDC comes in three layouts, `4-4-2`, `5-3-2` and `5-4-1`. The 11-digit form used
/// in billing (NDC-11, 5-4-2) pads the short segment with a leading zero. A GTIN holds the 10
/// digits without their hyphens (`03` + NDC, GS1 US guideline), so the layout cannot be read back
/// from a GTIN: it must come from product master data.
public struct NDC: Hashable, Sendable, CustomStringConvertible {
    /// The segment layout of a 10-digit NDC.
    public enum Layout: String, Hashable, Sendable, CaseIterable {
        /// 4-digit labeler, 4-digit product, 2-digit package.
        case fourFourTwo = "4-4-2"
        /// 5-digit labeler, 3-digit product, 2-digit package.
        case fiveThreeTwo = "5-3-2"
        /// 5-digit labeler, 4-digit product, 1-digit package.
        case fiveFourOne = "5-4-1"

        /// Digits per segment.
        public var lengths: (labeler: Int, product: Int, package: Int) {
            switch self {
            case .fourFourTwo: return (4, 4, 2)
            case .fiveThreeTwo: return (5, 3, 2)
            case .fiveFourOne: return (5, 4, 1)
            }
        }
    }

    /// The labeler code.
    public let labeler: String
    /// The product code.
    public let product: String
    /// The package code.
    public let package: String

    private static let form =
        "a hyphenated 10-digit NDC (4-4-2, 5-3-2 or 5-4-1, for example 0001-0123-45) or an NDC-11 (5-4-2, for example 00001-0123-45)"

    /// Parses a hyphenated 10-digit NDC, or an NDC-11 (hyphenated 5-4-2 or 11 plain digits) whose
    /// padding zero identifies the layout unambiguously.
    ///
    /// - Throws: ``GS1Error`` with `invalidNDC` for a malformed code and `ambiguousNDC` when
    ///   10 plain digits, or an NDC-11 that could be padded in more than one segment, leave the
    ///   layout open.
    public init(_ text: String) throws {
        let segments = text.split(separator: "-", omittingEmptySubsequences: false)
        if let bad = text.unicodeScalars.firstIndex(where: { !("0"..."9").contains($0) && $0 != "-" }) {
            throw GS1Error(
                .invalidNDC, "NDC contains \(Digits.describe(text.unicodeScalars[bad])); it holds digits and hyphens only", input: text,
                offset: text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: bad), expected: NDC.form)
        }
        switch segments.count {
        case 3:
            let lengths = segments.map(\.count)
            if let layout = Layout.allCases.first(where: { $0.lengths == (lengths[0], lengths[1], lengths[2]) }) {
                self.init(layout: layout, digits: segments.joined())
            } else if lengths == [5, 4, 2] {
                try self.init(ndc11: segments.joined(), input: text)
            } else {
                throw GS1Error(
                    .invalidNDC, "NDC segments have \(lengths.map(String.init).joined(separator: "-")) digits, which is no NDC layout",
                    input: text, expected: NDC.form)
            }
        case 1 where text.count == 11:
            try self.init(ndc11: text, input: text)
        case 1 where text.count == 10:
            throw GS1Error(
                .ambiguousNDC, "a 10-digit NDC without hyphens could be 4-4-2, 5-3-2 or 5-4-1", input: text,
                expected: "the NDC with its hyphens, as printed on the label or in the FDA NDC directory")
        default:
            throw GS1Error(.invalidNDC, "'\(text)' is not an NDC", input: text, expected: NDC.form)
        }
    }

    /// Builds an NDC from its 10 digits and a known layout.
    public init(digits: String, layout: Layout) throws {
        try Digits.require(digits, name: "NDC", lengths: [10], form: "10 digits")
        self.init(layout: layout, digits: digits)
    }

    private init(layout: Layout, digits: String) {
        let (l, p, _) = layout.lengths
        labeler = String(digits.prefix(l))
        product = String(digits.dropFirst(l).prefix(p))
        package = String(digits.dropFirst(l + p))
    }

    private init(ndc11 digits: String, input: String) throws {
        let labeler = digits.prefix(5), product = digits.dropFirst(5).prefix(4), package = digits.dropFirst(9)
        var candidates: [Layout] = []
        if labeler.first == "0" { candidates.append(.fourFourTwo) }
        if product.first == "0" { candidates.append(.fiveThreeTwo) }
        if package.first == "0" { candidates.append(.fiveFourOne) }
        guard candidates.count == 1, let layout = candidates.first else {
            throw GS1Error(
                candidates.isEmpty ? .invalidNDC : .ambiguousNDC,
                candidates.isEmpty
                    ? "an NDC-11 has one padding zero at the start of a segment, and this one has none"
                    : "this NDC-11 could come from \(candidates.map(\.rawValue).joined(separator: " or ")); the padding zero is ambiguous",
                input: input, expected: "the 10-digit NDC with its hyphens, from product master data")
        }
        let (l, p, k) = layout.lengths
        self.labeler = String(labeler.suffix(l))
        self.product = String(product.suffix(p))
        self.package = String(package.suffix(k))
    }

    /// Reads the NDC inside an NDC-based GTIN, using the layout from master data.
    ///
    /// - Throws: `invalidNDC` when the GTIN is not NDC-based (`03` after the indicator).
    public init(gtin: GTIN, layout: Layout) throws {
        guard gtin.isNDCBased else {
            throw GS1Error(
                .invalidNDC, "GTIN \(gtin) does not hold an NDC: NDC-based GTINs have 03 after the indicator digit", input: gtin.value,
                offset: 1, expected: "a GTIN of the form N03xxxxxxxxxxC")
        }
        self.init(layout: layout, digits: String(gtin.value.dropFirst(3).prefix(10)))
    }

    /// Reads the NDC inside an NDC-based GTIN, checked against the hyphenated NDC stored in
    /// product master data.
    ///
    /// - Parameters:
    ///   - gtin: an NDC-based GTIN.
    ///   - stored: the hyphenated NDC from master data, or `nil` when none is known.
    /// - Throws: `ambiguousNDC` when `stored` is `nil` (the three readings of the 10 digits are
    ///   listed), and `invalidNDC` when `stored` is not the NDC inside `gtin`.
    public init(gtin: GTIN, stored: String?) throws {
        guard let stored else {
            let readings = try Layout.allCases.map { try NDC(gtin: gtin, layout: $0).hyphenated }
            throw GS1Error(
                .ambiguousNDC,
                "GTIN \(gtin) holds the NDC digits \(readings[0].filter { $0 != "-" }), which could be \(readings.joined(separator: ", ")); a GTIN does not record the hyphenation",
                input: gtin.value, expected: "the hyphenated NDC from product master data (or the FDA NDC directory)")
        }
        let ndc = try NDC(stored)
        guard ndc.matches(gtin) else {
            throw GS1Error(
                .invalidNDC, "the stored NDC \(ndc.hyphenated) is not the NDC inside GTIN \(gtin)", input: stored,
                expected: "the NDC whose digits follow '03' in the GTIN")
        }
        self = ndc
    }

    /// The layout, derived from the segment lengths.
    public var layout: Layout {
        labeler.count == 4 ? .fourFourTwo : product.count == 3 ? .fiveThreeTwo : .fiveFourOne
    }
    /// The 10 digits without hyphens.
    public var digits: String { labeler + product + package }
    /// The hyphenated 10-digit form, for example `0001-0123-45`.
    public var hyphenated: String { "\(labeler)-\(product)-\(package)" }
    /// The 11-digit 5-4-2 form without hyphens, for example `00001012345`.
    public var ndc11: String { pad(labeler, 5) + pad(product, 4) + pad(package, 2) }
    /// The hyphenated 11-digit form, for example `00001-0123-45`.
    public var ndc11Hyphenated: String { "\(pad(labeler, 5))-\(pad(product, 4))-\(pad(package, 2))" }
    /// The GS1 Company Prefix length of the GTINs made from this NDC: `03` plus the labeler.
    public var companyPrefixLength: Int { 2 + labeler.count }

    /// The GTIN-12 (UPC-A): `3` + NDC + check digit.
    public var gtin12: String {
        let payload = "3" + digits
        return payload + String(GS1CheckDigit.compute(for: payload))
    }

    /// The GTIN-14 for a packaging level: indicator `0` is the unit (the GTIN-12 zero-padded),
    /// `1`–`8` are cases and bundles.
    ///
    /// - Throws: ``GS1Error/Code/invalidLength`` unless the indicator is 0…8 (9 marks variable
    ///   measure, which NDC products are not).
    public func gtin(indicator: Int = 0) throws -> GTIN {
        guard (0...8).contains(indicator) else {
            throw GS1Error(
                .invalidLength, "indicator digit \(indicator) is not 0–8", input: String(indicator),
                expected: "0 for the unit, 1–8 for cases and bundles")
        }
        return try GTIN(payload: String(indicator) + "03" + digits)
    }

    /// Checks that `gtin` encodes this NDC (any indicator).
    public func matches(_ gtin: GTIN) -> Bool { gtin.isNDCBased && gtin.value.dropFirst(3).prefix(10) == digits }

    public var description: String { hyphenated }

    private func pad(_ segment: String, _ width: Int) -> String { String(repeating: "0", count: width - segment.count) + segment }
}
