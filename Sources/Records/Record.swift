public import GS1

/// A serialised unit the store tracks: an SGTIN (GTIN + serial) or an SSCC.
public enum UnitKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A serialised trade item: the 14-digit GTIN and the serial exactly as printed.
    case sgtin(gtin: String, serial: String)
    /// A logistic unit: the 18-digit SSCC.
    case sscc(String)

    /// The GTIN column as stored: the 14 digits, or empty for an SSCC.
    public var gtinColumn: String {
        if case .sgtin(let gtin, _) = self { return gtin }
        return ""
    }
    /// The serial column as stored: the serial, or the 18 digits of an SSCC.
    public var serialColumn: String {
        switch self {
        case .sgtin(_, let serial): serial
        case .sscc(let sscc): sscc
        }
    }
    /// Rebuilds a key from its two stored columns.
    public init(gtinColumn: String, serialColumn: String) {
        self = gtinColumn.isEmpty ? .sscc(serialColumn) : .sgtin(gtin: gtinColumn, serial: serialColumn)
    }
    /// The GTIN of an SGTIN.
    public var gtin: String? {
        if case .sgtin(let gtin, _) = self { return gtin }
        return nil
    }

    /// `(01)…(21)…` or `(00)…`, the form people read on labels.
    public var description: String {
        switch self {
        case .sgtin(let gtin, let serial): "(01)\(gtin)(21)\(serial)"
        case .sscc(let sscc): "(00)\(sscc)"
        }
    }

    public static func < (lhs: UnitKey, rhs: UnitKey) -> Bool {
        (lhs.gtinColumn, lhs.serialColumn) < (rhs.gtinColumn, rhs.serialColumn)
    }
}

/// An event time from the feed: as written, its offset, and its UTC instant for ordering.
public struct FeedTime: Hashable, Sendable {
    /// The date-time exactly as the feed gave it, for example `2023-03-27T01:45:16-05:00`.
    public var text: String
    /// The offset, `±hh:mm` (`+00:00` for `Z`).
    public var offset: String
    /// The instant in UTC, `YYYY-MM-DDThh:mm:ss.fffZ`; comparing these as text orders instants.
    public var utc: String

    /// Creates a time from its parts (the decoder checks them).
    public init(text: String, offset: String, utc: String) {
        self.text = text
        self.offset = offset
        self.utc = utc
    }
}

/// A postal address of a location or party.
public struct Address: Hashable, Sendable {
    public var street1: String
    public var street2: String?
    public var city: String
    public var state: String
    public var postalCode: String
    /// ISO 3166-1 alpha-2.
    public var country: String

    public init(street1: String, street2: String? = nil, city: String, state: String, postalCode: String, country: String) {
        self.street1 = street1
        self.street2 = street2
        self.city = city
        self.state = state
        self.postalCode = postalCode
        self.country = country
    }
}

/// Product master data: what a partner sees as the TI product fields.
public struct ProductRecord: Hashable, Sendable {
    public var gtin: GTIN
    public var ndc: NDC
    public var name: String
    public var dosageForm: String
    public var strength: String
    public var containerSize: String
    public var manufacturer: String
    /// The GS1 Company Prefix length, needed to write EPC URNs of this GTIN.
    public var companyPrefixLength: Int

    public init(
        gtin: GTIN, ndc: NDC, name: String, dosageForm: String, strength: String, containerSize: String, manufacturer: String,
        companyPrefixLength: Int
    ) {
        self.gtin = gtin
        self.ndc = ndc
        self.name = name
        self.dosageForm = dosageForm
        self.strength = strength
        self.containerSize = containerSize
        self.manufacturer = manufacturer
        self.companyPrefixLength = companyPrefixLength
    }

}

/// Location or party master data, identified by a GLN (and an SGLN extension, `0` by default).
public struct LocationRecord: Hashable, Sendable {
    public var gln: GLN
    public var glnExtension: String
    public var companyPrefixLength: Int
    public var name: String
    public var address: Address

    /// The key under which the store keeps it: the GLN, plus `.extension` when not `0`.
    public var key: String { LocationRecord.key(gln: gln.value, extension: glnExtension) }

    public init(gln: GLN, glnExtension: String, companyPrefixLength: Int, name: String, address: Address) {
        self.gln = gln
        self.glnExtension = glnExtension
        self.companyPrefixLength = companyPrefixLength
        self.name = name
        self.address = address
    }

    /// The store key of a GLN and extension.
    public static func key(gln: String, extension glnExtension: String) -> String {
        glnExtension == "0" ? gln : gln + "." + glnExtension
    }
}

/// Who owns and where: a party GLN and a location GLN (both with location master data).
public struct PartyAndPlace: Hashable, Sendable {
    public var party: GLN
    public var location: GLN

    public init(party: GLN, location: GLN) {
        self.party = party
        self.location = location
    }

}

/// Commissioning: serials of one GTIN and lot, or SSCCs, put into existence at a site.
public struct CommissionRecord: Hashable, Sendable {
    /// What was commissioned.
    public enum Content: Hashable, Sendable {
        /// Serialised items or cases of one GTIN, lot and expiry (expiry `YYYY-MM-DD`).
        case items(gtin: GTIN, lot: String, expiry: String, serials: [String])
        /// Logistic units.
        case ssccs([String])
    }
    public var time: FeedTime
    public var site: GLN
    public var content: Content

    public init(time: FeedTime, site: GLN, content: Content) {
        self.time = time
        self.site = site
        self.content = content
    }

