/// Writes an EPCIS 1.2 or 2.0 XML document event by event to a ``ByteSink``.
///
/// Memory does not grow with the number of events or EPCs: output is handed to the sink in
/// 64 KiB chunks, and an event's EPC list can be streamed from any sequence
/// (``write(_:streamingEPCs:)``). Elements are written in XSD order, CBV values as URNs (or Web
/// URIs in 2.0 when the options say so).
///
/// EPCIS 1.2 output places fields in 1.2's `extension` wrappers. Fields that only 2.0 has use
/// GS1's 1.2 extension mapping (the one GS1's 2.0→1.2 stylesheet uses), so a 1.2 file converted
/// back to 2.0 loses nothing: `sensorElementList` and `persistentDisposition` go in the
/// innermost `extension` of the event, `certificationInfo` in `baseExtension/extension`, and an
/// AssociationEvent in `EventList/extension/extension` (all schema-valid: those wrappers accept
/// any unqualified element, laxly).
///
/// ```swift
/// var writer = EPCISXMLWriter(sink: try FileSink(path: "shipment.xml"), version: .epcis12)
/// try writer.begin(header: header, creationDate: "2026-11-21T10:00:00Z")
/// for event in events { try writer.write(event) }
/// try writer.finish()
/// ```
public struct EPCISXMLWriter<Sink: ByteSink> {
    /// The EPCIS version to write.
    public enum Version: Sendable {
        /// EPCIS 1.2 (namespace `urn:epcglobal:epcis:xsd:1`).
        case epcis12
        /// EPCIS 2.0 (namespace `urn:epcglobal:epcis:xsd:2`).
        case epcis20
    }

    private var out: ChunkedOutput<Sink>
    private let version: Version
    private let options: EPCISWriterOptions
    private var state = State.initial
    private var declared: [String: String] = [:]  // prefix → namespace declared on the root
    private var eventIndex = 0

    private enum State { case initial, events, finished }

    /// Creates a writer.
    public init(sink: Sink, version: Version, options: EPCISWriterOptions = EPCISWriterOptions()) {
        out = ChunkedOutput(sink: sink)
        self.version = version
        self.options = options
    }

    /// Bytes handed to the sink so far.
    public var bytesWritten: Int { out.written }

    /// Writes the XML declaration, the root element and the header, and opens the event list.
    ///
    /// - Parameters:
    ///   - header: the header; in EPCIS 1.2 a header with master data or extensions needs an SBDH.
    ///   - creationDate: the document's `creationDate`.
    ///   - namespaces: extra prefix → namespace declarations for the root, for extension
    ///     elements that events will carry (elements in other namespaces declare them locally).
    /// - Throws: ``EPCISError`` when a 1.2 header needs an SBDH it lacks, or the writer was already begun.
    public mutating func begin(header: EPCISHeader, creationDate: String, namespaces: [String: String] = [:]) throws {
        guard state == .initial else { throw EPCISError(.writerState, "begin(header:) was called twice") }
        // 1.2 makes the whole header optional, but a header it has must start with an SBDH.
        if version == .epcis12 && header.sbdh == nil && (!header.vocabularies.isEmpty || !header.extensions.isEmpty) {
            throw EPCISError(
                .notExpressible,
                "EPCIS 1.2 carries master data and header extensions only in a header with a Standard Business Document Header; add one (sender, receiver, instance identifier)"
            )
        }
        if version == .epcis20, let foreign = header.extensions.first(where: { $0.namespace != nil }) {
            throw EPCISError(
                .notExpressible,
                "the header extension <\(foreign.prefix.map { "\($0):" } ?? "")\(foreign.name)> (\(foreign.namespace!)) has no place in EPCIS 2.0 XML, whose EPCISHeader accepts no foreign elements; send this partner EPCIS 1.2 XML or JSON-LD, which carry it"
            )
        }
        declared = ["epcis": version == .epcis12 ? EPCISNamespace.epcis12 : EPCISNamespace.epcis20]
        if header.sbdh != nil { declared["sbdh"] = EPCISNamespace.sbdh }
        if version == .epcis12 { declared["cbvmda"] = EPCISNamespace.cbvmda }
        for element in header.extensions { collectNamespaces(element, into: &declared) }
        for (prefix, namespace) in namespaces where declared[prefix] == nil && !declared.values.contains(namespace) {
            declared[prefix] = namespace
        }
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<epcis:EPCISDocument")
        for prefix in declared.keys.sorted() {
            out.append(" xmlns:\(prefix)=\"")
            out.appendEscaped(declared[prefix]!, attribute: true)
            out.append("\"")
        }
        out.append(" schemaVersion=\"\(version == .epcis12 ? "1.2" : "2.0")\" creationDate=\"")
        out.appendEscaped(creationDate, attribute: true)
        out.append("\">\n")
        if header.sbdh != nil || !header.vocabularies.isEmpty || !header.extensions.isEmpty {
            out.append("  <EPCISHeader>\n")
            if let sbdh = header.sbdh { writeSBDH(sbdh) }
            if !header.vocabularies.isEmpty {
                out.append("    <extension>\n      <EPCISMasterData>\n        <VocabularyList>\n")
                for vocabulary in header.vocabularies { writeVocabulary(vocabulary) }
                out.append("        </VocabularyList>\n      </EPCISMasterData>\n    </extension>\n")
            }
            let local = header.extensions.filter { $0.namespace == nil }
            if !local.isEmpty {
                // Unqualified header extensions live in EPCISHeader/extension/extension (##local).
                out.append("    <extension>\n      <extension>\n")
                for element in local { writeElement(element, depth: 4, scope: declared) }
                out.append("      </extension>\n    </extension>\n")
            }
            for element in header.extensions where element.namespace != nil { writeElement(element, depth: 2, scope: declared) }
            out.append("  </EPCISHeader>\n")
        }
        out.append("  <EPCISBody>\n    <EventList>\n")
        state = .events
        try out.flushIfFull()
    }

