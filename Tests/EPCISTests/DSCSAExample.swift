import EPCIS
import GS1

/// The GS1 US R1.3 direct-purchase shipment (one pallet, three cases, twelve packs) built as a
/// model, the way the composer will build it from records.
enum DSCSAExample {
    static let mda = EPCISNamespace.cbvmda
    static let manufacturer = "urn:epc:id:sgln:030001.111111.0"
    static let manufacturerDC = "urn:epc:id:sgln:030001.111121.0"
    static let wholesaler = "urn:epc:id:sgln:039999.999999.0"
    static let wholesalerDC = "urn:epc:id:sgln:039999.345678.0"

    static func sgtin(_ gtin: String, _ serial: String) -> String {
        try! SGTIN(gtin: GTIN(gtin), serial: SerialNumber(serial), companyPrefixLength: 6).uri
    }
    static let packs = (11...22).map { sgtin("00300010123455", String($0)) }
    static let cases = ["110", "111", "121"].map { sgtin("10300010123452", $0) }
    static let pallet = try! EPC.sscc(SSCC("403000112345678901"), companyPrefixLength: 6).uri

    static var header: EPCISHeader {
        let product: [VocabularyElement.Attribute] = [
            .init(id: "urn:epcglobal:cbv:mda#additionalTradeItemIdentification", value: "0001-0123-45"),
            .init(id: "urn:epcglobal:cbv:mda#additionalTradeItemIdentificationTypeCode", value: "US_FDA_NDC"),
            .init(id: "urn:epcglobal:cbv:mda#regulatedProductName", value: "Epcistra"),
            .init(id: "urn:epcglobal:cbv:mda#manufacturerOfTradeItemPartyName", value: "GS1 Pharma LLC"),
            .init(id: "urn:epcglobal:cbv:mda#dosageFormType", value: "PILL"),
            .init(id: "urn:epcglobal:cbv:mda#strengthDescription", value: "100mg"),
            .init(id: "urn:epcglobal:cbv:mda#netContentDescription", value: "500 pills"),
        ]
        func place(_ id: String, _ name: String, _ street: String, _ city: String, _ state: String, _ zip: String) -> VocabularyElement {
            VocabularyElement(
                id: id,
                attributes: [
                    .init(id: "urn:epcglobal:cbv:mda#name", value: name), .init(id: "urn:epcglobal:cbv:mda#streetAddressOne", value: street),
                    .init(id: "urn:epcglobal:cbv:mda#city", value: city), .init(id: "urn:epcglobal:cbv:mda#state", value: state),
                    .init(id: "urn:epcglobal:cbv:mda#postalCode", value: zip), .init(id: "urn:epcglobal:cbv:mda#countryCode", value: "US"),
                ])
        }
        let hc = EPCISNamespace.gs1ushc
        return EPCISHeader(
            sbdh: StandardBusinessDocumentHeader(
                senders: [.init(authority: "GS1", value: manufacturer)], receivers: [.init(authority: "GS1", value: wholesaler)],
                instanceIdentifier: "1100220001", creationDateAndTime: "2023-04-01T08:45:16Z"),
            vocabularies: [
                Vocabulary(
                    type: Vocabulary.epcClassType,
                    elements: [
                        VocabularyElement(id: "urn:epc:idpat:sgtin:030001.0012345.*", attributes: product),
                        VocabularyElement(id: "urn:epc:idpat:sgtin:030001.1012345.*", attributes: product),
                    ]),
                Vocabulary(
                    type: Vocabulary.locationType,
                    elements: [
                        place(manufacturer, "GS1 Pharma", "1 Biopharm Ct", "Thousand Oaks", "CA", "91320"),
                        place(manufacturerDC, "GS1 Pharma DC", "2806 Agoura Rd", "Westlake Village", "CA", "91361"),
                        place(wholesaler, "GS1 Drug Distributor", "230 Park Ave S", "New York", "NY", "10003-1502"),
                        place(wholesalerDC, "GS1 Drug Distributor Warehouse", "136 Main St", "Louisville", "KY", "40218"),
                    ]),
            ],
            extensions: [
                XMLElement(namespace: hc, prefix: "gs1ushc", name: "guidelineVersion", text: "GS1 US DSCSA R1.3"),
                XMLElement(
                    namespace: hc, prefix: "gs1ushc", name: "dscsaTransactionStatement",
                    children: [
                        .element(XMLElement(namespace: hc, prefix: "gs1ushc", name: "affirmTransactionStatement", text: "true")),
                        .element(
                            XMLElement(
                                namespace: hc, prefix: "gs1ushc", name: "legalNotice",
                                text: "Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G).")),
                    ]),
            ])
    }

    static func event(_ type: EPCISEventType, _ time: String, _ action: EPCISAction, _ bizStep: String, _ disposition: String, at place: String)
        -> EPCISEvent
    {
        var event = EPCISEvent(type: type, eventTime: time, eventTimeZoneOffset: "-05:00", action: action)
        event.bizStep = bizStep
        event.disposition = disposition
        event.readPoint = place
        event.bizLocation = place
        return event
    }

    static var events: [EPCISEvent] {
        let ilmd = [
            XMLElement(namespace: mda, prefix: "cbvmda", name: "lotNumber", text: "A123"),
            XMLElement(namespace: mda, prefix: "cbvmda", name: "itemExpirationDate", text: "2025-03-27"),
        ]
        var commissionPacks = event(.object, "2023-03-27T06:45:16Z", .add, "commissioning", "active", at: manufacturer)
        commissionPacks.epcList = packs
        commissionPacks.ilmd = ilmd
        var commissionCases = event(.object, "2023-03-27T06:46:16Z", .add, "commissioning", "active", at: manufacturer)
        commissionCases.epcList = cases
        commissionCases.ilmd = ilmd
        var list = [commissionPacks, commissionCases]
        for (index, parent) in cases.enumerated() {
            var pack = event(.aggregation, "2023-03-27T06:5\(index):16Z", .add, "packing", "in_progress", at: manufacturer)
            pack.parentID = parent
            pack.epcList = Array(packs[(index * 4)..<(index * 4 + 4)])
            list.append(pack)
        }
        var commissionPallet = event(.object, "2023-04-01T06:47:16Z", .add, "commissioning", "active", at: manufacturerDC)
        commissionPallet.epcList = [pallet]
        var palletize = event(.aggregation, "2023-04-01T06:48:16Z", .add, "packing", "in_progress", at: manufacturerDC)
        palletize.parentID = pallet
        palletize.epcList = cases
        var ship = event(.object, "2023-04-01T07:48:16Z", .observe, "shipping", "in_transit", at: manufacturerDC)
        ship.bizLocation = nil
        ship.epcList = [pallet]
        ship.bizTransactions = [
            TypedReference(type: "po", value: "urn:epcglobal:cbv:bt:0399999999991:XYZPO189"),
            TypedReference(type: "desadv", value: "urn:epcglobal:cbv:bt:0300011111215:DEL100"),
        ]
        ship.sources = [TypedReference(type: "owning_party", value: manufacturer), TypedReference(type: "location", value: manufacturerDC)]
        ship.destinations = [TypedReference(type: "owning_party", value: wholesaler), TypedReference(type: "location", value: wholesalerDC)]
        ship.extensions = [XMLElement(namespace: EPCISNamespace.gs1ushc, prefix: "gs1ushc", name: "dropShipment", text: "false")]
        list += [commissionPallet, palletize, ship]
        return list
    }
}
