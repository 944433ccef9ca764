/// What the store knows about one requested identifier, gathered before the pure decision.
public struct VerificationFacts: Hashable, Sendable {
    /// Where the unit stands in its life.
    public enum Life: Hashable, Sendable {
        /// Commissioned, shipped or returned: in the supply chain.
        case active
        case decommissioned
        case destroyed
    }

    /// The serialised unit (an item or a homogeneous case) as commissioned.
    public struct Unit: Hashable, Sendable {
        public var lot: String
        /// The printed expiry, `YYYY-MM-DD`.
        public var expiry: String
        public var life: Life

        public init(lot: String, expiry: String, life: Life) {
            self.lot = lot
            self.expiry = expiry
            self.life = life
        }
    }

    /// A status record that covers the unit (its GTIN, its lot or the unit itself).
    public struct Status: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            case recalled
            case withdrawn
            case suspect
            case illegitimate
            /// Ends `suspect` and `illegitimate` set before it.
            case cleared
            /// An FDA expiry extension to this date (`YYYY-MM-DD`).
            case expiryExtended(String)
        }
        public var kind: Kind
        /// When it took effect, ISO 8601 UTC; statuses apply in this order.
        public var utc: String

        public init(kind: Kind, utc: String) {
            self.kind = kind
            self.utc = utc
        }
    }

    /// The GTIN's company prefix is one of the manufacturer's.
    public var ourPrefix: Bool
    /// The GTIN is in product master data.
    public var productKnown: Bool
    /// Nil when no unit with that GTIN and serial was commissioned.
    public var unit: Unit?
    public var statuses: [Status]

    public init(ourPrefix: Bool, productKnown: Bool, unit: Unit?, statuses: [Status]) {
        self.ourPrefix = ourPrefix
        self.productKnown = productKnown
        self.unit = unit
        self.statuses = statuses
    }
}
