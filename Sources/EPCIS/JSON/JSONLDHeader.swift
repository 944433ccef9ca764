internal import GatewayCore

/// The document header in JSON-LD.
///
/// The SBDH has no JSON binding in EPCIS 2.0. The gateway writes it twice: as GS1's pseudo-SBDH
/// document fields `sender`, `receiver` and `instanceIdentifier` (what JSON partners read), and
/// whole, as the header extension `sbdh:StandardBusinessDocumentHeader`, so that a JSON-LD file
/// converted back to XML has the same SBDH. A JSON document with only the pseudo fields gets an
/// SBDH built from them (with a warning).
extension JSONLDMapping {
    /// The prefix the gateway binds to the SBDH namespace in JSON-LD.
    static let sbdhPrefix = "sbdh"
    static let sbdhNamespace = EPCISNamespace.sbdh + "#"
    private static let sbdhKey = "sbdh:StandardBusinessDocumentHeader"

    /// Document-level members (`sender`, `receiver`, `instanceIdentifier`) and the `epcisHeader`
    /// object, or `nil` when there is nothing to put there.
    func headerJSON(_ header: EPCISHeader) throws -> (document: [JSONMember], header: JSONValue?) {
        var document: [JSONMember] = []
        var members: [JSONMember] = []
        if let sbdh = header.sbdh {
            if let sender = sbdh.senders.first { document.append(JSONMember("sender", .string(sender.value))) }
            if let receiver = sbdh.receivers.first { document.append(JSONMember("receiver", .string(receiver.value))) }
            document.append(JSONMember("instanceIdentifier", .string(sbdh.instanceIdentifier)))
            members.append(JSONMember(Self.sbdhKey, sbdhJSON(sbdh)))
        }
        if !header.vocabularies.isEmpty {
            let list = try header.vocabularies.map { vocabulary -> JSONValue in
                let elements = try vocabulary.elements.map { element -> JSONValue in
                    var parts = [JSONMember("id", .string(element.id))]
                    if !element.attributes.isEmpty {
                        parts.append(
                            JSONMember(
                                "attributes",
                                .array(
                                    try element.attributes.map { attribute in
                                        let value: JSONValue =
                                            attribute.elements.isEmpty ? .string(attribute.value) : .object(try self.members(attribute.elements))
                                        return .object([JSONMember("id", .string(attribute.id)), JSONMember("attribute", value)])
                                    })))
                    }
                    if !element.children.isEmpty { parts.append(JSONMember("children", .array(element.children.map(JSONValue.string)))) }
                    return .object(parts)
                }
                return .object([JSONMember("type", .string(vocabulary.type)), JSONMember("vocabularyElementList", .array(elements))])
            }
            members.append(JSONMember("epcisMasterData", .object([JSONMember("vocabularyList", .array(list))])))
        }
        members += try self.members(header.extensions)
        return (document, members.isEmpty ? nil : .object(members))
    }

    private func sbdhJSON(_ sbdh: StandardBusinessDocumentHeader) -> JSONValue {
        func party(_ identifiers: [StandardBusinessDocumentHeader.PartnerIdentifier]) -> JSONValue {
            .array(
                identifiers.map {
                    .object([JSONMember("sbdh:Identifier", .string($0.value)), JSONMember("sbdh:Authority", .string($0.authority))])
                })
        }
        return .object([
            JSONMember("sbdh:HeaderVersion", .string(sbdh.headerVersion)),
            JSONMember("sbdh:Sender", party(sbdh.senders)),
            JSONMember("sbdh:Receiver", party(sbdh.receivers)),
            JSONMember(
                "sbdh:DocumentIdentification",
                .object([
                    JSONMember("sbdh:Standard", .string(sbdh.standard)), JSONMember("sbdh:TypeVersion", .string(sbdh.typeVersion)),
                    JSONMember("sbdh:InstanceIdentifier", .string(sbdh.instanceIdentifier)), JSONMember("sbdh:Type", .string(sbdh.type)),
                    JSONMember("sbdh:CreationDateAndTime", .string(sbdh.creationDateAndTime)),
                ])),
        ])
    }