    /// Writes one event.
    ///
    /// - Throws: ``EPCISError`` when the event misses a required field, or an identifier cannot
    ///   take the requested form; nothing of that event is written then.
    public mutating func write(_ event: EPCISEvent) throws {
        try write(event, streamingEPCs: EmptyCollection<String>())
    }

    /// Writes one event whose EPC list (or `childEPCs`) continues with `streamingEPCs` after
    /// `event.epcList`, so that an event with millions of EPCs never sits in memory whole.
    public mutating func write(_ event: EPCISEvent, streamingEPCs: some Sequence<String>) throws {
        guard state == .events else { throw EPCISError(.writerState, "write(_:) needs begin(header:) first and no finish() yet") }
        try EventRules.check(event, index: eventIndex + 1)
        let event = try options.identifiers == .asGiven ? event : EventRules.respelled(event, options)
        let v12 = version == .epcis12
        if !v12 || event.type == .association, let local = event.extensions.first(where: { $0.namespace == nil }) {
            throw EPCISError(
                .notExpressible,
                "event \(eventIndex + 1) (\(event.type.rawValue) at \(event.eventTime)) has the extension element <\(local.name)> in no namespace, which EPCIS 2.0 XML cannot carry (its events accept only namespaced extensions); send EPCIS 1.2 XML or put the element in a namespace"
            )
        }
        // 1.2 keeps TransformationEvent in EventList/extension, AssociationEvent one level deeper.
        let wrappers = !v12 ? 0 : event.type == .transformation ? 1 : event.type == .association ? 2 : 0
        let flat = !v12 || event.type == .association
        for level in 0..<wrappers { out.append(String(repeating: "  ", count: 3 + level) + "<extension>\n") }
        let indent = String(repeating: "  ", count: 3 + wrappers)
        out.append("\(indent)<\(event.type.rawValue)>\n")
        let inner = indent + "  "
        leaf(inner, "eventTime", event.eventTime)
        if let recordTime = event.recordTime { leaf(inner, "recordTime", recordTime) }
        leaf(inner, "eventTimeZoneOffset", event.eventTimeZoneOffset)
        if flat {
            if let eventID = event.eventID { leaf(inner, "eventID", eventID) }
            if let declaration = event.errorDeclaration { writeErrorDeclaration(declaration, indent: inner) }
            if let certificationInfo = event.certificationInfo { leaf(inner, "certificationInfo", certificationInfo) }
        } else if event.eventID != nil || event.errorDeclaration != nil || event.certificationInfo != nil {
            out.append("\(inner)<baseExtension>\n")
            if let eventID = event.eventID { leaf(inner + "  ", "eventID", eventID) }
            if let declaration = event.errorDeclaration { writeErrorDeclaration(declaration, indent: inner + "  ") }
            if let certificationInfo = event.certificationInfo {
                out.append("\(inner)  <extension>\n")
                leaf(inner + "    ", "certificationInfo", certificationInfo)
                out.append("\(inner)  </extension>\n")
            }
            out.append("\(inner)</baseExtension>\n")
        }
        let quantityName = event.type == .object || event.type == .transaction ? "quantityList" : "childQuantityList"
        switch event.type {
        case .object:
            if v12 || !event.epcList.isEmpty || event.quantityList.isEmpty { try epcList(inner, "epcList", event.epcList, streamingEPCs) }
        case .aggregation, .association:
            if let parentID = event.parentID { leaf(inner, "parentID", parentID) }
            if v12 || !event.epcList.isEmpty { try epcList(inner, "childEPCs", event.epcList, streamingEPCs) }
            if event.type == .association { quantities(inner, quantityName, event.quantityList) }
        case .transaction:
            bizTransactionList(event, inner)
            if let parentID = event.parentID { leaf(inner, "parentID", parentID) }
            if v12 || !event.epcList.isEmpty { try epcList(inner, "epcList", event.epcList, streamingEPCs) }
        case .transformation:
            if !event.inputEPCList.isEmpty { try epcList(inner, "inputEPCList", event.inputEPCList, EmptyCollection()) }
            quantities(inner, "inputQuantityList", event.inputQuantityList)
            if !event.outputEPCList.isEmpty || !event.epcList.isEmpty {
                try epcList(inner, "outputEPCList", event.outputEPCList + event.epcList, streamingEPCs)
            }
            quantities(inner, "outputQuantityList", event.outputQuantityList)
            if let transformationID = event.transformationID { leaf(inner, "transformationID", transformationID) }
        }
        if let action = event.action { leaf(inner, "action", action.rawValue) }
        cbvAndPlaces(inner, event)
        if event.type != .transaction { bizTransactionList(event, inner) }
        if flat || event.type == .transformation {
            if event.type != .association && event.type != .transformation { quantities(inner, quantityName, event.quantityList) }
            sourcesAndDestinations(event, inner)
            if flat { twoPointOhFields(event, inner) }
            ilmd(event, inner)
            if !flat { localExtensions(event, inner) }
        } else {
            let hasExtension =
                !event.quantityList.isEmpty || !event.sources.isEmpty || !event.destinations.isEmpty || !event.ilmd.isEmpty
                || !event.sensorElements.isEmpty || !event.persistentDispositionSet.isEmpty || !event.persistentDispositionUnset.isEmpty
                || event.extensions.contains { $0.namespace == nil }
            if hasExtension {
                out.append("\(inner)<extension>\n")
                quantities(inner + "  ", quantityName, event.quantityList)
                sourcesAndDestinations(event, inner + "  ")
                ilmd(event, inner + "  ")
                localExtensions(event, inner + "  ")
                out.append("\(inner)</extension>\n")
            }
        }
        for element in event.extensions where element.namespace != nil { writeElement(element, depth: inner.count / 2, scope: declared) }
        out.append("\(indent)</\(event.type.rawValue)>\n")
        for level in (0..<wrappers).reversed() { out.append(String(repeating: "  ", count: 3 + level) + "</extension>\n") }
        eventIndex += 1
        try out.flushIfFull()
    }

