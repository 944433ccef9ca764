internal import GatewayCore

/// Events, headers and sensor data in JSON-LD, both ways.
extension JSONLDMapping {
    /// Sensor fields that are JSON numbers.
    private static let numericSensorFields: Set<String> = ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"]
    /// The CBV prefix of sensor components (`x`, `latitude` → `https://ref.gs1.org/cbv/Comp-x`).
    private static let componentPrefix = "https://ref.gs1.org/cbv/Comp-"

    // MARK: Namespaces

    /// Binds every namespace the event's extension content uses; returns the new bindings, which
    /// the writer declares in an event-level `@context`.
    mutating func bindNamespaces(of event: EPCISEvent) -> [JSONMember] {
        var added: [JSONMember] = []
        func visit(_ element: XMLElement) {
            if let namespace = element.namespace {
                let (prefix, isNew) = bind(namespace, preferred: element.prefix)
                if isNew { added.append(JSONMember(prefix, .string(namespace))) }
            }
            for attribute in element.attributes where attribute.namespace != nil && attribute.namespace != XMLNamespace.xsi {
                let (prefix, isNew) = bind(attribute.namespace!, preferred: attribute.prefix)
                if isNew { added.append(JSONMember(prefix, .string(attribute.namespace!))) }
            }
            for child in element.childElements { visit(child) }
        }
        let all =
            event.extensions + event.ilmd + event.sensorElements + event.readPointExtensions + event.bizLocationExtensions
            + (event.errorDeclaration?.extensions ?? [])
        for element in all { visit(element) }
        return added
    }

    // MARK: Model → JSON

    /// The event as a JSON-LD object (members in the order GS1's examples use).
    func json(_ event: EPCISEvent) throws -> JSONValue {
        var members: [JSONMember] = [JSONMember("type", .string(event.type.rawValue))]
        func add(_ key: String, _ value: String?) { if let value { members.append(JSONMember(key, .string(value))) } }
        func list(_ key: String, _ values: [String]) { members.append(JSONMember(key, .array(values.map(JSONValue.string)))) }
        add("eventTime", event.eventTime)
        add("recordTime", event.recordTime)
        add("eventTimeZoneOffset", event.eventTimeZoneOffset)
        add("eventID", event.eventID)
        add("certificationInfo", event.certificationInfo)
        if let declaration = event.errorDeclaration {
            var parts: [JSONMember] = [JSONMember("declarationTime", .string(declaration.declarationTime))]
            if let reason = declaration.reason { parts.append(JSONMember("reason", .string(CBVVocabulary.errorReason.canonical(reason)))) }
            if !declaration.correctiveEventIDs.isEmpty {
                parts.append(JSONMember("correctiveEventIDs", .array(declaration.correctiveEventIDs.map(JSONValue.string))))
            }
            parts += try self.members(declaration.extensions)
            members.append(JSONMember("errorDeclaration", .object(parts)))
        }
        add("parentID", event.parentID)
        let childish = event.type == .aggregation || event.type == .association
        switch event.type {
        case .object:
            if !event.epcList.isEmpty || event.quantityList.isEmpty { list("epcList", event.epcList) }
        case .transaction:
            list("epcList", event.epcList)
        case .aggregation, .association:
            if !event.epcList.isEmpty { list("childEPCs", event.epcList) }
        case .transformation:
            if !event.inputEPCList.isEmpty { list("inputEPCList", event.inputEPCList) }
            if !event.inputQuantityList.isEmpty { members.append(JSONMember("inputQuantityList", quantities(event.inputQuantityList))) }
            if !event.outputEPCList.isEmpty || !event.epcList.isEmpty { list("outputEPCList", event.outputEPCList + event.epcList) }
            if !event.outputQuantityList.isEmpty { members.append(JSONMember("outputQuantityList", quantities(event.outputQuantityList))) }
            add("transformationID", event.transformationID)
        }
        add("action", event.action?.rawValue)
        add("bizStep", event.bizStep.map(CBVVocabulary.bizStep.canonical))
        add("disposition", event.disposition.map(CBVVocabulary.disposition.canonical))
        if !event.persistentDispositionSet.isEmpty || !event.persistentDispositionUnset.isEmpty {
            var parts: [JSONMember] = []
            if !event.persistentDispositionSet.isEmpty {
                parts.append(JSONMember("set", .array(event.persistentDispositionSet.map { .string(CBVVocabulary.disposition.canonical($0)) })))
            }
            if !event.persistentDispositionUnset.isEmpty {
                parts.append(JSONMember("unset", .array(event.persistentDispositionUnset.map { .string(CBVVocabulary.disposition.canonical($0)) })))
            }
            members.append(JSONMember("persistentDisposition", .object(parts)))
        }
        for (key, id, extensions) in [
            ("readPoint", event.readPoint, event.readPointExtensions), ("bizLocation", event.bizLocation, event.bizLocationExtensions),
        ] where id != nil || !extensions.isEmpty {
            members.append(JSONMember(key, .object((id.map { [JSONMember("id", .string($0))] } ?? []) + (try self.members(extensions)))))
        }
        if !event.bizTransactions.isEmpty {
            members.append(JSONMember("bizTransactionList", references(event.bizTransactions, "bizTransaction", .bizTransactionType)))
        }
        if !event.quantityList.isEmpty && event.type != .transformation {
            members.append(JSONMember(childish ? "childQuantityList" : "quantityList", quantities(event.quantityList)))
        }
        if !event.sources.isEmpty { members.append(JSONMember("sourceList", references(event.sources, "source", .sourceDestinationType))) }
        if !event.destinations.isEmpty {
            members.append(JSONMember("destinationList", references(event.destinations, "destination", .sourceDestinationType)))
        }
        if !event.sensorElements.isEmpty { members.append(JSONMember("sensorElementList", .array(try event.sensorElements.map(sensorJSON)))) }
        if !event.ilmd.isEmpty { members.append(JSONMember("ilmd", .object(try self.members(event.ilmd)))) }
        members += try self.members(event.extensions)
        return .object(members)
    }

