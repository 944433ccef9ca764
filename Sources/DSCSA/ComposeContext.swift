internal import EPCIS
internal import GS1
internal import Records
internal import Store

/// Everything the composer knows about one shipment besides its units: event headers, master
/// data, identifier prefixes, and the problems found so far.
struct Context {
    let shipment: StoredShipment
    let options: ComposeOptions
    var problems: [ComposeProblem] = []
    private var headers: [String: EventHeader] = [:]
    private var products: [String: ProductRecord] = [:]
    private var locations: [String: LocationRecord] = [:]
    private var prefixes: [String: String] = [:]
    private var ssccLengths: [String: Int] = [:]
    private var unitProblems = 0
    /// Problems about single units beyond this many are counted, not listed.
    static let listedUnitProblems = 50

    static func load(_ shipment: StoredShipment, store: any GatewayStore, options: ComposeOptions) async throws -> Context {
        var context = Context(shipment: shipment, options: options)
        context.headers = try await store.eventHeaders(shipment.eventRecords)
        for id in shipment.eventRecords where context.headers[id] == nil {
            context.problems.append(ComposeProblem(recordID: id, problem: "the event record is missing from the store", fix: "re-ingest it"))
        }
        for header in context.headers.values.sorted(by: { $0.recordID < $1.recordID }) {
            if let gtin = header.gtin, context.products[gtin] == nil {
                if let product = try await store.product(gtin: gtin) {
                    context.products[gtin] = product
                } else {
                    context.problems.append(
                        ComposeProblem(
                            recordID: header.recordID, problem: "GTIN \(gtin) has no product master data",
                            fix: "ingest a product record for GTIN \(gtin) (NDC, name, dosage form, strength, container size, manufacturer)"))
                }
            }
            if header.kind == "commission", header.gtin != nil, header.lot == nil || header.expiry == nil {
                context.problems.append(
                    ComposeProblem(recordID: header.recordID, problem: "lot or expiry is unknown", fix: "correct the commission record"))
            }
        }
        let ship = shipment.record
        var places: [(gln: String, record: String)] = context.headers.values.compactMap { header in header.site.map { ($0, header.recordID) } }
        places += [ship.from.party, ship.from.location, ship.to.party, ship.to.location].map { ($0.value, shipment.recordID) }
        var looked = Set<String>()
        for (gln, recordID) in places.sorted(by: { ($0.gln, $0.record) < ($1.gln, $1.record) }) where looked.insert(gln).inserted {
            if let location = try await store.location(key: gln) {
                context.locations[gln] = location
            } else {
                context.problems.append(
                    ComposeProblem(
                        recordID: recordID, problem: "GLN \(gln) has no location master data",
                        fix: "ingest a location record for GLN \(gln) (name, address, company prefix length)"))
            }
        }
        return context
    }

    /// The writer options: identifiers in the partner's form; company prefixes for turning
    /// Digital Links back into URNs.
    var writerOptions: EPCISWriterOptions {
        var lengths: [String: Int] = [:]
        for product in products.values {
            lengths[String(product.gtin.value.dropFirst().prefix(product.companyPrefixLength))] = product.companyPrefixLength
        }
        for location in locations.values { lengths[String(location.gln.value.prefix(location.companyPrefixLength))] = location.companyPrefixLength }
        return EPCISWriterOptions(identifiers: options.identifiers, companyPrefixLengths: lengths)
    }

    // MARK: Header