    /// Closes the event list and the document and hands the rest to the sink.
    public mutating func finish() throws {
        guard state == .events else { throw EPCISError(.writerState, "finish() needs begin(header:) first and may be called once") }
        out.append("    </EventList>\n  </EPCISBody>\n</epcis:EPCISDocument>\n")
        try out.flush()
        state = .finished
    }

    /// `sensorElementList` and `persistentDisposition`, in 2.0 order.
    private mutating func twoPointOhFields(_ event: EPCISEvent, _ indent: String) {
        if !event.sensorElements.isEmpty {
            out.append("\(indent)<sensorElementList>\n")
            for element in event.sensorElements { writeElement(element, depth: indent.count / 2 + 1, scope: declared) }
            out.append("\(indent)</sensorElementList>\n")
        }
        if !event.persistentDispositionSet.isEmpty || !event.persistentDispositionUnset.isEmpty {
            out.append("\(indent)<persistentDisposition>\n")
            for value in event.persistentDispositionUnset { leaf(indent + "  ", "unset", cbv(.disposition, value)) }
            for value in event.persistentDispositionSet { leaf(indent + "  ", "set", cbv(.disposition, value)) }
            out.append("\(indent)</persistentDisposition>\n")
        }
    }

    /// 1.2's innermost `extension` of an event: the 2.0-only fields and unqualified extension
    /// elements (1.2 allows those only there).
    private mutating func localExtensions(_ event: EPCISEvent, _ indent: String) {
        let local = event.extensions.filter { $0.namespace == nil }
        let twoPointOh = !event.sensorElements.isEmpty || !event.persistentDispositionSet.isEmpty || !event.persistentDispositionUnset.isEmpty
        guard twoPointOh || !local.isEmpty else { return }
        out.append("\(indent)<extension>\n")
        if twoPointOh { twoPointOhFields(event, indent + "  ") }
        for element in local { writeElement(element, depth: indent.count / 2 + 1, scope: declared) }
        out.append("\(indent)</extension>\n")
    }