    /// Reads the header from the document object.
    func header(fromDocument document: JSONValue, warnings: inout [EPCISIssue]) throws -> EPCISHeader {
        var header = EPCISHeader()
        let object = document["epcisHeader"]
        for member in object?.members ?? [] {
            let at = "$.epcisHeader." + member.key
            switch member.key {
            case Self.sbdhKey: header.sbdh = try sbdh(member.value, path: at)
            case "epcisMasterData": header.vocabularies = try vocabularies(member.value, path: at)
            default: header.extensions += try elements(key: member.key, value: member.value, path: at)
            }
        }
        if header.sbdh == nil, let sender = document["sender"]?.string, let receiver = document["receiver"]?.string {
            func identifier(_ value: String) -> StandardBusinessDocumentHeader.PartnerIdentifier {
                .init(authority: value.hasPrefix("urn:epc:id:sgln:") ? "SGLN" : "GS1", value: value)
            }
            header.sbdh = StandardBusinessDocumentHeader(
                senders: [identifier(sender)], receivers: [identifier(receiver)], instanceIdentifier: document["instanceIdentifier"]?.string ?? "",
                creationDateAndTime: document["creationDate"]?.string ?? "")
            warnings.append(
                EPCISIssue(
                    .warning, rule: "sbdh-from-pseudo-headers", message: "the SBDH was built from the sender, receiver and instanceIdentifier fields",
                    path: "$",
                    hint: "its Authority, HeaderVersion, Standard, Type and TypeVersion are defaults; check them if the partner needs EPCIS 1.2"))
        }
        return header
    }

    private func sbdh(_ value: JSONValue, path: String) throws -> StandardBusinessDocumentHeader {
        func parties(_ key: String) -> [StandardBusinessDocumentHeader.PartnerIdentifier] {
            (value[key]?.elements ?? []).compactMap { party in
                party["sbdh:Identifier"]?.string.map { .init(authority: party["sbdh:Authority"]?.string ?? "", value: $0) }
            }
        }
        let identification = value["sbdh:DocumentIdentification"]
        func field(_ key: String) -> String? { identification?["sbdh:" + key]?.string }
        var sbdh = StandardBusinessDocumentHeader(
            senders: parties("sbdh:Sender"), receivers: parties("sbdh:Receiver"), instanceIdentifier: field("InstanceIdentifier") ?? "",
            creationDateAndTime: field("CreationDateAndTime") ?? "")
        sbdh.headerVersion = value["sbdh:HeaderVersion"]?.string ?? sbdh.headerVersion
        sbdh.standard = field("Standard") ?? sbdh.standard
        sbdh.typeVersion = field("TypeVersion") ?? sbdh.typeVersion
        sbdh.type = field("Type") ?? sbdh.type
        return sbdh
    }

    private func vocabularies(_ value: JSONValue, path: String) throws -> [Vocabulary] {
        try (value["vocabularyList"]?.elements ?? []).enumerated().map { offset, vocabulary in
            let at = "\(path).vocabularyList[\(offset)]"
            guard let type = vocabulary["type"]?.string else { throw EPCISError(.invalidEvent, "a vocabulary needs a type", location: at) }
            let items = try (vocabulary["vocabularyElementList"]?.elements ?? []).enumerated().map { index, element in
                let elementPath = "\(at).vocabularyElementList[\(index)]"
                guard let id = element["id"]?.string else {
                    throw EPCISError(.invalidEvent, "a vocabulary element needs an id", location: elementPath)
                }
                let attributes = try (element["attributes"]?.elements ?? []).enumerated().map { position, attribute in
                    let attributePath = "\(elementPath).attributes[\(position)]"
                    guard let attributeID = attribute["id"]?.string else {
                        throw EPCISError(.invalidEvent, "a master data attribute needs an id", location: attributePath)
                    }
                    switch attribute["attribute"] {
                    case .string(let text)?: return VocabularyElement.Attribute(id: attributeID, value: text)
                    case .number(let text)?: return VocabularyElement.Attribute(id: attributeID, value: text)
                    case .bool(let flag)?: return VocabularyElement.Attribute(id: attributeID, value: flag ? "true" : "false")
                    case .object(let members)?:
                        let nested = try members.flatMap {
                            try self.elements(key: $0.key, value: $0.value, path: attributePath + ".attribute." + $0.key)
                        }
                        return VocabularyElement.Attribute(id: attributeID, value: "", elements: nested)
                    default: return VocabularyElement.Attribute(id: attributeID, value: "")
                    }
                }
                return VocabularyElement(id: id, attributes: attributes, children: element["children"]?.elements.compactMap(\.string) ?? [])
            }
            return Vocabulary(type: type, elements: items)
        }
    }
}