    private func quantities(_ elements: [QuantityElement]) -> JSONValue {
        .array(
            elements.map { element in
                var parts = [JSONMember("epcClass", .string(element.epcClass))]
                if let quantity = element.quantity {
                    parts.append(JSONMember("quantity", Self.isJSONNumber(quantity) ? .number(quantity) : .string(quantity)))
                }
                if let uom = element.uom { parts.append(JSONMember("uom", .string(uom))) }
                return .object(parts)
            })
    }

    private func references(_ references: [TypedReference], _ key: String, _ vocabulary: CBVVocabulary) -> JSONValue {
        .array(
            references.map { reference in
                .object(
                    (reference.type.map { [JSONMember("type", .string(vocabulary.canonical($0)))] } ?? []) + [
                        JSONMember(key, .string(reference.value))
                    ])
            })
    }

    private func sensorJSON(_ element: XMLElement) throws -> JSONValue {
        var members: [JSONMember] = []
        var reports: [JSONValue] = []
        var extensions: [XMLElement] = []
        for child in element.childElements {
            if child.namespace == nil && child.name == "sensorMetadata" {
                members.append(JSONMember("sensorMetadata", sensorFields(child)))
            } else if child.namespace == nil && child.name == "sensorReport" {
                reports.append(sensorFields(child))
            } else {
                extensions.append(child)
            }
        }
        if !reports.isEmpty { members.append(JSONMember("sensorReport", .array(reports))) }
        return .object(members + (try self.members(extensions)))
    }

    private func sensorFields(_ element: XMLElement) -> JSONValue {
        .object(
            element.attributes.map { attribute in
                if let namespace = attribute.namespace { return JSONMember(key(namespace, attribute.name), .string(attribute.value)) }
                let value = attribute.value
                switch attribute.name {
                case let name where Self.numericSensorFields.contains(name) && Self.isJSONNumber(value): return JSONMember(name, .number(value))
                case "booleanValue" where value == "true" || value == "false": return JSONMember("booleanValue", .bool(value == "true"))
                case let name where (name == "type" || name == "exception") && value.hasPrefix(XMLNamespace.gs1Vocabulary):
                    return JSONMember(name, .string(String(value.dropFirst(XMLNamespace.gs1Vocabulary.count))))
                case "component" where value.hasPrefix(Self.componentPrefix):
                    return JSONMember("component", .string(String(value.dropFirst(Self.componentPrefix.count))))
                default: return JSONMember(attribute.name, .string(value))
                }
            })
    }

    // MARK: JSON → model

