internal import COpenSSL
internal import GS1
internal import GatewayCore

/// CBV 2.0 event hash IDs: `ni:///sha-256;<lowercase hex>?ver=CBV2.0`.
///
/// The pre-hash string follows the algorithm as written (CBV 2.0 §8.9 and the reference
/// implementation's README) by default, not the reference tool's deviations: in particular
/// `sourceList` comes before `destinationList`, and ILMD keys are always `{namespace}localName`
/// (``Profile/referenceTool`` gives the tool's field order where a partner needs its IDs). Values are
/// canonicalised: times to UTC with at least millisecond digits, CBV values to Web URIs, EPC URIs
/// to GS1 Digital Links on `https://id.gs1.org`, decimals without trailing zeros.
public enum EventHash {
    /// Which field order the pre-hash string uses.
    public enum Profile: Sendable {
        /// The algorithm as written (CBV 2.0 and the reference implementation's README). The default.
        case cbv20
        /// The order the reference tool (epcis-event-hash-generator 1.9.3) really produces, for
        /// matching IDs a partner computed with it: `parentID` before `epcList`, and
        /// `bizTransactionList`, `destinationList`, `ilmd`, `sourceList` (sorted by name) after
        /// `sensorElementList`. Its other deviations (ILMD keys spelled `cbvmda:` when read from
        /// JSON-LD, numbers passed through a float) are bugs, not reproduced.
        case referenceTool
    }

    /// The hash ID of an event.
    ///
    /// Left out, as the algorithm says: `eventID`, `recordTime`, `errorDeclaration` and
    /// `rdfs:comment` notes.
    ///
    /// - Throws: ``EPCISError`` `invalidEvent` for an unreadable time.
    public static func id(of event: EPCISEvent, profile: Profile = .cbv20) throws -> String {
        id(forPreHashString: try preHashString(of: event, profile: profile))
    }

    /// The hash ID of a pre-hash string (for comparing with other implementations' strings).
    public static func id(forPreHashString preHash: String) -> String {
        let digest = sha256(Array(preHash.utf8))
        var hex = "ni:///sha-256;"
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return hex + "?ver=CBV2.0"
    }

    private static let hexDigits = Array("0123456789abcdef")

    /// The canonical pre-hash string of an event (exposed for diagnostics and tests).
    public static func preHashString(of event: EPCISEvent, profile: Profile = .cbv20) throws -> String {
        let childList = event.type == .aggregation || event.type == .association
        // Segments in the written order; the reference-tool profile moves some of them.
        var segments: [(field: String, text: String)] = []
        func add(_ field: String, _ text: String) { if !text.isEmpty { segments.append((field, text)) } }
        add("eventType", "eventType=\(event.type.rawValue)")
        let time = { (text: String) in profile == .referenceTool ? try roundedToMilliseconds(utc(text)) : try utc(text) }
        add("eventTime", "eventTime=" + (try time(event.eventTime)))
        add("eventTimeZoneOffset", "eventTimeZoneOffset=" + event.eventTimeZoneOffset)
        add("certificationInfo", event.certificationInfo.map { "certificationInfo=" + $0 } ?? "")
        if !childList { add("epcList", list("epcList", event.epcList.map { "epc=" + identifier($0) })) }
        add("parentID", event.parentID.map { "parentID=" + identifier($0) } ?? "")
        add("inputEPCList", list("inputEPCList", event.inputEPCList.map { "epc=" + identifier($0) }))
        if childList { add("childEPCs", list("childEPCs", event.epcList.map { "epc=" + identifier($0) })) }
        add("quantityList", list(childList ? "childQuantityList" : "quantityList", event.quantityList.map(quantity)))
        add("inputQuantityList", list("inputQuantityList", event.inputQuantityList.map(quantity)))
        add("outputEPCList", list("outputEPCList", event.outputEPCList.map { "epc=" + identifier($0) }))
        add("outputQuantityList", list("outputQuantityList", event.outputQuantityList.map(quantity)))
        add("action", event.action.map { "action=" + $0.rawValue } ?? "")
        add("transformationID", event.transformationID.map { "transformationID=" + identifier($0) } ?? "")
        add("bizStep", event.bizStep.map { "bizStep=" + web(.bizStep, $0) } ?? "")
        add("disposition", event.disposition.map { "disposition=" + web(.disposition, $0) } ?? "")
        if !event.persistentDispositionSet.isEmpty || !event.persistentDispositionUnset.isEmpty {
            add(
                "persistentDisposition",
                "persistentDisposition" + event.persistentDispositionSet.map { "set=" + web(.disposition, $0) }.sorted(by: byteOrder).joined()
                    + event.persistentDispositionUnset.map { "unset=" + web(.disposition, $0) }.sorted(by: byteOrder).joined())
        }
        add("readPoint", event.readPoint.map { "readPointid=" + identifier($0) + extensions(event.readPointExtensions) } ?? "")
        add("bizLocation", event.bizLocation.map { "bizLocationid=" + identifier($0) + extensions(event.bizLocationExtensions) } ?? "")
        add(
            "bizTransactionList",
            list(
                "bizTransactionList",
                event.bizTransactions.map {
                    ($0.type.map { "type=" + web(.bizTransactionType, $0) } ?? "") + "bizTransaction=" + identifier($0.value)
                }))
        add(
            "sourceList",
            list(
                "sourceList",
                event.sources.map { ($0.type.map { "type=" + web(.sourceDestinationType, $0) } ?? "") + "source=" + identifier($0.value) }))
        add(
            "destinationList",
            list(
                "destinationList",
                event.destinations.map { ($0.type.map { "type=" + web(.sourceDestinationType, $0) } ?? "") + "destination=" + identifier($0.value) }))
        add("sensorElementList", list("sensorElementList", try event.sensorElements.map { try sensorElement($0, time: time) }))
        add("ilmd", list("ilmd", event.ilmd.map(extensionString)))
        add("extensions", extensions(event.extensions))
        if profile == .referenceTool {
            if let parent = segments.firstIndex(where: { $0.field == "parentID" }), let epcs = segments.firstIndex(where: { $0.field == "epcList" }),
                epcs < parent
            {
                segments.insert(segments.remove(at: parent), at: epcs)
            }
            let late: Set<String> = ["bizTransactionList", "sourceList", "destinationList", "ilmd"]
            let moved = segments.filter { late.contains($0.field) }.sorted { byteOrder($0.field, $1.field) }
            segments.removeAll { late.contains($0.field) }
            segments.insert(contentsOf: moved, at: segments.firstIndex { $0.field == "extensions" } ?? segments.endIndex)
        }
        return segments.map(\.text).joined()
    }

