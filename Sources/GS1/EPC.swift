// MARK: - Scheme types

/// A serialised GTIN: `urn:epc:id:sgtin:<company prefix>.<indicator><item ref>.<serial>`.
public struct SGTIN: Hashable, Sendable, CustomStringConvertible {
    /// The product.
    public let gtin: GTIN
    /// The serial number.
    public let serial: SerialNumber
    /// Digits of the GS1 Company Prefix inside the GTIN (6…12).
    public let companyPrefixLength: Int

    /// Creates an SGTIN.
    ///
    /// - Throws: ``GS1Error/Code/invalidCompanyPrefixLength`` unless the length is 6…12.
    public init(gtin: GTIN, serial: SerialNumber, companyPrefixLength: Int) throws {
        try CompanyPrefix.validate(companyPrefixLength)
        self.gtin = gtin
        self.serial = serial
        self.companyPrefixLength = companyPrefixLength
    }

    /// Parses `urn:epc:id:sgtin:…`.
    public init(uri: String) throws {
        guard case .sgtin(let value) = try EPC(uri: uri) else { throw EPC.wrongScheme(uri, expected: "urn:epc:id:sgtin:") }
        self = value
    }

    /// The EPC pure-identity URI.
    public var uri: String {
        EPC.gtinPrefix("urn:epc:id:sgtin:", gtin, companyPrefixLength) + "." + EPCURIEscaping.escape(serial.value)
    }

    /// The part of every SGTIN URI of one product before the serial, ending in `.`; writers that
    /// emit millions of serials of one GTIN build it once and append
    /// `EPCURIEscaping.escape(serial)`.
    public static func uriPrefix(gtin: GTIN, companyPrefixLength: Int) throws -> String {
        try CompanyPrefix.validate(companyPrefixLength)
        return EPC.gtinPrefix("urn:epc:id:sgtin:", gtin, companyPrefixLength) + "."
    }

    public var description: String { uri }
}

/// A lot-level product class: `urn:epc:class:lgtin:<company prefix>.<indicator><item ref>.<lot>`.
public struct LGTIN: Hashable, Sendable, CustomStringConvertible {
    /// The product.
    public let gtin: GTIN
    /// The lot.
    public let lot: LotNumber
    /// Digits of the GS1 Company Prefix inside the GTIN (6…12).
    public let companyPrefixLength: Int

    /// Creates an LGTIN.
    public init(gtin: GTIN, lot: LotNumber, companyPrefixLength: Int) throws {
        try CompanyPrefix.validate(companyPrefixLength)
        self.gtin = gtin
        self.lot = lot
        self.companyPrefixLength = companyPrefixLength
    }

    /// The EPC class URI.
    public var uri: String { EPC.gtinPrefix("urn:epc:class:lgtin:", gtin, companyPrefixLength) + "." + EPCURIEscaping.escape(lot.value) }
    public var description: String { uri }
}

/// A location: `urn:epc:id:sgln:<company prefix>.<location ref>.<extension>`; extension `0`
/// means none.
public struct SGLN: Hashable, Sendable, CustomStringConvertible {
    /// The location's GLN.
    public let gln: GLN
    /// The GLN extension (AI 254), or `nil` when the URI carries `0`.
    public let glnExtension: String?
    /// Digits of the GS1 Company Prefix inside the GLN (6…12).
    public let companyPrefixLength: Int

    /// Creates an SGLN. An extension of `"0"` is the same as none.
    public init(gln: GLN, extension glnExtension: String? = nil, companyPrefixLength: Int) throws {
        try CompanyPrefix.validate(companyPrefixLength)
        if let glnExtension, glnExtension != "0" {
            try GS1CharacterSet.validate(glnExtension, name: "GLN extension (AI 254)", maxLength: 20)
            self.glnExtension = glnExtension
        } else {
            self.glnExtension = nil
        }
        self.gln = gln
        self.companyPrefixLength = companyPrefixLength
    }

    /// The EPC pure-identity URI.
    public var uri: String {
        EPC.glnPrefix("urn:epc:id:sgln:", gln, companyPrefixLength) + "." + EPCURIEscaping.escape(glnExtension ?? "0")
    }
    public var description: String { uri }
}