    private mutating func ilmd(_ event: EPCISEvent, _ indent: String) {
        guard !event.ilmd.isEmpty else { return }
        out.append("\(indent)<ilmd>\n")
        let local = event.ilmd.filter { $0.namespace == nil }
        if !local.isEmpty {
            // Unqualified ILMD fields belong in ilmd/extension (##local) in both versions.
            out.append("\(indent)  <extension>\n")
            for element in local { writeElement(element, depth: indent.count / 2 + 2, scope: declared) }
            out.append("\(indent)  </extension>\n")
        }
        for element in event.ilmd where element.namespace != nil { writeElement(element, depth: indent.count / 2 + 1, scope: declared) }
        out.append("\(indent)</ilmd>\n")
    }

    // MARK: - Pieces

    private mutating func leaf(_ indent: String, _ name: String, _ value: String) {
        out.append(indent)
        out.append("<\(name)>")
        out.appendEscaped(value)
        out.append("</\(name)>\n")
    }

    private mutating func epcList(_ indent: String, _ name: String, _ epcs: [String], _ more: some Sequence<String>) throws {
        out.append("\(indent)<\(name)>\n")
        let item = indent + "  <epc>"
        for epc in epcs { epcItem(item, epc) }
        for epc in more {
            epcItem(item, options.identifiers == .asGiven ? epc : try options.identifier(epc))
            try out.flushIfFull()
        }
        out.append("\(indent)</\(name)>\n")
    }

    @inline(__always)
    private mutating func epcItem(_ open: String, _ epc: String) {
        out.append(open)
        out.appendEscaped(epc)
        out.append("</epc>\n")
    }

    /// A CBV value in this writer's spelling (user-defined URIs pass through).
    private func cbv(_ vocabulary: CBVVocabulary, _ value: String) -> String {
        guard version == .epcis20 && options.cbv == .webURI, let word = vocabulary.bareWord(value) else { return vocabulary.urn(value) }
        return vocabulary.webPrefix + word
    }

    /// bizStep, disposition, readPoint, bizLocation.
    private mutating func cbvAndPlaces(_ indent: String, _ event: EPCISEvent) {
        if let bizStep = event.bizStep { leaf(indent, "bizStep", cbv(.bizStep, bizStep)) }
        if let disposition = event.disposition { leaf(indent, "disposition", cbv(.disposition, disposition)) }
        if event.readPoint != nil || !event.readPointExtensions.isEmpty {
            place(indent, "readPoint", event.readPoint, event.readPointExtensions)
        }
        if event.bizLocation != nil || !event.bizLocationExtensions.isEmpty {
            place(indent, "bizLocation", event.bizLocation, event.bizLocationExtensions)
        }
    }

    private mutating func place(_ indent: String, _ name: String, _ id: String?, _ extensions: [XMLElement]) {
        out.append("\(indent)<\(name)>\n")
        if let id { leaf(indent + "  ", "id", id) }
        for element in extensions { writeElement(element, depth: indent.count / 2 + 1, scope: declared) }
        out.append("\(indent)</\(name)>\n")
    }