    func header(documentID: String, created: String) -> EPCISHeader {
        let ship = shipment.record
        func party(_ gln: GLN) -> StandardBusinessDocumentHeader.PartnerIdentifier {
            switch options.sbdhIdentifier {
            case .gln: .init(authority: "GLN", value: gln.value)
            case .sgln: .init(authority: "SGLN", value: sgln(gln.value))
            case .gs1SGLN: .init(authority: "GS1", value: sgln(gln.value))
            }
        }
        let mda = "urn:epcglobal:cbv:mda#"
        let classes = products.values.sorted { $0.gtin.value < $1.gtin.value }.map { product in
            let ndc: (String, String) =
                options.ndcCodeType == .usFDANDC ? (product.ndc.hyphenated, "US_FDA_NDC") : (product.ndc.ndc11, "FDA_NDC_11")
            return VocabularyElement(
                id: classPattern(product),
                attributes: [
                    .init(id: mda + "additionalTradeItemIdentification", value: ndc.0),
                    .init(id: mda + "additionalTradeItemIdentificationTypeCode", value: ndc.1),
                    .init(id: mda + "regulatedProductName", value: product.name),
                    .init(id: mda + "manufacturerOfTradeItemPartyName", value: product.manufacturer),
                    .init(id: mda + "dosageFormType", value: product.dosageForm),
                    .init(id: mda + "strengthDescription", value: product.strength),
                    .init(id: mda + "netContentDescription", value: product.containerSize),
                ])
        }
        let places = locations.values.sorted { $0.key < $1.key }.map { location in
            var attributes: [VocabularyElement.Attribute] = [
                .init(id: mda + "name", value: location.name), .init(id: mda + "streetAddressOne", value: location.address.street1),
            ]
            if let street2 = location.address.street2 { attributes.append(.init(id: mda + "streetAddressTwo", value: street2)) }
            attributes += [
                .init(id: mda + "city", value: location.address.city), .init(id: mda + "state", value: location.address.state),
                .init(id: mda + "postalCode", value: location.address.postalCode), .init(id: mda + "countryCode", value: location.address.country),
            ]
            return VocabularyElement(id: sgln(location.gln.value), attributes: attributes)
        }
        let hc = EPCISNamespace.gs1ushc
        let guideline = options.transactionHistory ? "GS1 US DSCSA R1.3; transaction history: the events of this document" : "GS1 US DSCSA R1.3"
        return EPCISHeader(
            sbdh: StandardBusinessDocumentHeader(
                senders: [party(ship.from.party)], receivers: [party(ship.to.party)], instanceIdentifier: documentID, creationDateAndTime: created),
            vocabularies: [Vocabulary(type: Vocabulary.epcClassType, elements: classes), Vocabulary(type: Vocabulary.locationType, elements: places)]
                .filter { !$0.elements.isEmpty },
            extensions: [
                XMLElement(namespace: hc, prefix: "gs1ushc", name: "guidelineVersion", text: guideline),
                XMLElement(
                    namespace: hc, prefix: "gs1ushc", name: "dscsaTransactionStatement",
                    children: [
                        .element(XMLElement(namespace: hc, prefix: "gs1ushc", name: "affirmTransactionStatement", text: "true")),
                        .element(XMLElement(namespace: hc, prefix: "gs1ushc", name: "legalNotice", text: ShipmentComposer.legalNotice)),
                    ]),
            ])
    }

    private func classPattern(_ product: ProductRecord) -> String {
        let prefix = (try? SGTIN.uriPrefix(gtin: product.gtin, companyPrefixLength: product.companyPrefixLength)) ?? "urn:epc:id:sgtin:"
        return "urn:epc:idpat:sgtin:" + prefix.dropFirst("urn:epc:id:sgtin:".count) + "*"
    }

    /// The SGLN URN of a GLN with extension 0 (its location record gives the prefix length).
    func sgln(_ gln: String) -> String {
        guard let location = locations[gln],
            let value = try? SGLN(gln: location.gln, extension: "0", companyPrefixLength: location.companyPrefixLength)
        else { return "urn:epc:id:sgln:" + gln }  // only when master data is missing, which is a problem already
        return value.uri
    }

    // MARK: Units

    /// The EPC URN of a unit.
    mutating func uri(_ key: UnitKey) -> String {
        switch key {
        case .sgtin(let gtin, let serial):
            if let prefix = prefixes[gtin] { return prefix + EPCURIEscaping.escape(serial) }
            guard let product = products[gtin],
                let prefix = try? SGTIN.uriPrefix(gtin: product.gtin, companyPrefixLength: product.companyPrefixLength)
            else {
                return "urn:epc:id:sgtin:" + gtin + "." + EPCURIEscaping.escape(serial)
            }
            prefixes[gtin] = prefix
            return prefix + EPCURIEscaping.escape(serial)
        case .sscc(let digits):
            if let length = ssccLengths[digits] ?? companyPrefixLength(ofSSCC: digits),
                let sscc = try? SSCC(digits), let uri = try? EPC.sscc(sscc, companyPrefixLength: length).uri
            {
                ssccLengths[digits] = length
                return uri
            }
            unitProblem(
                ComposeProblem(
                    recordID: nil, problem: "the company prefix of SSCC \(digits) matches no product or location in the shipment",
                    fix: "ingest location master data for the site that made it, with its company prefix length"))
            return "urn:epc:id:sscc:" + digits
        }
    }

