public import EPCIS
internal import GS1
internal import GatewayCore

/// The GS1 US DSCSA rules (``DSCSARule``) over one document, fed by the validator: the header,
/// then each event. Pure: it keeps what the rules need (the EPCs commissioned and packed, the
/// products and places named) and reports at the end.
///
/// A document's own events are its evidence: an EPC counts as commissioned when an
/// ObjectEvent ADD with bizStep commissioning lists it, and as packed inside a parent when an
/// AggregationEvent ADD does (a DELETE unpacks it).
public final class DSCSAProfile: EPCISDocumentRules {
    /// Findings in document order, at most `limit` per rule.
    private var found: [EPCISIssue] = []
    private var perRule: [String: Int] = [:]
    private let limit: Int

    private var header = EPCISHeader()
    /// Product master data by GTIN: the NDC and its type code, and the id's company prefix length.
    private var products: [String: (ndc: String?, type: String?, prefixLength: Int?, path: String)] = [:]
    private var places: Set<String> = []
    private var legacyProducts: Set<String> = []
    /// GTINs and places the events name, with the first place each was named.
    private var gtinsUsed: [String: String] = [:]
    private var gtinOrder: [String] = []
    private var placesUsed: [String: String] = [:]
    private var placeOrder: [String] = []
    /// EPC → UTC time (comparable text) of its commissioning.
    private var commissioned: [String: String] = [:]
    /// child → parent, while packed.
    private var parent: [String: String] = [:]
    private var children: [String: [String]] = [:]
    private var packedAt: [String: String] = [:]
    private var shipments: [(event: EPCISEvent, path: String, time: String?)] = []
    /// A document names millions of SGTINs of a few products: their GTINs are read through it.
    private var sgtins = SGTINURICache()

    public init(limitPerRule: Int = 50) {
        limit = limitPerRule
    }

    private func add(_ rule: DSCSARule, _ message: String, path: String?) {
        let count = perRule[rule.id, default: 0]
        perRule[rule.id] = count + 1
        if count < limit { found.append(rule.issue(message, path: path)) }
    }

    // MARK: Header

    public func header(_ header: EPCISHeader, format: EPCISFormat) {
        self.header = header
        for vocabulary in header.vocabularies {
            for (position, element) in vocabulary.elements.enumerated() {
                let path = "masterData \(Self.lastName(vocabulary.type)) id[\(position)]"
                if vocabulary.type.hasSuffix("EPCClass") {
                    guard let (gtin, prefixLength) = Self.productClass(element.id) else { continue }
                    let ndc = element.attributes.first { Self.lastName($0.id) == "additionalTradeItemIdentification" }?.value
                    let type = element.attributes.first { Self.lastName($0.id) == "additionalTradeItemIdentificationTypeCode" }?.value
                    products[gtin] = (ndc?.trimmed, type?.trimmed, prefixLength, path)
                } else if vocabulary.type.hasSuffix("Location") || vocabulary.type.hasSuffix("Party") {
                    let names = Set(element.attributes.map { Self.lastName($0.id) })
                    places.insert(Self.placeKey(element.id))
                    let missing = ["name", "streetAddressOne", "city", "countryCode"].filter { !names.contains($0) }
                    if !missing.isEmpty {
                        add(
                            DSCSARule.locationMasterData, "the master data of \(element.id) lacks \(missing.joined(separator: ", ")), which TI needs",
                            path: path)
                    }
                }
            }
        }
        checkSBDH()
        checkTransactionStatement()
    }

    private func checkSBDH() {
        guard let sbdh = header.sbdh else {
            add(DSCSARule.sbdh, "the header has no Standard Business Document Header", path: "EPCISHeader")
            return
        }
        for (identifiers, role) in [(sbdh.senders, "Sender"), (sbdh.receivers, "Receiver")] {
            if identifiers.isEmpty { add(DSCSARule.sbdh, "the SBDH names no \(role) identifier", path: "StandardBusinessDocumentHeader \(role)") }
            for (position, identifier) in identifiers.enumerated() {
                let urn = identifier.value.lowercased().hasPrefix("urn:")
                let authority = identifier.authority.uppercased()
                let fits = authority == "GLN" ? !urn : (authority == "GS1" || authority == "SGLN") ? urn : true
                if !fits {
                    add(
                        DSCSARule.sbdhAuthority,
                        "the SBDH \(role) identifier '\(identifier.value)' has Authority \(identifier.authority), which names \(authority == "GLN" ? "a 13-digit GLN" : "an SGLN URN")",
                        path: "StandardBusinessDocumentHeader \(role)[\(position)] Identifier")
                }
            }
        }
    }