    private mutating func bizTransactionList(_ event: EPCISEvent, _ indent: String) {
        guard !event.bizTransactions.isEmpty else { return }
        typedList(indent, "bizTransactionList", "bizTransaction", event.bizTransactions, .bizTransactionType)
    }

    private mutating func sourcesAndDestinations(_ event: EPCISEvent, _ indent: String) {
        if !event.sources.isEmpty { typedList(indent, "sourceList", "source", event.sources, .sourceDestinationType) }
        if !event.destinations.isEmpty { typedList(indent, "destinationList", "destination", event.destinations, .sourceDestinationType) }
    }

    private mutating func typedList(_ indent: String, _ list: String, _ item: String, _ references: [TypedReference], _ vocabulary: CBVVocabulary) {
        out.append("\(indent)<\(list)>\n")
        for reference in references {
            out.append("\(indent)  <\(item)")
            if let type = reference.type {
                out.append(" type=\"")
                out.appendEscaped(cbv(vocabulary, type), attribute: true)
                out.append("\"")
            }
            out.append(">")
            out.appendEscaped(reference.value)
            out.append("</\(item)>\n")
        }
        out.append("\(indent)</\(list)>\n")
    }

    private mutating func quantities(_ indent: String, _ name: String, _ elements: [QuantityElement]) {
        guard !elements.isEmpty else { return }
        out.append("\(indent)<\(name)>\n")
        for element in elements {
            out.append("\(indent)  <quantityElement>\n")
            leaf(indent + "    ", "epcClass", element.epcClass)
            if let quantity = element.quantity { leaf(indent + "    ", "quantity", quantity) }
            if let uom = element.uom { leaf(indent + "    ", "uom", uom) }
            out.append("\(indent)  </quantityElement>\n")
        }
        out.append("\(indent)</\(name)>\n")
    }

    private mutating func writeErrorDeclaration(_ declaration: ErrorDeclaration, indent: String) {
        out.append("\(indent)<errorDeclaration>\n")
        leaf(indent + "  ", "declarationTime", declaration.declarationTime)
        if let reason = declaration.reason { leaf(indent + "  ", "reason", cbv(.errorReason, reason)) }
        if !declaration.correctiveEventIDs.isEmpty {
            out.append("\(indent)  <correctiveEventIDs>\n")
            for id in declaration.correctiveEventIDs { leaf(indent + "    ", "correctiveEventID", id) }
            out.append("\(indent)  </correctiveEventIDs>\n")
        }
        for element in declaration.extensions { writeElement(element, depth: indent.count / 2 + 1, scope: declared) }
        out.append("\(indent)</errorDeclaration>\n")
    }

    private mutating func writeSBDH(_ sbdh: StandardBusinessDocumentHeader) {
        out.append("    <sbdh:StandardBusinessDocumentHeader>\n")
        sbdhLeaf(6, "HeaderVersion", sbdh.headerVersion)
        for (role, identifiers) in [("Sender", sbdh.senders), ("Receiver", sbdh.receivers)] {
            for identifier in identifiers {
                out.append("      <sbdh:\(role)>\n        <sbdh:Identifier Authority=\"")
                out.appendEscaped(identifier.authority, attribute: true)
                out.append("\">")
                out.appendEscaped(identifier.value)
                out.append("</sbdh:Identifier>\n      </sbdh:\(role)>\n")
            }
        }
        out.append("      <sbdh:DocumentIdentification>\n")
        sbdhLeaf(8, "Standard", sbdh.standard)
        sbdhLeaf(8, "TypeVersion", sbdh.typeVersion)
        sbdhLeaf(8, "InstanceIdentifier", sbdh.instanceIdentifier)
        sbdhLeaf(8, "Type", sbdh.type)
        sbdhLeaf(8, "CreationDateAndTime", sbdh.creationDateAndTime)
        out.append("      </sbdh:DocumentIdentification>\n    </sbdh:StandardBusinessDocumentHeader>\n")
    }

    private mutating func sbdhLeaf(_ depth: Int, _ name: String, _ value: String) {
        leaf(String(repeating: " ", count: depth), "sbdh:\(name)", value)
    }