/// A party: `urn:epc:id:pgln:<company prefix>.<party ref>`.
public struct PGLN: Hashable, Sendable, CustomStringConvertible {
    /// The party's GLN.
    public let gln: GLN
    /// Digits of the GS1 Company Prefix inside the GLN (6…12).
    public let companyPrefixLength: Int

    /// Creates a PGLN.
    public init(gln: GLN, companyPrefixLength: Int) throws {
        try CompanyPrefix.validate(companyPrefixLength)
        self.gln = gln
        self.companyPrefixLength = companyPrefixLength
    }

    /// The EPC pure-identity URI.
    public var uri: String { EPC.glnPrefix("urn:epc:id:pgln:", gln, companyPrefixLength) }
    public var description: String { uri }
}

// MARK: - EPC

/// An EPC URI of one of the schemes EPCIS documents for DSCSA use.
public enum EPC: Hashable, Sendable, CustomStringConvertible {
    /// `urn:epc:id:sgtin:` — one serialised item.
    case sgtin(SGTIN)
    /// `urn:epc:id:sscc:` — a logistic unit (case, pallet).
    case sscc(SSCC, companyPrefixLength: Int)
    /// `urn:epc:id:sgln:` — a location.
    case sgln(SGLN)
    /// `urn:epc:id:pgln:` — a party.
    case pgln(PGLN)
    /// `urn:epc:class:lgtin:` — a product lot.
    case lgtin(LGTIN)
    /// `urn:epc:idpat:sgtin:<prefix>.<item>.*` — all items of a GTIN.
    case gtinPattern(GTIN, companyPrefixLength: Int)

