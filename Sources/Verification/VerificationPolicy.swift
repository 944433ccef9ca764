/// How the manufacturer answers for product it has flagged: the choices GS1 US R1.3 §8.3
/// leaves to it, per GTIN, lot or serial, with a default.
///
/// The most specific rule that sets a choice wins: serial, then lot, then GTIN, then the
/// default. Read from the policy file (`Schemas/verification-policy.schema.json`) by the
/// Partners module's loader.
public struct VerificationPolicy: Hashable, Sendable {
    /// Recalled or withdrawn product.
    public enum RecallAnswer: String, Hashable, Sendable, CaseIterable {
        /// B1: `verified: true` with `additionalInfo: Recalled`.
        case verified
        /// B2: `verified: false`, `Manufacturer_policy`, `additionalInfo: Recalled`.
        case notVerified = "not-verified"
    }

    /// Product past its expiry (the FDA-extended one, if any).
    public enum ExpiryAnswer: String, Hashable, Sendable, CaseIterable {
        /// B1: `verified: true` with `additionalInfo: Expired`.
        case verified
        /// B2: `verified: false`, `Manufacturer_policy`, `additionalInfo: Expired`.
        case notVerified = "not-verified"
        /// Expiry is not judged (SAP's "Default" rule).
        case ignore
    }

    /// One rule; a nil choice falls through to the less specific rule.
    public struct Rule: Hashable, Sendable {
        public var recalled: RecallAnswer?
        public var expired: ExpiryAnswer?
        /// C2: unfit for sale, reason withheld (`Manufacturer_policy`, no additionalInfo).
        public var withhold: Bool?

        public init(recalled: RecallAnswer? = nil, expired: ExpiryAnswer? = nil, withhold: Bool? = nil) {
            self.recalled = recalled
            self.expired = expired
            self.withhold = withhold
        }
    }

    /// What applies to one unit once every level is merged.
    public struct Resolved: Hashable, Sendable {
        public var recalled: RecallAnswer
        public var expired: ExpiryAnswer
        public var withhold: Bool

        public init(recalled: RecallAnswer, expired: ExpiryAnswer, withhold: Bool) {
            self.recalled = recalled
            self.expired = expired
            self.withhold = withhold
        }
    }

    public var defaults: Rule
    /// By 14-digit GTIN.
    public var gtins: [String: Rule]
    /// By GTIN and lot.
    public var lots: [LotKey: Rule]
    /// By GTIN and serial.
    public var serials: [SerialKey: Rule]
    /// When false, every `No_match_*` answer becomes `No_reason_provided` (scenario D).
    public var discloseReasons: Bool

    public struct LotKey: Hashable, Sendable {
        public var gtin: String
        public var lot: String
        public init(gtin: String, lot: String) {
            self.gtin = gtin
            self.lot = lot
        }
    }

    public struct SerialKey: Hashable, Sendable {
        public var gtin: String
        public var serial: String
        public init(gtin: String, serial: String) {
            self.gtin = gtin
            self.serial = serial
        }
    }

    /// The built-in policy: recalled and expired product is answered B2 (not verified,
    /// `Manufacturer_policy`), the cautious choice for saleable returns; reasons are disclosed.
    public init(
        defaults: Rule = Rule(recalled: .notVerified, expired: .notVerified, withhold: false), gtins: [String: Rule] = [:],
        lots: [LotKey: Rule] = [:], serials: [SerialKey: Rule] = [:], discloseReasons: Bool = true
    ) {
        self.defaults = defaults
        self.gtins = gtins
        self.lots = lots
        self.serials = serials
        self.discloseReasons = discloseReasons
    }

    /// The merged choices for one unit.
    public func resolved(gtin: String, lot: String?, serial: String) -> Resolved {
        let rules = [
            serials[SerialKey(gtin: gtin, serial: serial)], lot.flatMap { lots[LotKey(gtin: gtin, lot: $0)] }, gtins[gtin], defaults,
        ].compactMap { $0 }
        return Resolved(
            recalled: rules.lazy.compactMap(\.recalled).first ?? .notVerified, expired: rules.lazy.compactMap(\.expired).first ?? .notVerified,
            withhold: rules.lazy.compactMap(\.withhold).first ?? false)
    }
}