    private func checkTransactionStatement() {
        let statement = header.extensions.first { $0.name == "dscsaTransactionStatement" && $0.namespace == EPCISNamespace.gs1ushc }
        guard let statement else {
            add(DSCSARule.transactionStatement, "the header has no gs1ushc:dscsaTransactionStatement", path: "EPCISHeader")
            return
        }
        let affirmed = statement.childElements.first { $0.name == "affirmTransactionStatement" }?.text.trimmed
        if affirmed != "true" && affirmed != "1" {
            add(
                DSCSARule.transactionStatement,
                "the transaction statement is \(affirmed.map { "affirmed as '\($0)'" } ?? "not affirmed (no affirmTransactionStatement)")",
                path: "EPCISHeader gs1ushc:dscsaTransactionStatement")
        }
    }

    // MARK: Events

    public func event(_ event: EPCISEvent, index: Int, path: String) {
        let time = try? EPCISTime.utcMilliseconds(event.eventTime.trimmed)
        if time == nil || event.eventTimeZoneOffset.isEmpty {
            add(
                DSCSARule.eventTimeOffset,
                "event \(index) has eventTime '\(event.eventTime)'\(event.eventTimeZoneOffset.isEmpty ? " and no eventTimeZoneOffset" : ""), without an offset",
                path: path)
        }
        note(event, path: path)
        let step = event.bizStep.map(Self.lastName)
        switch (event.type, event.action, step) {
        case (.object, .add?, "commissioning"?):
            commission(event, index: index, path: path, time: time)
        case (.aggregation, .add?, _):
            pack(event, index: index, path: path, time: time)
        case (.aggregation, .delete?, _):
            for child in event.epcList where parent[child] == event.parentID {
                parent.removeValue(forKey: child)
                if let owner = event.parentID { children[owner]?.removeAll { $0 == child } }
            }
        case (.object, _, "shipping"?):
            shipments.append((event, path, time))
        default:
            break
        }
    }

    /// The products and places an event names.
    private func note(_ event: EPCISEvent, path: String) {
        for epc in [event.parentID].compactMap({ $0 }) + event.epcList + event.inputEPCList + event.outputEPCList {
            if let gtin = productInstance(epc), gtinsUsed[gtin] == nil {
                gtinsUsed[gtin] = path
                gtinOrder.append(gtin)
            }
        }
        for element in event.quantityList + event.inputQuantityList + event.outputQuantityList {
            if let (gtin, _) = Self.productClass(element.epcClass), gtinsUsed[gtin] == nil {
                gtinsUsed[gtin] = path
                gtinOrder.append(gtin)
            }
        }
        for place in [event.readPoint, event.bizLocation].compactMap({ $0 }) + (event.sources + event.destinations).map(\.value)
        where placesUsed[place] == nil {
            placesUsed[place] = path
            placeOrder.append(place)
        }
        // R1.1 put product master data in ILMD.
        if event.ilmd.contains(where: { $0.name == "tradeItemMasterData" }) {
            for epc in event.epcList { if let gtin = productInstance(epc) { legacyProducts.insert(gtin) } }
        }
    }

    private func commission(_ event: EPCISEvent, index: Int, path: String, time: String?) {
        for epc in event.epcList { commissioned[epc] = time ?? "" }
        // Items and cases carry lot and expiry; an SSCC does not.
        guard event.epcList.contains(where: { productInstance($0) != nil }) || !event.quantityList.isEmpty else { return }
        let names = Set(event.ilmd.map(\.name))
        let legacy = names.contains("tradeItemMasterData")
        if legacy {
            add(DSCSARule.legacyMasterData, "event \(index) carries product master data in ILMD (gs1ushc:tradeItemMasterData)", path: path)
        }
        let missing = ["lotNumber", "itemExpirationDate"].filter { !names.contains($0) }
        if !missing.isEmpty {
            add(
                DSCSARule.lotAndExpiry,
                "event \(index) commissions \(event.epcList.first ?? "products")\(event.epcList.count > 1 ? " and \(event.epcList.count - 1) more" : "") without \(missing.joined(separator: " and ")) in its ILMD",
                path: path)
        }
    }