    /// Parses an EPC URI.
    ///
    /// The company-prefix length comes from the URI itself (the first dot). The scheme prefix is
    /// matched case-insensitively; serials, lots and extensions are unescaped per the EPC Tag Data
    /// Standard and validated against the GS1 82-character set; check digits are computed.
    ///
    /// - Throws: ``GS1Error`` with `invalidEPCURI` (unknown scheme, wrong number of parts,
    ///   wrong part lengths), `invalidEscape`, `nonDigit`, `characterOutsideSet` or `valueTooLong`.
    public init(uri: String) throws {
        let lower = uri.prefix(24).lowercased()
        guard let scheme = EPC.schemes.first(where: { lower.hasPrefix($0.prefix) }) else {
            throw GS1Error(
                .invalidEPCURI, "'\(uri.prefix(30))' does not start with a supported EPC scheme", input: uri, offset: 0,
                expected: EPC.schemes.map(\.prefix).joined(separator: ", "))
        }
        let body = uri.dropFirst(scheme.prefix.count)
        let bodyOffset = scheme.prefix.count
        var parts = body.split(separator: ".", maxSplits: scheme.parts - 1, omittingEmptySubsequences: false)
        guard parts.count == scheme.parts else {
            throw GS1Error(
                .invalidEPCURI, "\(scheme.prefix) needs \(scheme.parts) dot-separated parts but has \(parts.count)", input: uri,
                offset: bodyOffset, expected: scheme.example)
        }
        let companyPrefix = parts.removeFirst()
        let cpl = companyPrefix.utf8.count
        func numeric(_ part: Substring, _ name: String, _ count: Int) throws {
            let offset = uri.utf8.distance(from: uri.startIndex, to: part.startIndex)
            guard Digits.areAll(part) else {
                throw GS1Error(.nonDigit, "the \(name) '\(part)' must hold digits only", input: uri, offset: offset, expected: scheme.example)
            }
            guard part.utf8.count == count else {
                throw GS1Error(
                    .invalidEPCURI, "the \(name) has \(part.utf8.count) digits, but with a \(cpl)-digit company prefix it must have \(count)",
                    input: uri, offset: offset, expected: scheme.example)
            }
        }
        try numeric(companyPrefix, "company prefix", cpl)
        guard CompanyPrefix.allowedLengths.contains(cpl) else {
            throw GS1Error(
                .invalidCompanyPrefixLength, "the company prefix '\(companyPrefix)' has \(cpl) digits; GS1 assigns 6 to 12",
                input: uri, offset: bodyOffset, expected: scheme.example)
        }
        func text(_ part: Substring, _ name: String) throws -> String {
            let offset = uri.utf8.distance(from: uri.startIndex, to: part.startIndex)
            let value = try EPCURIEscaping.unescape(part, name: name, uri: uri, offset: offset)
            do {
                try GS1CharacterSet.validate(value, name: name, maxLength: 20)
            } catch let error as GS1Error {
                throw error.located(in: uri, at: offset)
            }
            return value
        }
        do {
            switch scheme.kind {
            case .sgtin, .lgtin, .gtinPattern:
                let item = parts[0]
                try numeric(item, "indicator and item reference", 13 - cpl)
                let gtin = try GTIN(payload: String(item.prefix(1) + companyPrefix + item.dropFirst()))
                if scheme.kind == .sgtin {
                    self = .sgtin(try SGTIN(gtin: gtin, serial: SerialNumber(try text(parts[1], "serial")), companyPrefixLength: cpl))
                } else if scheme.kind == .lgtin {
                    self = .lgtin(try LGTIN(gtin: gtin, lot: LotNumber(try text(parts[1], "lot")), companyPrefixLength: cpl))
                } else {
                    guard parts[1] == "*" else {
                        throw GS1Error(
                            .invalidEPCURI, "an SGTIN pattern must end in '.*'", input: uri,
                            offset: uri.utf8.distance(from: uri.startIndex, to: parts[1].startIndex), expected: scheme.example)
                    }
                    self = .gtinPattern(gtin, companyPrefixLength: cpl)
                }
            case .sscc:
                try numeric(parts[0], "extension digit and serial reference", 17 - cpl)
                let sscc = try SSCC(payload: String(parts[0].prefix(1) + companyPrefix + parts[0].dropFirst()))
                self = .sscc(sscc, companyPrefixLength: cpl)
            case .sgln, .pgln:
                try numeric(parts[0], scheme.kind == .sgln ? "location reference" : "party reference", 12 - cpl)
                let gln = try GLN(payload: String(companyPrefix + parts[0]))
                if scheme.kind == .sgln {
                    self = .sgln(try SGLN(gln: gln, extension: try text(parts[1], "GLN extension"), companyPrefixLength: cpl))
                } else {
                    self = .pgln(try PGLN(gln: gln, companyPrefixLength: cpl))
                }
            }
        } catch let error as GS1Error {
            throw error.placed(in: uri)
        }
    }

    /// Builds the EPC a message identifies: GTIN+serial → SGTIN, GTIN+lot → LGTIN, GTIN alone →
    /// SGTIN pattern, SSCC → SSCC, location GLN (+extension) → SGLN, party GLN → PGLN.
    ///
    /// - Parameter companyPrefixLength: from master data or an explicit argument, never guessed.
    /// - Throws: ``GS1Error`` when the length is not 6…12 or the message names no identifier.
    public init(_ message: GS1Message, companyPrefixLength: Int) throws {
        try CompanyPrefix.validate(companyPrefixLength)
        if let gtin = message.gtin {
            if let serial = message.serial {
                self = .sgtin(try SGTIN(gtin: gtin, serial: serial, companyPrefixLength: companyPrefixLength))
            } else if let lot = message.lot {
                self = .lgtin(try LGTIN(gtin: gtin, lot: lot, companyPrefixLength: companyPrefixLength))
            } else {
                self = .gtinPattern(gtin, companyPrefixLength: companyPrefixLength)
            }
        } else if let sscc = message.sscc {
            self = .sscc(sscc, companyPrefixLength: companyPrefixLength)
        } else if let gln = message.locationGLN {
            self = .sgln(try SGLN(gln: gln, extension: message.glnExtension, companyPrefixLength: companyPrefixLength))
        } else if let gln = message.partyGLN {
            self = .pgln(try PGLN(gln: gln, companyPrefixLength: companyPrefixLength))
        } else {
            throw GS1Error(.missingElement, "the code holds no GTIN, SSCC or GLN to build an EPC from", expected: "(01), (00), (414) or (417)")
        }
    }

