/// Writes an EPCIS 1.2 XML document event by event to a ``ByteSink``.
///
/// Memory does not grow with the number of events or EPCs: output is handed to the sink in
/// 64 KiB chunks, and an event's EPC list can be streamed from any sequence
/// (``write(_:streamingEPCs:)``). Values are written in XSD order, CBV values as URNs (the 1.2
/// form), and 1.2's `extension` wrappers are placed where the 1.2 schema has them. Fields that
/// EPCIS 1.2 cannot carry are refused with ``EPCISError/Code/notExpressible`` rather than dropped.
///
/// ```swift
/// var writer = EPCIS12XMLWriter(sink: FileSink(path: "shipment.xml"))
/// try writer.begin(header: header, creationDate: "2026-11-21T10:00:00Z")
/// for event in events { try writer.write(event) }
/// try writer.finish()
/// ```
public struct EPCIS12XMLWriter<Sink: ByteSink> {
    private var out: ChunkedOutput<Sink>
    private var state = State.initial
    private var declared: [String: String] = [:]  // prefix → namespace declared on the root
    private var eventIndex = 0

    private enum State { case initial, events, finished }

    /// Creates a writer.
    public init(sink: Sink) { out = ChunkedOutput(sink: sink) }

    /// Bytes handed to the sink so far.
    public var bytesWritten: Int { out.written }

    /// Writes the XML declaration, the root element and the header, and opens the event list.
    ///
    /// - Parameters:
    ///   - header: the header; EPCIS 1.2 requires its SBDH.
    ///   - creationDate: the document's `creationDate`.
    ///   - namespaces: extra prefix → namespace declarations for the root, for extension
    ///     elements that events will carry.
    /// - Throws: ``EPCISError`` when the header has no SBDH or the writer was already begun.
    public mutating func begin(header: EPCISHeader, creationDate: String, namespaces: [String: String] = [:]) throws {
        guard state == .initial else { throw EPCISError(.writerState, "begin(header:) was called twice") }
        guard let sbdh = header.sbdh else {
            throw EPCISError(
                .notExpressible, "EPCIS 1.2 requires a Standard Business Document Header in the EPCISHeader; add one (sender, receiver, instance identifier)")
        }
        declared = ["epcis": EPCISNamespace.epcis12, "sbdh": EPCISNamespace.sbdh, "cbvmda": EPCISNamespace.cbvmda]
        for element in header.extensions { collectNamespaces(element, into: &declared) }
        for (prefix, namespace) in namespaces { declared[prefix] = namespace }
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<epcis:EPCISDocument")
        for prefix in declared.keys.sorted() {
            out.append(" xmlns:\(prefix)=\"")
            out.appendEscaped(declared[prefix]!, attribute: true)
            out.append("\"")
        }
        out.append(" schemaVersion=\"1.2\" creationDate=\"")
        out.appendEscaped(creationDate, attribute: true)
        out.append("\">\n  <EPCISHeader>\n")
        writeSBDH(sbdh)
        if !header.vocabularies.isEmpty {
            out.append("    <extension>\n      <EPCISMasterData>\n        <VocabularyList>\n")
            for vocabulary in header.vocabularies { writeVocabulary(vocabulary) }
            out.append("        </VocabularyList>\n      </EPCISMasterData>\n    </extension>\n")
        }
        for element in header.extensions { writeElement(element, depth: 2, scope: declared) }
        out.append("  </EPCISHeader>\n  <EPCISBody>\n    <EventList>\n")
        state = .events
        try out.flushIfFull()
    }

    /// Writes one event.
    ///
    /// - Throws: ``EPCISError`` when the event uses a field EPCIS 1.2 cannot carry or misses a
    ///   required one; nothing of that event is written then.
    public mutating func write(_ event: EPCISEvent) throws {
        try write(event, streamingEPCs: EmptyCollection<String>())
    }

