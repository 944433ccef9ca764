public import GS1

/// A checked `verify` request: `GET {base}/verify/gtin/{gtin}/lot/{lot}/ser/{ser}` with `exp`,
/// `linkType`, `context`, `reqGLN` and `corrUUID` (GS1 US VRS IG R1.3 §7, LMS 1.1 §3).
public struct VerificationRequest: Hashable, Sendable {
    /// Normalised to 14 digits.
    public var gtin: GTIN
    /// As printed: case-sensitive, leading zeros significant.
    public var lot: String
    public var serial: String
    /// The printed expiry, day `00` resolved to the month's last day.
    public var expiry: GS1Date
    public var requestor: GLN
    /// Echoed byte for byte in the answer.
    public var correlationID: String
    /// The R1.3 parameters that are accepted and logged, not judged: `ctrlPossessAtt`,
    /// `email`, `telephone`.
    public var attestations: [String: String]

    /// The values `linkType` and `context` may take.
    public static let linkType = "verificationService"
    public static let context = "dscsaSaleableReturn"
    /// Logged when given; never required.
    public static let loggedParameters = ["ctrlPossessAtt", "email", "telephone"]

    /// Checks a request.
    ///
    /// - Parameters:
    ///   - path: the raw (still percent-encoded) path after the base, starting `/verify/gtin/`.
    ///   - query: the raw query string, without `?`.
    ///   - referenceYear: the year the YYMMDD century window is centred on (this year).
    public static func parse(path: Substring, query: Substring, referenceYear: Int) -> Result<VerificationRequest, VerificationRejection> {
        Result { () throws(VerificationRejection) in
            var segments = path.split(separator: "/", omittingEmptySubsequences: false)
            if segments.first == "" { segments.removeFirst() }
            if segments.count == 8, segments.last == "" { segments.removeLast() }
            guard segments.count == 7, segments[0] == "verify", segments[1] == "gtin", segments[3] == "lot", segments[5] == "ser" else {
                throw VerificationRejection(
                    field: "path", reason: "is not /verify/gtin/{gtin}/lot/{lot}/ser/{ser}",
                    fix: "give the GTIN, lot and serial as path segments in that order")
            }
            let gtin = try Fields.gtin(try PercentDecoding.decode(segments[2], field: "gtin").get())
            let lot = try Fields.text(try PercentDecoding.decode(segments[4], field: "lot").get(), field: "lot", name: "lot (AI 10)")
            let serial = try Fields.text(try PercentDecoding.decode(segments[6], field: "ser").get(), field: "ser", name: "serial (AI 21)")
            let parameters = try QueryParameters.parse(query).get()
            let exp = try parameters.required("exp", form: "YYMMDD").get()
            let expiry: GS1Date
            do { expiry = try GS1Date(yymmdd: exp, referenceYear: referenceYear, name: "exp") } catch {
                throw VerificationRejection(
                    field: "exp", reason: "is not a real YYMMDD date (\(Fields.reason(error)))",
                    fix: "send the printed expiry as YYMMDD; day 00 means the last day of the month")
            }
            try Fields.enumValue(parameters, "linkType", linkType)
            try Fields.enumValue(parameters, "context", context)
            let requestor = try Fields.gln(try parameters.required("reqGLN", form: "your 13-digit GLN").get())
            let correlationID = try parameters.required("corrUUID", form: "a version-4 UUID").get()
            guard Fields.isVersion4UUID(correlationID) else {
                throw VerificationRejection(
                    field: "corrUUID", reason: "is not a version-4 UUID (8-4-4-4-12 hexadecimal digits, '4' opening the third group)",
                    fix: "generate a random (version 4) UUID for each request")
            }
            var attestations: [String: String] = [:]
            for name in loggedParameters { if let value = try parameters.optional(name).get() { attestations[name] = value } }
            return VerificationRequest(
                gtin: gtin, lot: lot, serial: serial, expiry: expiry, requestor: requestor, correlationID: correlationID,
                attestations: attestations)
        }
    }
}

/// A checked `checkConnectivity` request: `gtin`, `reqGLN`, `linkType` and `context`, all
/// required (GS1 US); a `corrUUID` is ignored (LMS 1.1 §2).
public struct ConnectivityRequest: Hashable, Sendable {
    public var gtin: GTIN
    public var requestor: GLN

    public static func parse(query: Substring) -> Result<ConnectivityRequest, VerificationRejection> {
        Result { () throws(VerificationRejection) in
            let parameters = try QueryParameters.parse(query).get()
            let gtin = try Fields.gtin(try parameters.required("gtin", form: "the 14-digit GTIN").get())
            try Fields.enumValue(parameters, "linkType", VerificationRequest.linkType)
            try Fields.enumValue(parameters, "context", VerificationRequest.context)
            let requestor = try Fields.gln(try parameters.required("reqGLN", form: "your 13-digit GLN").get())
            return ConnectivityRequest(gtin: gtin, requestor: requestor)
        }
    }
}

/// The checks both requests share.
enum Fields {
    /// The GS1 module's message for a value it refused.
    static func reason(_ error: any Error) -> String { (error as? GS1Error)?.message ?? "\(error)" }

    static func gtin(_ text: String) throws(VerificationRejection) -> GTIN {
        do { return try GTIN(text) } catch {
            throw VerificationRejection(
                field: "gtin", reason: reason(error), fix: "send the GTIN as 8, 12, 13 or 14 digits with its GS1 check digit")
        }
    }

    static func gln(_ text: String) throws(VerificationRejection) -> GLN {
        do { return try GLN(text) } catch {
            throw VerificationRejection(field: "reqGLN", reason: reason(error), fix: "send your 13-digit GLN with its GS1 check digit")
        }
    }

    /// A lot or serial: 1 to 20 characters of the GS1 82-character set.
    static func text(_ text: String, field: String, name: String) throws(VerificationRejection) -> String {
        do { try GS1CharacterSet.validate(text, name: name, maxLength: 20) } catch {
            throw VerificationRejection(
                field: field, reason: reason(error), fix: "send the \(name) as printed, percent-encoding characters such as / % ? #")
        }
        return text
    }

    static func enumValue(_ parameters: QueryParameters, _ name: String, _ allowed: String) throws(VerificationRejection) {
        let value: String
        switch parameters.required(name, form: allowed) {
        case .success(let found): value = found
        case .failure(let rejection): throw rejection
        }
        guard value == allowed else {
            throw VerificationRejection(
                field: name, reason: "is not \(allowed), the one value this responder answers", fix: "send \(name)=\(allowed)")
        }
    }

    /// `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`.
    static func isVersion4UUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23: if byte != UInt8(ascii: "-") { return false }
            case 14: if byte != UInt8(ascii: "4") { return false }
            case 19: if !"89abAB".utf8.contains(byte) { return false }
            default:
                let hex = (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
                if !hex { return false }
            }
        }
        return true
    }
}
