/// Maps XML subtrees (one event, or the header) to the model. Pure: no I/O.
///
/// One tolerant mapping serves EPCIS 1.2 and 2.0: the 1.2 `baseExtension` and `extension`
/// wrappers are looked through, so a field is found wherever either version (or a sender that
/// mixed them) put it. Placements that a strict partner would refuse become warnings.
struct EPCISXMLDecoding {
    let version: EPCISFormat
    /// `line:column` of the element being decoded, for messages.
    let location: String
    let line: Int
    var warnings: [EPCISIssue] = []

    init(version: EPCISFormat, location: String, line: Int) {
        self.version = version
        self.location = location
        self.line = line
    }

    // MARK: Events

    mutating func event(_ element: XMLElement, index: Int) throws -> EPCISEvent {
        guard let type = EPCISEventType(rawValue: element.name) else {
            throw EPCISError(.invalidEvent, "<\(element.name)> is not an EPCIS event type", location: location)
        }
        let name = "event \(index) (\(type.rawValue))"
        var event = EPCISEvent(type: type, eventTime: "", eventTimeZoneOffset: "")
        try visit(element.childElements, into: &event, wrapper: nil, name: name)
        if let warning = try EventRules.completeRead(&event, name: name, location: location) {
            warn("missing-time-zone-offset", warning, "add <eventTimeZoneOffset>")
        }
        return event
    }

    private static let coreFields: Set<String> = [
        "eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "errorDeclaration", "certificationInfo", "parentID", "epcList",
        "childEPCs", "inputEPCList", "outputEPCList", "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList",
        "transformationID", "action", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation", "bizTransactionList",
        "sourceList", "destinationList", "sensorElementList", "ilmd",
    ]
    private static let onlyIn20: Set<String> = ["certificationInfo", "sensorElementList", "persistentDisposition"]

    private mutating func visit(_ children: [XMLElement], into event: inout EPCISEvent, wrapper: String?, name: String) throws {
        for child in children {
            if child.namespace != nil {
                event.extensions.append(child)
                continue
            }
            let field = child.name
            if field == "baseExtension" || field == "extension" {
                try visit(child.childElements, into: &event, wrapper: field, name: name)
                continue
            }
            guard Self.coreFields.contains(field) else {
                warn(
                    "unknown-element", "\(name) has an unknown unqualified element <\(field)>; it is kept as an extension",
                    "put extension elements in your own namespace")
                event.extensions.append(child)
                continue
            }
            if version == .xml12 && wrapper == nil && Self.onlyIn20.contains(field) {
                warn(
                    "misplaced-2.0-field", "\(name) carries the EPCIS 2.0 field <\(field)> directly, which the 1.2 schema does not allow",
                    "send EPCIS 2.0, or place it in the 1.2 extension wrapper")
            } else if version == .xml20 && wrapper != nil {
                warn(
                    "1.2-wrapper-in-2.0", "\(name) has <\(field)> inside a 1.2 <\(wrapper!)> wrapper in an EPCIS 2.0 document",
                    "in EPCIS 2.0 the field is a direct child of the event")
            }
            try decodeField(child, into: &event, name: name)
        }
    }

    private mutating func decodeField(_ child: XMLElement, into event: inout EPCISEvent, name: String) throws {
        let text = Self.trimmed(child.text)
        switch child.name {
        case "eventTime": event.eventTime = text
        case "recordTime": event.recordTime = text
        case "eventTimeZoneOffset": event.eventTimeZoneOffset = text
        case "eventID": event.eventID = text
        case "certificationInfo": event.certificationInfo = text
        case "parentID": event.parentID = text
        case "transformationID": event.transformationID = text
        case "epcList", "childEPCs": event.epcList += epcs(child)
        case "inputEPCList": event.inputEPCList = epcs(child)
        case "outputEPCList": event.outputEPCList = epcs(child)
        case "quantityList", "childQuantityList": event.quantityList += quantities(child, name: name)
        case "inputQuantityList": event.inputQuantityList = quantities(child, name: name)
        case "outputQuantityList": event.outputQuantityList = quantities(child, name: name)
        case "action":
            guard let action = EPCISAction(rawValue: text) else {
                throw EPCISError(.invalidEvent, "\(name) has action '\(text)'; use ADD, OBSERVE or DELETE", location: location)
            }
            event.action = action
        case "bizStep": event.bizStep = CBVVocabulary.bizStep.canonical(text)
        case "disposition": event.disposition = CBVVocabulary.disposition.canonical(text)
        case "persistentDisposition":
            for item in child.childElements {
                let value = CBVVocabulary.disposition.canonical(Self.trimmed(item.text))
                if item.name == "set" { event.persistentDispositionSet.append(value) }
                if item.name == "unset" { event.persistentDispositionUnset.append(value) }
            }
        case "readPoint": (event.readPoint, event.readPointExtensions) = place(child)
        case "bizLocation": (event.bizLocation, event.bizLocationExtensions) = place(child)
        case "bizTransactionList": event.bizTransactions = references(child, .bizTransactionType)
        case "sourceList": event.sources = references(child, .sourceDestinationType)
        case "destinationList": event.destinations = references(child, .sourceDestinationType)
        case "sensorElementList": event.sensorElements = child.childElements.map { sensorElement($0, name: name) }
        case "ilmd": event.ilmd = flattened(child.childElements)
        case "errorDeclaration": event.errorDeclaration = errorDeclaration(child)
        default: break
        }
    }