    private func pack(_ event: EPCISEvent, index: Int, path: String, time: String?) {
        guard let owner = event.parentID else { return }
        for child in event.epcList {
            if let other = parent[child], other != owner {
                add(DSCSARule.twoParents, "event \(index) packs \(child) into \(owner), but it is still packed in \(other)", path: path)
                continue
            }
            if parent[child] == nil {
                parent[child] = owner
                children[owner, default: []].append(child)
            }
            if let time, let made = commissioned[child], !made.isEmpty, time < made {
                add(DSCSARule.lifecycleOrder, "event \(index) packs \(child) at \(time), before it was commissioned at \(made)", path: path)
            }
        }
        if let time, let made = commissioned[owner], !made.isEmpty, time < made {
            add(DSCSARule.lifecycleOrder, "event \(index) packs into \(owner) at \(time), before it was commissioned at \(made)", path: path)
        }
        if let time { packedAt[owner] = max(packedAt[owner] ?? time, time) }
    }

    // MARK: The end

    public func finish() -> [EPCISIssue] {
        checkProducts()
        for place in placeOrder where !places.contains(Self.placeKey(place)) && Self.isLocation(place) {
            add(DSCSARule.locationMasterData, "\(place) has no Location master data in the header", path: placesUsed[place])
        }
        checkShipments()
        var result = found
        for rule in DSCSARule.all {
            let extra = perRule[rule.id, default: 0] - limit
            if extra > 0 {
                result.append(rule.issue("and \(extra) more finding(s) of this rule", path: nil))
            }
        }
        return result
    }

    private func checkProducts() {
        for gtin in gtinOrder {
            guard let product = products[gtin] else {
                if legacyProducts.contains(gtin) { continue }
                add(DSCSARule.productMasterData, "GTIN \(gtin) has no EPCClass master data in the header", path: gtinsUsed[gtin])
                continue
            }
            guard let text = product.ndc, !text.isEmpty else {
                add(DSCSARule.ndcMissing, "the master data of GTIN \(gtin) names no NDC", path: product.path)
                continue
            }
            if let problem = Self.ndcProblem(text, type: product.type, gtin: gtin, prefixLength: product.prefixLength) {
                add(DSCSARule.ndcMismatch, "the master data of GTIN \(gtin) gives NDC '\(text)': \(problem)", path: product.path)
            }
        }
    }

    /// Why `text` is not the NDC of `gtin`, nil when it is.
    static func ndcProblem(_ text: String, type: String?, gtin: String, prefixLength: Int?) -> String? {
        guard let key = try? GTIN(gtin) else { return "the GTIN is not valid" }
        guard key.isNDCBased else { return "GTIN \(gtin) is not NDC-based (no 03 after the indicator), so it cannot carry an NDC" }
        let labeler = prefixLength.map { $0 - 2 }
        var readings: [NDC] = []
        if text.contains("-") {
            guard let ndc = try? NDC(text) else { return "it is not a hyphenated NDC (4-4-2, 5-3-2 or 5-4-1)" }
            readings = [ndc]
        } else if text.count == 11, text.allSatisfy(\.isASCIIDigit) {
            // FDA_NDC_11 pads one segment to 5-4-2; each layout pads a different one.
            readings = NDC.Layout.allCases.compactMap { layout in
                (try? NDC(gtin: key, layout: layout)).flatMap { $0.ndc11 == text ? $0 : nil }
            }
            if readings.isEmpty { return "no reading of it as an 11-digit NDC is the NDC inside the GTIN" }
        } else if text.count == 10, text.allSatisfy(\.isASCIIDigit) {
            guard String(key.value.dropFirst(3).prefix(10)) == text else { return "its digits are not the ones inside the GTIN" }
            return type == "FDA_NDC_11" ? "it has 10 digits, but its type code FDA_NDC_11 says 11" : nil
        } else {
            return "it is neither a hyphenated NDC nor 11 digits"
        }
        guard let match = readings.first(where: { $0.matches(key) }) else {
            return "its digits \(readings[0].digits) are not the \(key.value.dropFirst(3).prefix(10)) inside the GTIN"
        }
        if let labeler, match.labeler.count != labeler {
            return
                "its labeler code \(match.labeler) has \(match.labeler.count) digits, but the GTIN's \(labeler + 2)-digit company prefix gives a \(labeler)-digit labeler"
        }
        if type == "FDA_NDC_11" && text.contains("-") { return "its type code FDA_NDC_11 says 11 digits without hyphens" }
        return nil
    }