    /// Reads one event object. `path` is its JSON path, for messages.
    func event(from value: JSONValue, path: String, warnings: inout [EPCISIssue]) throws -> EPCISEvent {
        guard let members = value.members else {
            throw EPCISError(.invalidEvent, "an event must be a JSON object, not \(value.kind)", location: path)
        }
        guard let typeName = value["type"]?.string, let type = EPCISEventType(rawValue: typeName) else {
            throw EPCISError(
                .invalidEvent,
                "the event has no valid \"type\" (\(value["type"].map { "\($0)" } ?? "missing")); use ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent or AssociationEvent",
                location: path)
        }
        var event = EPCISEvent(type: type, eventTime: "", eventTimeZoneOffset: "")
        func text(_ member: JSONMember) throws -> String {
            guard let string = member.value.string else {
                throw EPCISError(.invalidEvent, "\"\(member.key)\" must be a string, not \(member.value.kind)", location: path + "." + member.key)
            }
            return string
        }
        func strings(_ member: JSONMember) throws -> [String] {
            guard case .array(let values) = member.value else {
                throw EPCISError(.invalidEvent, "\"\(member.key)\" must be an array of strings", location: path + "." + member.key)
            }
            return try values.enumerated().map { offset, item in
                guard let string = item.string else {
                    throw EPCISError(.invalidEvent, "each entry must be a string, not \(item.kind)", location: "\(path).\(member.key)[\(offset)]")
                }
                return string
            }
        }
        for member in members {
            let at = path + "." + member.key
            switch member.key {
            case "type", "@context": continue
            case "eventTime": event.eventTime = try text(member)
            case "recordTime": event.recordTime = try text(member)
            case "eventTimeZoneOffset": event.eventTimeZoneOffset = try text(member)
            case "eventID", "@id": event.eventID = try text(member)
            case "certificationInfo":
                let values = try member.value.string.map { [$0] } ?? strings(member)
                guard values.count == 1 else {
                    throw EPCISError(
                        .notExpressible,
                        "the event has \(values.count) certificationInfo values; EPCIS XML holds exactly one, so the gateway accepts one",
                        location: at)
                }
                event.certificationInfo = values[0]
            case "parentID": event.parentID = try text(member)
            case "epcList", "childEPCs": event.epcList = try strings(member)
            case "inputEPCList": event.inputEPCList = try strings(member)
            case "outputEPCList": event.outputEPCList = try strings(member)
            case "quantityList", "childQuantityList": event.quantityList = try quantities(member.value, path: at)
            case "inputQuantityList": event.inputQuantityList = try quantities(member.value, path: at)
            case "outputQuantityList": event.outputQuantityList = try quantities(member.value, path: at)
            case "transformationID": event.transformationID = try text(member)
            case "action":
                guard let action = EPCISAction(rawValue: try text(member)) else {
                    throw EPCISError(.invalidEvent, "action must be ADD, OBSERVE or DELETE", location: at)
                }
                event.action = action
            case "bizStep": event.bizStep = CBVVocabulary.bizStep.canonical(try text(member))
            case "disposition": event.disposition = CBVVocabulary.disposition.canonical(try text(member))
            case "persistentDisposition":
                event.persistentDispositionSet =
                    try member.value["set"].map { try strings(JSONMember("set", $0)) }?.map(CBVVocabulary.disposition.canonical) ?? []
                event.persistentDispositionUnset =
                    try member.value["unset"].map { try strings(JSONMember("unset", $0)) }?.map(CBVVocabulary.disposition.canonical) ?? []
            case "readPoint": (event.readPoint, event.readPointExtensions) = try place(member.value, path: at)
            case "bizLocation": (event.bizLocation, event.bizLocationExtensions) = try place(member.value, path: at)
            case "bizTransactionList": event.bizTransactions = try references(member.value, "bizTransaction", .bizTransactionType, path: at)
            case "sourceList": event.sources = try references(member.value, "source", .sourceDestinationType, path: at)
            case "destinationList": event.destinations = try references(member.value, "destination", .sourceDestinationType, path: at)
            case "sensorElementList":
                event.sensorElements = try member.value.elements.enumerated().map { try sensorElement($1, path: "\(at)[\($0)]") }
            case "ilmd":
                event.ilmd = try (member.value.members ?? []).flatMap { try elements(key: $0.key, value: $0.value, path: at + "." + $0.key) }
            case "errorDeclaration": event.errorDeclaration = try errorDeclaration(member.value, path: at)
            default:
                if !member.key.contains(":") {
                    warnings.append(
                        EPCISIssue(
                            .warning, rule: "unknown-member",
                            message: "\"\(member.key)\" is not an EPCIS field and has no prefix; it is kept as an unqualified extension",
                            path: at, hint: "give extension members a prefix declared in @context"))
                }
                event.extensions += try elements(key: member.key, value: member.value, path: at)
            }
        }
        if let warning = try EventRules.completeRead(&event, name: "the \(type.rawValue)", location: path) {
            warnings.append(EPCISIssue(.warning, rule: "missing-time-zone-offset", message: warning, path: path, hint: "add eventTimeZoneOffset"))
        }
        return event
    }