    /// The URI.
    public var uri: String {
        switch self {
        case .sgtin(let value): return value.uri
        case .lgtin(let value): return value.uri
        case .sgln(let value): return value.uri
        case .pgln(let value): return value.uri
        case .gtinPattern(let gtin, let cpl): return EPC.gtinPrefix("urn:epc:idpat:sgtin:", gtin, cpl) + ".*"
        case .sscc(let sscc, let cpl):
            let digits = sscc.value
            return "urn:epc:id:sscc:" + digits.dropFirst().prefix(cpl) + "." + digits.prefix(1) + digits.dropFirst(1 + cpl).dropLast()
        }
    }

    /// The company-prefix length the URI was written with.
    public var companyPrefixLength: Int {
        switch self {
        case .sgtin(let value): return value.companyPrefixLength
        case .lgtin(let value): return value.companyPrefixLength
        case .sgln(let value): return value.companyPrefixLength
        case .pgln(let value): return value.companyPrefixLength
        case .gtinPattern(_, let cpl), .sscc(_, let cpl): return cpl
        }
    }

    /// The same identifier as GS1 data, for element strings and Digital Links.
    public var message: GS1Message {
        // Every case was validated on construction, so building the message cannot fail.
        switch self {
        case .sgtin(let value): return try! GS1Message(gtin: value.gtin, serial: value.serial)
        case .lgtin(let value): return try! GS1Message(gtin: value.gtin, lot: value.lot)
        case .sgln(let value): return try! GS1Message(locationGLN: value.gln, glnExtension: value.glnExtension)
        case .pgln(let value): return try! GS1Message(partyGLN: value.gln)
        case .gtinPattern(let gtin, _): return try! GS1Message(gtin: gtin)
        case .sscc(let sscc, _): return try! GS1Message(sscc: sscc)
        }
    }

    public var description: String { uri }

    // MARK: Helpers

    private enum Kind { case sgtin, lgtin, gtinPattern, sscc, sgln, pgln }
    private struct Scheme {
        let prefix: String
        let kind: Kind
        let parts: Int
        let example: String
    }
    private static let schemes: [Scheme] = [
        Scheme(prefix: "urn:epc:id:sgtin:", kind: .sgtin, parts: 3, example: "urn:epc:id:sgtin:030001.0012345.SERIAL"),
        Scheme(prefix: "urn:epc:class:lgtin:", kind: .lgtin, parts: 3, example: "urn:epc:class:lgtin:030001.0012345.LOT"),
        Scheme(prefix: "urn:epc:idpat:sgtin:", kind: .gtinPattern, parts: 3, example: "urn:epc:idpat:sgtin:030001.0012345.*"),
        Scheme(prefix: "urn:epc:id:sscc:", kind: .sscc, parts: 2, example: "urn:epc:id:sscc:030001.41234567890"),
        Scheme(prefix: "urn:epc:id:sgln:", kind: .sgln, parts: 3, example: "urn:epc:id:sgln:030001.111111.0"),
        Scheme(prefix: "urn:epc:id:pgln:", kind: .pgln, parts: 2, example: "urn:epc:id:pgln:030001.111111"),
    ]

    static func wrongScheme(_ uri: String, expected: String) -> GS1Error {
        GS1Error(.invalidEPCURI, "the URI is not of the expected scheme", input: uri, offset: 0, expected: expected + "…")
    }

    /// `<scheme><company prefix>.<indicator><item reference>`.
    static func gtinPrefix(_ scheme: String, _ gtin: GTIN, _ cpl: Int) -> String {
        let digits = gtin.value
        return scheme + digits.dropFirst().prefix(cpl) + "." + digits.prefix(1) + digits.dropFirst(1 + cpl).dropLast()
    }

    /// `<scheme><company prefix>.<location or party reference>`.
    static func glnPrefix(_ scheme: String, _ gln: GLN, _ cpl: Int) -> String {
        let digits = gln.value
        return scheme + digits.prefix(cpl) + "." + digits.dropFirst(cpl).dropLast()
    }
}