    /// The length of the company prefix an SSCC starts with (after its extension digit), from the
    /// products and locations of the shipment.
    private func companyPrefixLength(ofSSCC digits: String) -> Int? {
        let prefixes =
            products.values.map { (String($0.gtin.value.dropFirst().prefix($0.companyPrefixLength)), $0.companyPrefixLength) }
            + locations.values.map { (String($0.gln.value.prefix($0.companyPrefixLength)), $0.companyPrefixLength) }
        return prefixes.first { digits.dropFirst().hasPrefix($0.0) }?.1
    }

    /// The rules each shipped unit must meet.
    mutating func check(_ row: UnitRow) {
        if !(row.phase == .shipped || row.phase == .returned) {
            unitProblem(
                ComposeProblem(
                    recordID: row.lastRecord, problem: "\(row.key) in this shipment is now \(row.phase.word)",
                    fix: "a shipped unit cannot be \(row.phase.word); correct that record"))
        }
        let shipUTC = shipment.record.time.utc
        if row.commissionUTC > shipUTC || (row.packUTC ?? "") > shipUTC {
            unitProblem(
                ComposeProblem(
                    recordID: shipment.recordID, problem: "\(row.key) ships before it was commissioned or packed", fix: "correct the event times"))
        }
    }

    private mutating func unitProblem(_ problem: ComposeProblem) {
        unitProblems += 1
        if unitProblems <= Context.listedUnitProblems {
            problems.append(problem)
        } else if unitProblems == Context.listedUnitProblems + 1 {
            problems.append(ComposeProblem(recordID: nil, problem: "more units have problems like those above", fix: "fix those first"))
        }
    }

    // MARK: Events

    private func event(_ type: EPCISEventType, _ time: FeedTime, _ action: EPCISAction, _ bizStep: String, _ disposition: String, site: String?)
        -> EPCISEvent
    {
        var event = EPCISEvent(type: type, eventTime: Context.eventTime(time), eventTimeZoneOffset: time.offset, action: action)
        event.bizStep = bizStep
        event.disposition = disposition
        event.readPoint = site.map(sgln)
        event.bizLocation = event.readPoint
        return event
    }

    /// The UTC instant, without fractional zeros (`2023-03-27T06:45:16Z`).
    static func eventTime(_ time: FeedTime) -> String {
        time.utc.hasSuffix(".000Z") ? String(time.utc.dropLast(5)) + "Z" : time.utc
    }

    mutating func commissioningEvent(_ first: UnitRow, _ epcs: [String]) -> EPCISEvent? {
        guard let header = headers[first.commissionRecord] else { return nil }
        var event = self.event(.object, header.time, .add, "commissioning", "active", site: header.site)
        event.epcList = epcs
        if let lot = header.lot, let expiry = header.expiry {
            let mda = EPCISNamespace.cbvmda
            event.ilmd = [
                XMLElement(namespace: mda, prefix: "cbvmda", name: "lotNumber", text: lot),
                XMLElement(namespace: mda, prefix: "cbvmda", name: "itemExpirationDate", text: expiry),
            ]
        }
        return event
    }

    mutating func packingEvent(_ first: UnitRow, _ epcs: [String]) -> EPCISEvent? {
        guard let record = first.packRecord, let header = headers[record], let parent = first.parent else { return nil }
        var event = self.event(.aggregation, header.time, .add, "packing", "in_progress", site: header.site)
        event.parentID = uri(parent)
        event.epcList = epcs
        return event
    }

    mutating func shippingEvent() -> EPCISEvent {
        let ship = shipment.record
        var event = self.event(.object, ship.time, .observe, "shipping", "in_transit", site: ship.from.location.value)
        event.bizLocation = nil
        event.epcList = ship.items.map { uri($0) }
        event.bizTransactions = [TypedReference(type: "po", value: "urn:epcglobal:cbv:bt:\(ship.to.party.value):\(ship.purchaseOrder)")]
        if let desadv = ship.despatchAdvice {
            event.bizTransactions.append(TypedReference(type: "desadv", value: "urn:epcglobal:cbv:bt:\(ship.from.location.value):\(desadv)"))
        }
        event.sources = [
            TypedReference(type: "owning_party", value: sgln(ship.from.party.value)),
            TypedReference(type: "location", value: sgln(ship.from.location.value)),
        ]
        event.destinations = [
            TypedReference(type: "owning_party", value: sgln(ship.to.party.value)),
            TypedReference(type: "location", value: sgln(ship.to.location.value)),
        ]
        event.extensions = [
            XMLElement(namespace: EPCISNamespace.gs1ushc, prefix: "gs1ushc", name: "dropShipment", text: ship.dropShipment ? "true" : "false")
        ]
        return event
    }
}