    private func quantities(_ value: JSONValue, path: String) throws -> [QuantityElement] {
        try value.elements.enumerated().map { offset, item in
            let at = "\(path)[\(offset)]"
            guard let epcClass = item["epcClass"]?.string else {
                throw EPCISError(.invalidEvent, "a quantity element needs an epcClass string", location: at)
            }
            var element = QuantityElement(epcClass: epcClass, uom: item["uom"]?.string)
            switch item["quantity"] {
            case .number(let lexical)?, .string(let lexical)?: element.quantity = lexical
            case nil: break
            case let other?: throw EPCISError(.invalidEvent, "quantity must be a number, not \(other.kind)", location: at + ".quantity")
            }
            return element
        }
    }

    private func place(_ value: JSONValue, path: String) throws -> (String?, [XMLElement]) {
        var extensions: [XMLElement] = []
        for member in value.members ?? [] where member.key != "id" {
            extensions += try elements(key: member.key, value: member.value, path: path + "." + member.key)
        }
        return (value["id"]?.string, extensions)
    }

    private func references(_ value: JSONValue, _ key: String, _ vocabulary: CBVVocabulary, path: String) throws -> [TypedReference] {
        try value.elements.enumerated().map { offset, item in
            guard let identifier = item[key]?.string else {
                throw EPCISError(.invalidEvent, "each entry needs a \"\(key)\" string", location: "\(path)[\(offset)]")
            }
            return TypedReference(type: item["type"]?.string.map(vocabulary.canonical), value: identifier)
        }
    }

    private func errorDeclaration(_ value: JSONValue, path: String) throws -> ErrorDeclaration {
        guard let time = value["declarationTime"]?.string else {
            throw EPCISError(.invalidEvent, "an errorDeclaration needs a declarationTime", location: path)
        }
        var declaration = ErrorDeclaration(declarationTime: time, reason: value["reason"]?.string.map(CBVVocabulary.errorReason.canonical))
        declaration.correctiveEventIDs = value["correctiveEventIDs"]?.elements.compactMap(\.string) ?? []
        for member in value.members ?? [] where !["declarationTime", "reason", "correctiveEventIDs"].contains(member.key) {
            declaration.extensions += try elements(key: member.key, value: member.value, path: path + "." + member.key)
        }
        return declaration
    }

    private func sensorElement(_ value: JSONValue, path: String) throws -> XMLElement {
        var element = XMLElement(name: "sensorElement")
        for member in value.members ?? [] {
            switch member.key {
            case "sensorMetadata":
                element.children.append(.element(try sensorFields(member.value, name: "sensorMetadata", path: path + ".sensorMetadata")))
            case "sensorReport":
                for (offset, report) in member.value.elements.enumerated() {
                    element.children.append(.element(try sensorFields(report, name: "sensorReport", path: "\(path).sensorReport[\(offset)]")))
                }
            default:
                element.children += try elements(key: member.key, value: member.value, path: path + "." + member.key).map(XMLNode.element)
            }
        }
        return element
    }

    private func sensorFields(_ value: JSONValue, name: String, path: String) throws -> XMLElement {
        var element = XMLElement(name: name)
        for member in value.members ?? [] {
            let text: String
            switch member.value {
            case .string(let string): text = string
            case .number(let lexical): text = lexical
            case .bool(let flag): text = flag ? "true" : "false"
            default: throw EPCISError(.invalidEvent, "\(member.key) must be a string, number or boolean", location: path + "." + member.key)
            }
            if member.key.contains(":") {
                let (namespace, prefix, local) = try split(member.key, path: path + "." + member.key)
                element.attributes.append(XMLAttribute(namespace: namespace, prefix: prefix, name: local, value: text))
                continue
            }
            var stored = text
            if member.key == "type" || member.key == "exception" {
                stored = expand(text, bare: XMLNamespace.gs1Vocabulary)
            } else if member.key == "component" {
                stored = expand(text, bare: Self.componentPrefix)
            }
            element.attributes.append(XMLAttribute(name: member.key, value: stored))
        }
        return element
    }

    /// A bare word gets `bare` in front; a `gs1:` or `cbv:` CURIE is expanded; anything else
    /// stays verbatim (as the XML reader does).
    private func expand(_ value: String, bare: String) -> String {
        guard let colon = value.firstIndex(of: ":") else { return bare + value }
        let wellKnown = ["gs1": XMLNamespace.gs1Vocabulary, "cbv": "https://ref.gs1.org/cbv/"]
        guard let namespace = wellKnown[String(value[..<colon])] else { return value }
        return namespace + value[value.index(after: colon)...]
    }
}
