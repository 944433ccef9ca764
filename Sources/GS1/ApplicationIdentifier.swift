/// A GS1 Application Identifier this gateway understands, with its data format.
///
/// The set is deliberately the DSCSA/EPCIS one: any other AI in an element string or Digital
/// Link is reported as ``GS1Error/Code/unknownApplicationIdentifier`` rather than skipped, so a
/// code is never half-read.
public struct ApplicationIdentifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The shape of an AI's value.
    public enum Format: Hashable, Sendable {
        /// Exactly `count` digits.
        case numeric(count: Int)
        /// 1 to `maxLength` characters of the GS1 82-character set.
        case alphanumeric(maxLength: Int)
    }

    /// The AI digits, for example `01`.
    public let code: String
    /// The GS1 data title, for example `GTIN`.
    public let title: String
    /// The value format.
    public let format: Format

    /// `(00)` SSCC.
    public static let sscc = ApplicationIdentifier(code: "00", title: "SSCC", format: .numeric(count: 18))
    /// `(01)` GTIN.
    public static let gtin = ApplicationIdentifier(code: "01", title: "GTIN", format: .numeric(count: 14))
    /// `(10)` batch or lot number.
    public static let lot = ApplicationIdentifier(code: "10", title: "BATCH/LOT", format: .alphanumeric(maxLength: 20))
    /// `(11)` production date, YYMMDD.
    public static let productionDate = ApplicationIdentifier(code: "11", title: "PROD DATE", format: .numeric(count: 6))
    /// `(17)` expiration date, YYMMDD.
    public static let expiry = ApplicationIdentifier(code: "17", title: "USE BY OR EXPIRY", format: .numeric(count: 6))
    /// `(21)` serial number.
    public static let serial = ApplicationIdentifier(code: "21", title: "SERIAL", format: .alphanumeric(maxLength: 20))
    /// `(254)` GLN extension component.
    public static let glnExtension = ApplicationIdentifier(code: "254", title: "GLN EXTENSION COMPONENT", format: .alphanumeric(maxLength: 20))
    /// `(414)` GLN of a physical location.
    public static let locationGLN = ApplicationIdentifier(code: "414", title: "LOC No.", format: .numeric(count: 13))
    /// `(417)` party GLN.
    public static let partyGLN = ApplicationIdentifier(code: "417", title: "PARTY", format: .numeric(count: 13))

    /// Every supported AI, in the order element strings place them: fixed-length first,
    /// variable-length last (so that only the variable ones need a GS separator).
    public static let all: [ApplicationIdentifier] = [
        .sscc, .gtin, .locationGLN, .partyGLN, .productionDate, .expiry, .lot, .serial, .glnExtension,
    ]

    /// Looks up a supported AI by its digits.
    public static func named(_ code: some StringProtocol) -> ApplicationIdentifier? {
        all.first { $0.code == code }
    }

    /// True for fixed-length AIs, which never need a GS separator after them.
    public var isFixedLength: Bool {
        if case .numeric = format { return true }
        return false
    }

    /// The position in ``all``, which defines canonical output order.
    var rank: Int { ApplicationIdentifier.all.firstIndex(of: self)! }

    public var description: String { "(\(code))" }
    public static func < (lhs: ApplicationIdentifier, rhs: ApplicationIdentifier) -> Bool { lhs.rank < rhs.rank }

    /// How many digits the AIs starting with two given digits have (GS1 General Specifications
    /// figure 3.2-1), used to name an unknown AI exactly in an error.
    static func lengthOfAI(startingWith twoDigits: Substring) -> Int {
        switch twoDigits {
        case "23", "24", "25", "40", "41", "42", "71": return 3
        case "31", "32", "33", "34", "35", "36", "39", "43", "70", "72", "80", "81", "82": return 4
        default: return 2
        }
    }
}