    // MARK: - Sensor data

    /// The standard attributes of sensorMetadata and sensorReport, in the algorithm's order.
    private static let metadataOrder = ["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules"]
    private static let reportOrder = [
        "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value",
        "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
        "percValue", "uom", "coordinateReferenceSystem",
    ]
    private static let timeFields: Set<String> = ["time", "startTime", "endTime"]
    private static let numberFields: Set<String> = ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"]

    /// `sensorElement` followed by its metadata, its reports and its extensions, each sorted.
    private static func sensorElement(_ element: XMLElement, time: (String) throws -> String) throws -> String {
        var parts: [String] = []
        var foreign: [String] = []
        for case .element(let child) in element.children {
            if child.namespace == nil && child.name == "sensorMetadata" {
                parts.append("sensorMetadata" + (try sensorFields(child, order: metadataOrder, time: time)))
            } else if child.namespace == nil && child.name == "sensorReport" {
                parts.append("sensorReport" + (try sensorFields(child, order: reportOrder, time: time)))
            } else if child.namespace != nil {
                foreign.append(extensionString(child))
            }
        }
        return "sensorElement" + parts.sorted(by: byteOrder).joined() + foreign.sorted(by: byteOrder).joined()
    }

    /// The standard attributes in order, canonicalised, then attributes of other namespaces as
    /// `{namespace}name=value`, sorted.
    private static func sensorFields(_ element: XMLElement, order: [String], time: (String) throws -> String) throws -> String {
        var out = ""
        for name in order {
            guard let raw = element.attribute(name)?.trimmingCharacters(in: " \t\r\n"), !raw.isEmpty else { continue }
            let value: String
            switch name {
            case _ where timeFields.contains(name): value = try time(raw)
            case _ where numberFields.contains(name): value = decimal(raw)
            case "type", "exception": value = raw.contains(":") ? raw : XMLNamespace.gs1Vocabulary + raw
            case "component": value = raw.contains(":") ? raw : "https://ref.gs1.org/cbv/Comp-" + raw
            case "stringValue", "booleanValue", "hexBinaryValue", "uom": value = raw
            default: value = identifier(raw)
            }
            out += name + "=" + value
        }
        // Attributes the standard does not list (unqualified ones such as a sensorReport's
        // bizRules, then other namespaces) follow, sorted, so that no data escapes the hash.
        let known = Set(order)
        let other = element.attributes.filter { $0.namespace != XMLNamespace.xsi && !($0.namespace == nil && known.contains($0.name)) }
        return out + other.map { ($0.namespace.map { "{\($0)}" } ?? "") + $0.name + "=" + extensionValue($0.value) }.sorted(by: byteOrder).joined()
    }