    /// The units, in feed order.
    public var units: [UnitKey] {
        switch content {
        case .items(let gtin, _, _, let serials): serials.map { .sgtin(gtin: gtin.value, serial: $0) }
        case .ssccs(let ssccs): ssccs.map { .sscc($0) }
        }
    }
    /// How many units.
    public var count: Int {
        switch content {
        case .items(_, _, _, let serials): serials.count
        case .ssccs(let ssccs): ssccs.count
        }
    }
}

/// Packing children into a parent (a case SGTIN or an SSCC), or unpacking them. For an unpack,
/// empty `children` means everything the parent holds.
public struct PackingRecord: Hashable, Sendable {
    public var time: FeedTime
    public var site: GLN
    public var parent: UnitKey
    public var children: [UnitKey]

    public init(time: FeedTime, site: GLN, parent: UnitKey, children: [UnitKey]) {
        self.time = time
        self.site = site
        self.parent = parent
        self.children = children
    }
}

/// A sale and shipment to a trading partner: the top-level containers or loose items shipped.
public struct ShipRecord: Hashable, Sendable {
    public var time: FeedTime
    /// The shipment id the composer and the delivery queue use.
    public var shipment: String
    public var from: PartyAndPlace
    public var to: PartyAndPlace
    /// The buyer's purchase order number.
    public var purchaseOrder: String
    /// The seller's despatch advice (delivery) number.
    public var despatchAdvice: String?
    /// A drop shipment (the buyer owns but never holds the goods).
    public var dropShipment: Bool
    public var items: [UnitKey]

    public init(
        time: FeedTime, shipment: String, from: PartyAndPlace, to: PartyAndPlace, purchaseOrder: String, despatchAdvice: String? = nil,
        dropShipment: Bool, items: [UnitKey]
    ) {
        self.time = time
        self.shipment = shipment
        self.from = from
        self.to = to
        self.purchaseOrder = purchaseOrder
        self.despatchAdvice = despatchAdvice
        self.dropShipment = dropShipment
        self.items = items
    }

}

/// A return received back from a partner.
public struct ReceiveRecord: Hashable, Sendable {
    public var time: FeedTime
    public var site: GLN
    public var from: PartyAndPlace?
    /// The return authorisation, if any.
    public var returnAuthorization: String?
    public var items: [UnitKey]

    public init(time: FeedTime, site: GLN, from: PartyAndPlace? = nil, returnAuthorization: String? = nil, items: [UnitKey]) {
        self.time = time
        self.site = site
        self.from = from
        self.returnAuthorization = returnAuthorization
        self.items = items
    }

}

/// Taking units out of the supply chain.
public struct RemovalRecord: Hashable, Sendable {
    public var time: FeedTime
    public var site: GLN
    public var items: [UnitKey]
    public var reason: String?

    public init(time: FeedTime, site: GLN, items: [UnitKey], reason: String? = nil) {
        self.time = time
        self.site = site
        self.items = items
        self.reason = reason
    }

}

/// A status change at product, lot or serial level.
public struct StatusRecord: Hashable, Sendable {
    /// The statuses a manufacturer sets (and `cleared`, which ends suspect or illegitimate).
    public enum Status: String, Hashable, Sendable, CaseIterable {
        case recalled = "recall"
        case withdrawn = "withdraw"
        case suspect = "suspect"
        case illegitimate = "illegitimate"
        case cleared = "cleared"
        case expiryExtended = "expiry-extension"
    }
    /// What the status applies to.
    public enum Scope: Hashable, Sendable {
        case product(GTIN)
        case lot(GTIN, String)
        case serials([UnitKey])
    }
    public var time: FeedTime
    public var status: Status
    public var scope: Scope
    /// For `expiry-extension`: the new expiry, `YYYY-MM-DD`.
    public var newExpiry: String?
    public var reason: String?

    public init(time: FeedTime, status: Status, scope: Scope, newExpiry: String? = nil, reason: String? = nil) {
        self.time = time
        self.status = status
        self.scope = scope
        self.newExpiry = newExpiry
        self.reason = reason
    }

}

/// One record of the feed, decoded and checked on its own (the store checks it against state).
public struct FeedRecord: Hashable, Sendable {
    /// What the record says.
    public enum Body: Hashable, Sendable {
        case product(ProductRecord)
        case location(LocationRecord)
        case commission(CommissionRecord)
        case aggregate(PackingRecord)
        case disaggregate(PackingRecord)
        case ship(ShipRecord)
        case receive(ReceiveRecord)
        case decommission(RemovalRecord)
        case destroy(RemovalRecord)
        case status(StatusRecord)
    }
    /// The sender's record id; re-sending the same id with the same content is harmless.
    public var id: String
    /// The 1-based line the record starts on.
    public var line: Int
    /// SHA-256 (hex) of the record's canonical JSON, to recognise a re-sent record.
    public var digest: String
    /// The record.
    public var body: Body
    /// For CSV records built from several rows: the line of each element of a list field
    /// (`serials`, `children`, `items`), so that problems point at the right row.
    public var elementLines: [String: [Int]]

    public init(id: String, line: Int, digest: String, body: Body, elementLines: [String: [Int]] = [:]) {
        self.id = id
        self.line = line
        self.digest = digest
        self.body = body
        self.elementLines = elementLines
    }

    /// The record kind as written in the feed (`commission`, `ship`, …).
    public var kind: String {
        switch body {
        case .product: "product"
        case .location: "location"
        case .commission: "commission"
        case .aggregate: "aggregate"
        case .disaggregate: "disaggregate"
        case .ship: "ship"
        case .receive: "receive"
        case .decommission: "decommission"
        case .destroy: "destroy"
        case .status: "status"
        }
    }

    /// The line of element `index` of list `field`.
    public func line(of field: String, _ index: Int) -> Int {
        if let lines = elementLines[field], index < lines.count { return lines[index] }
        return line
    }
}