    /// Writes one event whose EPC list (or `childEPCs`) continues with `streamingEPCs` after
    /// `event.epcList`, so that an event with millions of EPCs never sits in memory whole.
    public mutating func write(_ event: EPCISEvent, streamingEPCs: some Sequence<String>) throws {
        guard state == .events else { throw EPCISError(.writerState, "write(_:) needs begin(header:) first and no finish() yet") }
        try check(event)
        let wrapped = event.type == .transformation
        let indent = wrapped ? "        " : "      "
        if wrapped { out.append("      <extension>\n") }
        out.append("\(indent)<\(event.type.rawValue)>\n")
        let inner = indent + "  "
        leaf(inner, "eventTime", event.eventTime)
        if let recordTime = event.recordTime { leaf(inner, "recordTime", recordTime) }
        leaf(inner, "eventTimeZoneOffset", event.eventTimeZoneOffset)
        if event.eventID != nil || event.errorDeclaration != nil {
            out.append("\(inner)<baseExtension>\n")
            if let eventID = event.eventID { leaf(inner + "  ", "eventID", eventID) }
            if let declaration = event.errorDeclaration { writeErrorDeclaration(declaration, indent: inner + "  ") }
            out.append("\(inner)</baseExtension>\n")
        }
        switch event.type {
        case .object:
            try epcList(inner, "epcList", event.epcList, streamingEPCs)
            coreTail(event, inner, bizTransactionsHere: true)
            let hasExtension = !event.quantityList.isEmpty || !event.sources.isEmpty || !event.destinations.isEmpty || !event.ilmd.isEmpty
            if hasExtension {
                out.append("\(inner)<extension>\n")
                quantities(inner + "  ", "quantityList", event.quantityList)
                sourcesAndDestinations(event, inner + "  ")
                if !event.ilmd.isEmpty {
                    out.append("\(inner)  <ilmd>\n")
                    for element in event.ilmd { writeElement(element, depth: (inner.count + 4) / 2, scope: declared) }
                    out.append("\(inner)  </ilmd>\n")
                }
                out.append("\(inner)</extension>\n")
            }
        case .aggregation:
            if let parentID = event.parentID { leaf(inner, "parentID", parentID) }
            try epcList(inner, "childEPCs", event.epcList, streamingEPCs)
            coreTail(event, inner, bizTransactionsHere: true)
            extensionWrapper(event, inner, quantityName: "childQuantityList")
        case .transaction:
            bizTransactionList(event, inner)
            if let parentID = event.parentID { leaf(inner, "parentID", parentID) }
            try epcList(inner, "epcList", event.epcList, streamingEPCs)
            coreTail(event, inner, bizTransactionsHere: false)
            extensionWrapper(event, inner, quantityName: "quantityList")
        case .transformation:
            if !event.inputEPCList.isEmpty { try epcList(inner, "inputEPCList", event.inputEPCList, EmptyCollection()) }
            quantities(inner, "inputQuantityList", event.inputQuantityList)
            if !event.outputEPCList.isEmpty || !event.epcList.isEmpty {
                try epcList(inner, "outputEPCList", event.outputEPCList + event.epcList, streamingEPCs)
            }
            quantities(inner, "outputQuantityList", event.outputQuantityList)
            if let transformationID = event.transformationID { leaf(inner, "transformationID", transformationID) }
            cbv(inner, event)
            bizTransactionList(event, inner)
            sourcesAndDestinations(event, inner)
            if !event.ilmd.isEmpty {
                out.append("\(inner)<ilmd>\n")
                for element in event.ilmd { writeElement(element, depth: (inner.count + 2) / 2, scope: declared) }
                out.append("\(inner)</ilmd>\n")
            }
        case .association:
            break  // refused by check(_:)
        }
        for element in event.extensions { writeElement(element, depth: inner.count / 2, scope: declared) }
        out.append("\(indent)</\(event.type.rawValue)>\n")
        if wrapped { out.append("      </extension>\n") }
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

    // MARK: - Rules

    private func check(_ event: EPCISEvent) throws {
        let name = "event \(eventIndex + 1) (\(event.type.rawValue) at \(event.eventTime))"
        var unsupported: [String] = []
        if event.type == .association { unsupported.append("the AssociationEvent type") }
        if event.certificationInfo != nil { unsupported.append("certificationInfo") }
        if !event.sensorElements.isEmpty { unsupported.append("sensorElementList") }
        if !event.persistentDispositionSet.isEmpty || !event.persistentDispositionUnset.isEmpty { unsupported.append("persistentDisposition") }
        if !unsupported.isEmpty {
            throw EPCISError(
                .notExpressible,
                "\(name) uses \(unsupported.joined(separator: ", ")), which EPCIS 1.2 cannot carry; send this partner EPCIS 2.0 or remove the field")
        }
        if event.type != .transformation && event.action == nil {
            throw EPCISError(.invalidEvent, "\(name) has no action; EPCIS requires ADD, OBSERVE or DELETE")
        }
        if event.type == .transaction && event.bizTransactions.isEmpty {
            throw EPCISError(.invalidEvent, "\(name) has no bizTransactionList; a TransactionEvent names at least one business transaction")
        }
        if event.type != .transformation
            && (!event.inputEPCList.isEmpty || !event.outputEPCList.isEmpty || !event.inputQuantityList.isEmpty
                || !event.outputQuantityList.isEmpty || event.transformationID != nil)
        {
            throw EPCISError(.invalidEvent, "\(name) has transformation inputs/outputs, which only a TransformationEvent has")
        }
        if event.type == .object && event.parentID != nil {
            throw EPCISError(.invalidEvent, "\(name) has a parentID, which an ObjectEvent does not have")
        }
        if !event.ilmd.isEmpty && event.type != .object && event.type != .transformation {
            throw EPCISError(.invalidEvent, "\(name) has ILMD, which only Object and Transformation events carry")
        }
        for reference in event.sources + event.destinations where reference.type == nil {
            throw EPCISError(.invalidEvent, "\(name) has a source or destination '\(reference.value)' without a type; use owning_party, possessing_party or location")
        }
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
            epcItem(item, epc)
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

    private mutating func cbv(_ indent: String, _ event: EPCISEvent) {
        if let bizStep = event.bizStep { leaf(indent, "bizStep", CBVVocabulary.bizStep.urn(bizStep)) }
        if let disposition = event.disposition { leaf(indent, "disposition", CBVVocabulary.disposition.urn(disposition)) }
        if let readPoint = event.readPoint { wrappedID(indent, "readPoint", readPoint) }
        if let bizLocation = event.bizLocation { wrappedID(indent, "bizLocation", bizLocation) }
    }

    /// action, bizStep, disposition, readPoint, bizLocation and (for Object/Aggregation) bizTransactionList.
    private mutating func coreTail(_ event: EPCISEvent, _ indent: String, bizTransactionsHere: Bool) {
        if let action = event.action { leaf(indent, "action", action.rawValue) }
        cbv(indent, event)
        if bizTransactionsHere { bizTransactionList(event, indent) }
    }

    private mutating func wrappedID(_ indent: String, _ name: String, _ id: String) {
        out.append("\(indent)<\(name)>\n")
        leaf(indent + "  ", "id", id)
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
                out.appendEscaped(vocabulary.urn(type), attribute: true)
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

    /// Aggregation and Transaction events keep quantities and source/destination in `extension`.
    private mutating func extensionWrapper(_ event: EPCISEvent, _ indent: String, quantityName: String) {
        guard !event.quantityList.isEmpty || !event.sources.isEmpty || !event.destinations.isEmpty else { return }
        out.append("\(indent)<extension>\n")
        quantities(indent + "  ", quantityName, event.quantityList)
        sourcesAndDestinations(event, indent + "  ")
        out.append("\(indent)</extension>\n")
    }

    private mutating func writeErrorDeclaration(_ declaration: ErrorDeclaration, indent: String) {
        out.append("\(indent)<errorDeclaration>\n")
        leaf(indent + "  ", "declarationTime", declaration.declarationTime)
        if let reason = declaration.reason { leaf(indent + "  ", "reason", CBVVocabulary.errorReason.urn(reason)) }
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
        let attributes = element.attributes.map { (qualified($0.namespace, $0.prefix, $0.name), $0.value) }
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