    // MARK: - Canonical values

    /// Case-sensitive byte order, as the algorithm sorts.
    private static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    private static func list(_ name: String, _ children: [String]) -> String {
        children.isEmpty ? "" : name + children.sorted(by: byteOrder).joined()
    }

    private static func quantity(_ element: QuantityElement) -> String {
        "quantityElementepcClass=" + identifier(element.epcClass) + (element.quantity.map { "quantity=" + decimal($0) } ?? "")
            + (element.uom.map { "uom=" + $0 } ?? "")
    }

    private static func web(_ vocabulary: CBVVocabulary, _ value: String) -> String {
        vocabulary.bareWord(value).map { vocabulary.webPrefix + $0 } ?? value
    }

    /// EPC URNs and Digital Links become canonical Digital Links; anything else passes through trimmed.
    static func identifier(_ value: String) -> String { HashIdentifiers.canonical(value) }

    /// `{namespace}name=value` for a text element; `{namespace}name` followed by its sorted
    /// children and attributes (each `{namespace}name=value`) otherwise. EPC URNs in values
    /// become Digital Links, as in standard fields.
    private static func extensionString(_ element: XMLElement) -> String {
        let name = (element.namespace.map { "{\($0)}" } ?? "") + element.name
        let children = element.children.compactMap { child -> XMLElement? in if case .element(let e) = child { e } else { nil } }
        let attributes = element.attributes.filter { $0.namespace != XMLNamespace.xsi }
        if children.isEmpty && attributes.isEmpty { return name + "=" + extensionValue(element.text) }
        let parts =
            children.filter { !isComment($0) }.map(extensionString)
            + attributes.map { ($0.namespace.map { "{\($0)}" } ?? "") + $0.name + "=" + extensionValue($0.value) }
        return name + parts.sorted(by: byteOrder).joined()
    }

    private static func extensionValue(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: " \t\r\n")
        return trimmed.hasPrefix("urn:epc:") ? identifier(trimmed) : trimmed
    }

    /// User extensions of an event, readPoint or bizLocation: sorted `{ns}name…` strings.
    private static func extensions(_ elements: [XMLElement]) -> String {
        elements.filter { !isComment($0) }.map(extensionString).sorted(by: byteOrder).joined()
    }

    /// `rdfs:comment` is a note about the event, not part of it: the hash leaves it out.
    private static func isComment(_ element: XMLElement) -> Bool {
        element.namespace == "http://www.w3.org/2000/01/rdf-schema#" && element.name == "comment"
    }

    /// Trailing fractional zeros removed, `1.0` → `1`.
    static func decimal(_ text: String) -> String {
        var value = text.trimmingCharacters(in: " \t\r\n")
        guard value.contains("."), !value.contains("e"), !value.contains("E") else { return value }
        while value.hasSuffix("0") { value.removeLast() }
        if value.hasSuffix(".") { value.removeLast() }
        return value
    }

    /// ``EPCISTime/utc(_:)`` with its refusal as an ``EPCISError``.
    static func utc(_ text: String) throws -> String {
        do { return try EPCISTime.utc(text) } catch let error as DateTimeError { throw EPCISError(.invalidEvent, error.message) }
    }

    /// ``EPCISTime/roundedToMilliseconds(_:)`` with its refusal as an ``EPCISError``.
    static func roundedToMilliseconds(_ time: String) throws -> String {
        do { return try EPCISTime.roundedToMilliseconds(time) } catch let error as DateTimeError { throw EPCISError(.invalidEvent, error.message) }
    }

    private static func sha256(_ bytes: [UInt8]) -> [UInt8] { Digest.sha256(bytes) }
}

extension String {
    /// The text without the given leading and trailing characters.
    func trimmingCharacters(in set: String) -> String {
        // Fast path: nothing to trim at either end (the common case in hashing and reading).
        if let first = utf8.first, let last = utf8.last, first < 0x80, last < 0x80,
            !set.utf8.contains(first), !set.utf8.contains(last)
        {
            return self
        }
        // Compare scalars: "\r\n" in `set` is one Character, so a lone "\n" would not match it.
        let scalars = Set(set.unicodeScalars)
        func kept(_ character: Character) -> Bool { !character.unicodeScalars.allSatisfy(scalars.contains) }
        guard let first = firstIndex(where: kept), let last = lastIndex(where: kept) else {
            return ""
        }
        return String(self[first...last])
    }
}