    private func epcs(_ list: XMLElement) -> [String] {
        list.childElements.map { Self.trimmed($0.text) }
    }

    private mutating func quantities(_ list: XMLElement, name: String) -> [QuantityElement] {
        list.childElements.map { element in
            var quantity = QuantityElement(epcClass: "")
            for part in element.childElements {
                let text = Self.trimmed(part.text)
                switch part.name {
                case "epcClass": quantity.epcClass = text
                case "quantity":
                    if text.isEmpty {
                        warn(
                            "empty-quantity", "\(name) has an empty <quantity> for \(quantity.epcClass); it is read as absent",
                            "omit <quantity> or give a number")
                    } else {
                        quantity.quantity = text
                    }
                case "uom": quantity.uom = text
                default: break
                }
            }
            return quantity
        }
    }

    private func place(_ element: XMLElement) -> (String?, [XMLElement]) {
        var id: String?
        var extensions: [XMLElement] = []
        for child in flattened(element.childElements) {
            if child.namespace == nil && child.name == "id" { id = Self.trimmed(child.text) } else { extensions.append(child) }
        }
        return (id, extensions)
    }

    private func references(_ list: XMLElement, _ vocabulary: CBVVocabulary) -> [TypedReference] {
        list.childElements.map {
            TypedReference(type: $0.attribute("type").map { vocabulary.canonical(Self.trimmed($0)) }, value: Self.trimmed($0.text))
        }
    }

    private func errorDeclaration(_ element: XMLElement) -> ErrorDeclaration {
        var declaration = ErrorDeclaration(declarationTime: "")
        for child in flattened(element.childElements) {
            guard child.namespace == nil else {
                declaration.extensions.append(child)
                continue
            }
            switch child.name {
            case "declarationTime": declaration.declarationTime = Self.trimmed(child.text)
            case "reason": declaration.reason = CBVVocabulary.errorReason.canonical(Self.trimmed(child.text))
            case "correctiveEventIDs": declaration.correctiveEventIDs = child.childElements.map { Self.trimmed($0.text) }
            default: declaration.extensions.append(child)
            }
        }
        return declaration
    }

    private mutating func sensorElement(_ element: XMLElement, name: String) -> XMLElement {
        var element = element
        for index in element.children.indices {
            if case .element(var child) = element.children[index], child.namespace == nil, child.name == "sensorMetaData" {
                warn(
                    "sensor-metadata-spelling", "\(name) spells <sensorMetadata> as <sensorMetaData>; read as sensorMetadata", "use <sensorMetadata>")
                child.name = "sensorMetadata"
                element.children[index] = .element(child)
            }
        }
        return element
    }

    /// Children with unqualified `extension` wrappers looked through.
    private func flattened(_ elements: [XMLElement]) -> [XMLElement] {
        elements.flatMap { $0.namespace == nil && $0.name == "extension" ? flattened($0.childElements) : [$0] }
    }

    // MARK: Header