    private func checkShipments() {
        guard !shipments.isEmpty else {
            add(DSCSARule.shippingEvent, "the document has no ObjectEvent with bizStep shipping", path: "EventList")
            return
        }
        for (event, path, time) in shipments {
            if event.disposition.map(Self.lastName) != "in_transit" {
                add(DSCSARule.shippingDisposition, "the shipping event has disposition \(event.disposition ?? "none"), not in_transit", path: path)
            }
            let types = event.bizTransactions.compactMap { $0.type.map(Self.lastName) }
            if !types.contains("po") && !types.contains("inv") {
                add(DSCSARule.shippingTransaction, "the shipping event names no purchase order (btt:po) or invoice (btt:inv)", path: path)
            }
            for (list, rule, name) in [
                (event.sources, DSCSARule.shippingSource, "sourceList"), (event.destinations, DSCSARule.shippingDestination, "destinationList"),
            ] {
                let kinds = Set(list.compactMap { $0.type.map(Self.lastName) })
                let missing = ["owning_party", "location"].filter { !kinds.contains($0) }
                if !missing.isEmpty { add(rule, "the shipping event's \(name) has no \(missing.joined(separator: " and ")) entry", path: path) }
            }
            let exempt =
                event.extensions.contains { $0.name == "dropShipment" && $0.text.trimmed == "true" }
                || event.disposition.map(Self.lastName) == "returned"
            var missing: [String] = []
            var seen: Set<String> = []
            var queue = event.epcList
            // Bounded by the packed EPCs: each is visited once.
            while let epc = queue.popLast() {
                guard seen.insert(epc).inserted else { continue }
                if commissioned[epc] == nil { missing.append(epc) }
                if let time, let packed = packedAt[epc], time < packed {
                    add(DSCSARule.lifecycleOrder, "the shipping event ships \(epc) at \(time), before it was packed at \(packed)", path: path)
                }
                queue += children[epc] ?? []
            }
            if !missing.isEmpty && !exempt {
                let shown = missing.sorted().prefix(10).joined(separator: ", ")
                add(
                    DSCSARule.notCommissioned,
                    "\(missing.count) shipped EPC(s) are not commissioned in the document: \(shown)\(missing.count > 10 ? ", …" : "")", path: path)
            }
        }
    }

    // MARK: Identifiers

    /// The GTIN of an SGTIN (URN or Digital Link), nil for anything else.
    private func productInstance(_ epc: String) -> String? {
        if epc.hasPrefix("urn:epc:id:sgtin:") { return sgtins.read(epc).gtin?.value }
        if epc.hasPrefix("http"), epc.contains("/01/"), let parsed = try? GS1DigitalLink.parse(epc), parsed.message[.serial] != nil {
            return parsed.message[.gtin]
        }
        return nil
    }

    /// The GTIN and company prefix length of a class URI (LGTIN, SGTIN pattern, Digital Link).
    static func productClass(_ uri: String) -> (String, Int?)? {
        if uri.hasPrefix("urn:epc:"), let epc = try? EPC(uri: uri) {
            switch epc {
            case .lgtin(let value): return (value.gtin.value, value.companyPrefixLength)
            case .gtinPattern(let gtin, let length): return (gtin.value, length)
            default: return nil
            }
        }
        if uri.hasPrefix("http"), uri.contains("/01/"), let parsed = try? GS1DigitalLink.parse(uri), let gtin = parsed.message[.gtin] {
            return (gtin, nil)
        }
        return nil
    }

    /// One key for a place however it is written: an SGLN URN and the Digital Link
    /// `/414/<GLN>[/254/<extension>]` name the same place (no 254 is extension 0).
    static func placeKey(_ id: String) -> String {
        if id.hasPrefix("urn:epc:id:sgln:"), case .sgln(let value)? = try? EPC(uri: id) {
            return "\(value.gln.value)/\(value.glnExtension ?? "0")"
        }
        if id.hasPrefix("http"), id.contains("/414/"), let parsed = try? GS1DigitalLink.parse(id), let gln = parsed.message[.locationGLN] {
            return "\(gln)/\(parsed.message[.glnExtension] ?? "0")"
        }
        return id
    }

    static func isLocation(_ id: String) -> Bool {
        id.hasPrefix("urn:epc:id:sgln:") || id.hasPrefix("urn:epc:id:pgln:") || id.contains("/414/") || id.contains("/417/")
    }

    /// The last part of a CBV URI or attribute id (`…:shipping`, `…#name`, a bare `shipping`).
    static func lastName(_ uri: String) -> String {
        String(uri[(uri.lastIndex { $0 == ":" || $0 == "#" || $0 == "/" }.map { uri.index(after: $0) } ?? uri.startIndex)...])
    }
}

extension String {
    fileprivate var trimmed: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