    private mutating func writeVocabulary(_ vocabulary: Vocabulary) {
        out.append("          <Vocabulary type=\"")
        out.appendEscaped(vocabulary.type, attribute: true)
        out.append("\">\n            <VocabularyElementList>\n")
        for element in vocabulary.elements {
            out.append("              <VocabularyElement id=\"")
            out.appendEscaped(element.id, attribute: true)
            out.append("\">\n")
            for attribute in element.attributes {
                out.append("                <attribute id=\"")
                out.appendEscaped(attribute.id, attribute: true)
                out.append("\">")
                out.appendEscaped(attribute.value)
                if !attribute.elements.isEmpty {
                    out.append("\n")
                    for nested in attribute.elements { writeElement(nested, depth: 9, scope: declared) }
                    out.append("                ")
                }
                out.append("</attribute>\n")
            }
            if !element.children.isEmpty {
                out.append("                <children>\n")
                for child in element.children { leaf("                  ", "id", child) }
                out.append("                </children>\n")
            }
            out.append("              </VocabularyElement>\n")
        }
        out.append("            </VocabularyElementList>\n          </Vocabulary>\n")
    }

    // MARK: - Verbatim XML

    private func collectNamespaces(_ element: XMLElement, into map: inout [String: String]) {
        if let prefix = element.prefix, let namespace = element.namespace, map[prefix] == nil { map[prefix] = namespace }
        for case .element(let child) in element.children { collectNamespaces(child, into: &map) }
    }

    /// Writes an element, declaring its namespace on it when the enclosing scope does not.
    ///
    /// Elements whose children are elements (and layout whitespace) are indented; any element with
    /// real mixed content is written inline so that its text stays exactly as given.
    private mutating func writeElement(_ element: XMLElement, depth: Int, scope: [String: String], inline: Bool = false) {
        var scope = scope
        var declarations: [(String, String)] = []
        func qualified(_ namespace: String?, _ prefix: String?, _ name: String) -> String {
            guard let namespace else { return name }
            if let prefix, scope[prefix] == namespace { return "\(prefix):\(name)" }
            if let existing = scope.first(where: { $0.value == namespace })?.key { return "\(existing):\(name)" }
            var chosen = prefix ?? "ns"
            var counter = 1
            while scope[chosen] != nil {
                chosen = (prefix ?? "ns") + String(counter)
                counter += 1
            }
            scope[chosen] = namespace
            declarations.append((chosen, namespace))
            return "\(chosen):\(name)"
        }
        let indent = inline ? "" : String(repeating: "  ", count: depth)
        let name = qualified(element.namespace, element.prefix, element.name)
        let attributes = element.attributes.map { attribute in
            // `xsi:type="xsd:integer"` names a type by QName; its prefix must be declared too.
            var value = attribute.value
            if attribute.namespace == XMLNamespace.xsi && attribute.name == "type" && value.hasPrefix("xsd:") {
                value = qualified(XMLNamespace.xsd, "xsd", String(value.dropFirst(4)))
            }
            return (qualified(attribute.namespace, attribute.prefix, attribute.name), value)
        }
        out.append("\(indent)<\(name)")
        for (prefix, namespace) in declarations {
            out.append(" xmlns:\(prefix)=\"")
            out.appendEscaped(namespace, attribute: true)
            out.append("\"")
        }
        for (attributeName, value) in attributes {
            out.append(" \(attributeName)=\"")
            out.appendEscaped(value, attribute: true)
            out.append("\"")
        }
        let newline = inline ? "" : "\n"
        if element.children.isEmpty {
            out.append("/>\(newline)")
            return
        }
        let layoutOnly = element.children.allSatisfy {
            if case .text(let text) = $0 { return text.allSatisfy(\.isWhitespace) }
            return true
        }
        let hasElements = element.children.contains { if case .element = $0 { true } else { false } }
        out.append(">")
        if hasElements && layoutOnly && !inline {
            out.append("\n")
            for case .element(let nested) in element.children { writeElement(nested, depth: depth + 1, scope: scope) }
            out.append(indent)
        } else {
            for child in element.children {
                switch child {
                case .element(let nested): writeElement(nested, depth: 0, scope: scope, inline: true)
                case .text(let text): out.appendEscaped(text)
                }
            }
        }
        out.append("</\(name)>\(newline)")
    }
}
