public import EPCIS

/// One GS1 US DSCSA rule (R1.2/R1.3 shape) that `validate --profile dscsa` applies: its id, how
/// serious a breach is, what it asks, and how a breach is usually fixed.
public struct DSCSARule: Hashable, Sendable {
    public var id: String
    public var severity: EPCISIssue.Severity
    public var summary: String
    public var hint: String

    public init(_ id: String, _ severity: EPCISIssue.Severity, _ summary: String, hint: String) {
        self.id = id
        self.severity = severity
        self.summary = summary
        self.hint = hint
    }

    /// A finding of this rule.
    func issue(_ message: String, path: String?) -> EPCISIssue {
        EPCISIssue(severity, rule: id, message: message, path: path, hint: hint)
    }

    /// Every rule, as `validate --rules` lists them.
    public static let all: [DSCSARule] = [
        productMasterData, ndcMissing, ndcMismatch, locationMasterData, legacyMasterData, lotAndExpiry, notCommissioned, twoParents,
        shippingEvent, shippingDisposition, shippingTransaction, shippingSource, shippingDestination, sbdh, sbdhAuthority,
        transactionStatement, eventTimeOffset, lifecycleOrder,
    ]

    public static let productMasterData = DSCSARule(
        "dscsa:master-data-product", .error, "every product (GTIN) in the events has EPCClass master data in the header",
        hint: "add a VocabularyElement id=\"urn:epc:idpat:sgtin:<prefix>.<item>.*\" with the product's NDC, name, dosage form and strength")
    public static let ndcMissing = DSCSARule(
        "dscsa:ndc-missing", .error, "every product's master data names its NDC (additionalTradeItemIdentification with its type code)",
        hint: "add additionalTradeItemIdentification (the NDC) and additionalTradeItemIdentificationTypeCode (US_FDA_NDC or FDA_NDC_11)")
    public static let ndcMismatch = DSCSARule(
        "dscsa:ndc-mismatch", .error,
        "the NDC in master data is the one inside the GTIN, and its labeler code is as long as the company prefix says",
        hint:
            "take the NDC from the FDA listing of this GTIN: its digits follow '03' in the GTIN, and the labeler has (company prefix length − 2) digits"
    )
    public static let locationMasterData = DSCSARule(
        "dscsa:master-data-location", .error, "every location and party the events name has Location master data with name and address",
        hint: "add a Location VocabularyElement for the SGLN with name, streetAddressOne, city, state, postalCode and countryCode")
    public static let legacyMasterData = DSCSARule(
        "dscsa:legacy-master-data", .warning, "product master data in ILMD (the R1.1 form) is recognised, but R1.2 and later put it in the header",
        hint: "ask the sender for the R1.3 form: EPCClass master data in the EPCIS header")
    public static let lotAndExpiry = DSCSARule(
        "dscsa:lot-expiry", .error, "every commissioned item and case carries its lot and expiry in ILMD",
        hint: "add cbvmda:lotNumber and cbvmda:itemExpirationDate (YYYY-MM-DD) to the commissioning event's ILMD")
    public static let notCommissioned = DSCSARule(
        "dscsa:not-commissioned", .error,
        "every shipped EPC, and everything packed inside it, is commissioned in the document (unless it is a drop shipment or a return)",
        hint: "add the commissioning event (and its packing events) for these EPCs, or flag the shipping event gs1ushc:dropShipment true")
    public static let twoParents = DSCSARule(
        "dscsa:two-parents", .error, "no child is packed into two parents at once",
        hint: "unpack the child (an AggregationEvent DELETE) before packing it into another parent, or correct the parent")
    public static let shippingEvent = DSCSARule(
        "dscsa:shipping-event", .error, "the document has a shipping event (ObjectEvent, bizStep shipping)",
        hint: "add the ObjectEvent OBSERVE with bizStep shipping that lists the shipped containers")
    public static let shippingDisposition = DSCSARule(
        "dscsa:shipping-disposition", .error, "the shipping event has disposition in_transit",
        hint: "set the shipping event's disposition to urn:epcglobal:cbv:disp:in_transit")
    public static let shippingTransaction = DSCSARule(
        "dscsa:shipping-transaction", .error, "the shipping event names the purchase order or the invoice",
        hint: "add a bizTransaction of type urn:epcglobal:cbv:btt:po (the buyer's PO) or urn:epcglobal:cbv:btt:inv")
    public static let shippingSource = DSCSARule(
        "dscsa:shipping-source", .error, "the shipping event's sourceList names the seller (owning_party) and the ship-from location",
        hint: "add source entries of type urn:epcglobal:cbv:sdt:owning_party and urn:epcglobal:cbv:sdt:location")
    public static let shippingDestination = DSCSARule(
        "dscsa:shipping-destination", .error, "the shipping event's destinationList names the buyer (owning_party) and the ship-to location",
        hint: "add destination entries of type urn:epcglobal:cbv:sdt:owning_party and urn:epcglobal:cbv:sdt:location")
    public static let sbdh = DSCSARule(
        "dscsa:sbdh", .error, "the header has an SBDH with the sender's and the receiver's identifier",
        hint: "add sbdh:StandardBusinessDocumentHeader with Sender/Identifier and Receiver/Identifier")
    public static let sbdhAuthority = DSCSARule(
        "dscsa:sbdh-authority", .error, "each SBDH identifier's Authority matches its form (GS1 or SGLN: an SGLN URN; GLN: 13 digits)",
        hint: "write Authority=\"SGLN\" (or GS1) with urn:epc:id:sgln:…, or Authority=\"GLN\" with the 13-digit GLN")
    public static let transactionStatement = DSCSARule(
        "dscsa:transaction-statement", .error, "the header carries the transaction statement, affirmed",
        hint: "add gs1ushc:dscsaTransactionStatement with gs1ushc:affirmTransactionStatement true and the legal notice")
    public static let eventTimeOffset = DSCSARule(
        "dscsa:event-time-offset", .error, "every event time carries its offset (Z or ±hh:mm) and its eventTimeZoneOffset",
        hint: "write eventTime with Z or ±hh:mm, and eventTimeZoneOffset, as the sending system's clock had them")
    public static let lifecycleOrder = DSCSARule(
        "dscsa:lifecycle-order", .error, "events come in lifecycle order: an EPC is commissioned before it is packed, and packed before it ships",
        hint: "check the sending system's clock and the events' times; a packing or shipping event cannot precede the commissioning it follows")
}