    mutating func header(_ element: XMLElement) throws -> EPCISHeader {
        var header = EPCISHeader()
        for child in element.childElements {
            if child.namespace == EPCISNamespace.sbdh && child.name == "StandardBusinessDocumentHeader" {
                header.sbdh = try sbdh(child)
            } else if child.namespace == nil && (child.name == "extension" || child.name == "EPCISMasterData") {
                for part in flattened(child.name == "extension" ? child.childElements : [child]) {
                    if part.namespace == nil && part.name == "EPCISMasterData" {
                        header.vocabularies += vocabularies(part)
                    } else {
                        header.extensions.append(part)
                    }
                }
            } else {
                header.extensions.append(child)
            }
        }
        return header
    }

    private mutating func sbdh(_ element: XMLElement) throws -> StandardBusinessDocumentHeader {
        var result = StandardBusinessDocumentHeader(senders: [], receivers: [], instanceIdentifier: "", creationDateAndTime: "")
        for child in element.childElements {
            switch child.name {
            case "HeaderVersion": result.headerVersion = Self.trimmed(child.text)
            case "Sender", "Receiver":
                for part in child.childElements {
                    if part.name == "Identifier" {
                        let identifier = StandardBusinessDocumentHeader.PartnerIdentifier(
                            authority: part.attribute("Authority") ?? "", value: Self.trimmed(part.text))
                        if child.name == "Sender" { result.senders.append(identifier) } else { result.receivers.append(identifier) }
                    } else {
                        warn(
                            "sbdh-not-carried", "the SBDH \(child.name) has <\(part.name)>, which the gateway does not carry into other formats",
                            "the document's own events and master data are unaffected")
                    }
                }
            case "DocumentIdentification":
                for part in child.childElements {
                    let text = Self.trimmed(part.text)
                    switch part.name {
                    case "Standard": result.standard = text
                    case "TypeVersion": result.typeVersion = text
                    case "InstanceIdentifier": result.instanceIdentifier = text
                    case "Type": result.type = text
                    case "CreationDateAndTime": result.creationDateAndTime = text
                    default:
                        warn(
                            "sbdh-not-carried", "the SBDH DocumentIdentification has <\(part.name)>, which the gateway does not carry",
                            "remove it if the partner does not need it")
                    }
                }
            default:
                warn(
                    "sbdh-not-carried", "the SBDH has <\(child.name)>, which the gateway does not carry into other formats",
                    "EPCIS exchanges need only Sender, Receiver and DocumentIdentification")
            }
        }
        return result
    }

    private mutating func vocabularies(_ masterData: XMLElement) -> [Vocabulary] {
        var result: [Vocabulary] = []
        for list in masterData.childElements where list.name == "VocabularyList" {
            for vocabulary in list.childElements where vocabulary.name == "Vocabulary" {
                var elements: [VocabularyElement] = []
                for elementList in vocabulary.childElements where elementList.name == "VocabularyElementList" {
                    for item in elementList.childElements where item.name == "VocabularyElement" {
                        elements.append(vocabularyElement(item))
                    }
                }
                result.append(Vocabulary(type: vocabulary.attribute("type") ?? "", elements: elements))
            }
        }
        return result
    }

    private mutating func vocabularyElement(_ item: XMLElement) -> VocabularyElement {
        var element = VocabularyElement(id: item.attribute("id") ?? "", attributes: [])
        for part in item.childElements {
            switch part.name {
            case "attribute":
                let nested = part.childElements
                element.attributes.append(
                    VocabularyElement.Attribute(id: part.attribute("id") ?? "", value: nested.isEmpty ? part.text : "", elements: nested))
            case "children":
                element.children = part.childElements.map { Self.trimmed($0.text) }
            default:
                warn(
                    "masterdata-not-carried", "master data element \(element.id) has <\(part.name)>, which the gateway does not carry",
                    "use <attribute> elements")
            }
        }
        return element
    }

    // MARK: Helpers

    private mutating func warn(_ rule: String, _ message: String, _ hint: String) {
        warnings.append(EPCISIssue(.warning, rule: rule, message: message, line: line, hint: hint))
    }

    /// The `±HH:MM` offset at the end of an xsd:dateTime (`Z` gives `+00:00`).
    static func offset(of time: String) -> String? {
        if time.hasSuffix("Z") { return "+00:00" }
        let tail = time.suffix(6)
        guard tail.count == 6, tail.first == "+" || tail.first == "-", tail.dropFirst(3).first == ":" else { return nil }
        return String(tail)
    }

    static func trimmed(_ text: String) -> String { text.trimmingCharacters(in: " \t\r\n") }
}
