/// One element of a GS1 message: an application identifier and its value.
public struct GS1Element: Hashable, Sendable, CustomStringConvertible {
    /// The AI.
    public let ai: ApplicationIdentifier
    /// The value, unescaped, exactly as encoded in the barcode.
    public let value: String

    /// Creates an element without validating it; ``GS1Message/init(_:referenceYear:)`` validates.
    public init(_ ai: ApplicationIdentifier, _ value: String) {
        self.ai = ai
        self.value = value
    }

    public var description: String { "\(ai)\(value)" }
}

/// The data carried by one GS1 barcode or Digital Link: validated elements with typed access.
///
/// Element strings (``GS1ElementString``), Digital Links (``GS1DigitalLink``) and EPC URIs
/// (``EPC``) all convert to and from this one value, which is what makes round trips between
/// them exact.
public struct GS1Message: Hashable, Sendable {
    /// The elements in their input order.
    public let elements: [GS1Element]

    /// `(01)` normalised to 14 digits.
    public private(set) var gtin: GTIN?
    /// `(00)`.
    public private(set) var sscc: SSCC?
    /// `(414)`.
    public private(set) var locationGLN: GLN?
    /// `(417)`.
    public private(set) var partyGLN: GLN?
    /// `(254)`.
    public private(set) var glnExtension: String?
    /// `(10)`.
    public private(set) var lot: LotNumber?
    /// `(21)`.
    public private(set) var serial: SerialNumber?
    /// `(17)`.
    public private(set) var expiry: GS1Date?
    /// `(11)`.
    public private(set) var productionDate: GS1Date?

    /// Validates elements and the pairing rules between them.
    ///
    /// Each value is checked against its AI (digits, length, check digit, 82-character set,
    /// date), an AI may appear twice only with the same value, and the GS1 association rules
    /// hold: serial, lot, expiry and production date need a GTIN; a GLN extension needs a
    /// location GLN.
    ///
    /// - Parameters:
    ///   - elements: the elements in input order.
    ///   - referenceYear: the centre of the YYMMDD century window.
    /// - Throws: ``GS1Error`` for the first element that is wrong.
    public init(_ elements: [GS1Element], referenceYear: Int = GS1Date.currentYear()) throws {
        var seen: [ApplicationIdentifier: String] = [:]
        var unique: [GS1Element] = []
        for element in elements {
            if let earlier = seen[element.ai] {
                guard earlier == element.value else {
                    throw GS1Error(
                        .duplicateApplicationIdentifier,
                        "AI \(element.ai) appears twice with different values '\(earlier)' and '\(element.value)'",
                        input: element.value, expected: "each AI at most once")
                }
                continue
            }
            seen[element.ai] = element.value
            unique.append(element)
        }
        self.elements = unique
        for element in unique {
            try assign(element, referenceYear: referenceYear)
        }
        try checkAssociations()
    }

    /// Builds a message from typed values; `nil` values are left out.
    public init(
        gtin: GTIN? = nil, sscc: SSCC? = nil, locationGLN: GLN? = nil, glnExtension: String? = nil, partyGLN: GLN? = nil,
        lot: LotNumber? = nil, serial: SerialNumber? = nil, expiry: GS1Date? = nil, productionDate: GS1Date? = nil
    ) throws {
        var list: [GS1Element] = []
        if let sscc { list.append(.init(.sscc, sscc.value)) }
        if let gtin { list.append(.init(.gtin, gtin.value)) }
        if let locationGLN { list.append(.init(.locationGLN, locationGLN.value)) }
        if let partyGLN { list.append(.init(.partyGLN, partyGLN.value)) }
        if let productionDate { list.append(.init(.productionDate, productionDate.yymmdd)) }
        if let expiry { list.append(.init(.expiry, expiry.yymmdd)) }
        if let lot { list.append(.init(.lot, lot.value)) }
        if let serial { list.append(.init(.serial, serial.value)) }
        if let glnExtension { list.append(.init(.glnExtension, glnExtension)) }
        try self.init(list, referenceYear: expiry?.year ?? productionDate?.year ?? GS1Date.currentYear())
    }

    /// The elements in canonical order: fixed-length AIs first, then variable-length ones.
    public var canonicalElements: [GS1Element] {
        elements.sorted { $0.ai < $1.ai }
    }

    /// Two messages are equal when they carry the same elements, in whatever order.
    public static func == (lhs: GS1Message, rhs: GS1Message) -> Bool { lhs.canonicalElements == rhs.canonicalElements }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalElements) }

    /// The value of one AI, if present.
    public subscript(ai: ApplicationIdentifier) -> String? {
        elements.first { $0.ai == ai }?.value
    }

    // MARK: - Validation

    /// Validates one element on its own (digits, length, check digit, character set, date),
    /// so that parsers can report the exact position of a bad value.
    static func validate(_ element: GS1Element, referenceYear: Int) throws {
        var scratch = GS1Message(unchecked: [])
        try scratch.assign(element, referenceYear: referenceYear)
    }

    private init(unchecked elements: [GS1Element]) { self.elements = elements }

    private mutating func assign(_ element: GS1Element, referenceYear: Int) throws {
        let value = element.value
        switch element.ai {
        case .gtin:
            try Digits.require(value, name: "GTIN (AI 01)", lengths: [14], form: "14 digits with a valid check digit")
            gtin = try GTIN(value)
        case .sscc: sscc = try SSCC(value)
        case .locationGLN: locationGLN = try GLN(value)
        case .partyGLN: partyGLN = try GLN(value)
        case .lot: lot = try LotNumber(value)
        case .serial: serial = try SerialNumber(value)
        case .glnExtension:
            try GS1CharacterSet.validate(value, name: "GLN extension (AI 254)", maxLength: 20)
            glnExtension = value
        case .expiry: expiry = try GS1Date(yymmdd: value, referenceYear: referenceYear, name: "expiry date (AI 17)")
        case .productionDate:
            productionDate = try GS1Date(yymmdd: value, referenceYear: referenceYear, name: "production date (AI 11)")
        default:
            throw GS1Error(.unknownApplicationIdentifier, "AI \(element.ai) is not supported", input: value)
        }
    }

    private func checkAssociations() throws {
        for (ai, name) in [(ApplicationIdentifier.serial, "serial"), (.lot, "lot"), (.expiry, "expiry date"), (.productionDate, "production date")]
        where self[ai] != nil && gtin == nil {
            throw GS1Error(
                .missingElement, "AI \(ai) (\(name)) needs AI (01) (GTIN) in the same code", input: self[ai],
                expected: "the GTIN together with its \(name), for example (01)00300010123455\(ai)…")
        }
        if glnExtension != nil && locationGLN == nil {
            throw GS1Error(
                .missingElement, "AI (254) (GLN extension) needs AI (414) (location GLN) in the same code", input: glnExtension,
                expected: "(414)<GLN>(254)<extension>")
        }
        if elements.isEmpty {
            throw GS1Error(.missingElement, "the code holds no element", expected: "at least one AI such as (01) or (00)")
        }
    }
}
