internal import GatewayCore

/// The mapping between the model and EPCIS 2.0 JSON-LD. Pure: no I/O.
///
/// Extension content (ILMD, user extensions, header extensions, structured master data) is kept
/// in the model as XML elements; this is how it maps to JSON and back, losslessly:
///
/// | XML element | JSON member |
/// |---|---|
/// | text, no `xsi:type` | `"p:name": "text"` |
/// | `xsi:type="xsd:integer"`, integer text | `"p:name": 12` |
/// | `xsi:type="xsd:decimal"`, text with a `.` | `"p:name": 12.5` |
/// | `xsi:type="xsd:double"`, text with an exponent | `"p:name": 1.2e3` |
/// | `xsi:type="xsd:boolean"` | `"p:name": true` |
/// | any other `xsi:type` | `"p:name": {"@type": "xsd:double", "@value": "20"}` |
/// | `xsi:nil="true"` | `"p:name": null` |
/// | child elements | `"p:name": { … }`; repeated names become an array |
/// | attribute `q:attr="v"` (or unqualified `attr`) | member `"@q:attr": "v"` (`"@attr"`) of the element's object, with the text as `"@value"` |
///
/// `p` is the prefix the `@context` binds to the element's namespace; `urn:epcglobal:cbv:mda` is
/// always `cbvmda:` (the EPCIS context binds that prefix itself and forbids redefining it).
/// Attribute members start with `@` so that they come back as attributes, not elements; JSON-LD
/// processors ignore such keys, plain JSON readers see them. Mixed content and an array inside an
/// array have no JSON form and are refused with ``EPCISError/Code/notExpressible``.
struct JSONLDMapping {
    /// Prefixes the official EPCIS context defines; documents must not redefine them.
    static let protectedPrefixes: [String: String] = [
        "epcis": "https://ref.gs1.org/epcis/", "cbv": "https://ref.gs1.org/cbv/", "cbvmda": "urn:epcglobal:cbv:mda:",
        "gs1": XMLNamespace.gs1Vocabulary, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "owl": "http://www.w3.org/2002/07/owl#",
        "xsd": "http://www.w3.org/2001/XMLSchema#", "dcterms": "http://purl.org/dc/terms/",
    ]
    /// The protected prefix bound to `namespace`. `cbvmda` is left out: the XML namespace
    /// `urn:epcglobal:cbv:mda` is what maps to it, and a document that used the context's own
    /// `urn:epcglobal:cbv:mda:` in XML keeps that namespace under a prefix of its own.
    static func protectedPrefix(of namespace: String) -> String? {
        protectedPrefixes.first { $0.value == namespace && $0.key != "cbvmda" }?.key
    }

    /// The official context URL that documents refer to.
    static let contextURL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

    /// prefix → namespace, and the reverse, in scope.
    private(set) var prefixes: [String: String] = [:]
    private var byNamespace: [String: String] = [:]

    init() {}

    /// A prefix for `namespace`, binding a new one (preferring `preferred`) when none is bound.
    /// Returns the prefix and whether it is new.
    mutating func bind(_ namespace: String, preferred: String?) -> (prefix: String, isNew: Bool) {
        if namespace == EPCISNamespace.cbvmda { return ("cbvmda", false) }
        if let known = byNamespace[namespace] { return (known, false) }
        if let protected = Self.protectedPrefix(of: namespace) { return (protected, false) }
        var candidate = preferred ?? "ns"
        var counter = 1
        while prefixes[candidate] != nil || Self.protectedPrefixes[candidate] != nil || candidate.isEmpty {
            candidate = (preferred ?? "ns") + String(counter)
            counter += 1
        }
        prefixes[candidate] = namespace
        byNamespace[namespace] = candidate
        return (candidate, true)
    }

    /// The namespace of a `prefix:local` key, or `nil` when the prefix is not bound.
    func namespace(ofPrefix prefix: String) -> String? {
        if prefix == "cbvmda" { return EPCISNamespace.cbvmda }
        return prefixes[prefix] ?? Self.protectedPrefixes[prefix]
    }

    /// Adds the prefix definitions of a `@context` value (a URL, an object, or an array of both).
    mutating func addContext(_ context: JSONValue) {
        for entry in context.elements {
            for member in entry.members ?? [] {
                guard let namespace = member.value.string ?? member.value["@id"]?.string, Self.protectedPrefixes[member.key] == nil else { continue }
                prefixes[member.key] = namespace
                byNamespace[namespace] = member.key
            }
        }
    }

    // MARK: - Extension elements → JSON

    func member(_ element: XMLElement) throws -> (key: String, value: JSONValue) {
        (key(element.namespace, element.name), try value(of: element))
    }

    /// The JSON key for a namespaced name: `prefix:name` with the bound prefix.
    func key(_ namespace: String?, _ name: String) -> String {
        guard let namespace else { return name }
        if namespace == EPCISNamespace.cbvmda { return "cbvmda:" + name }
        if let prefix = byNamespace[namespace] ?? Self.protectedPrefix(of: namespace) { return prefix + ":" + name }
        return namespace + name  // unreachable when the writer bound every namespace first
    }

    func value(of element: XMLElement) throws -> JSONValue {
        var type: String?
        var isNil = false
        var attributes: [JSONMember] = []
        for attribute in element.attributes {
            if attribute.namespace == XMLNamespace.xsi && attribute.name == "type" {
                type = attribute.value
            } else if attribute.namespace == XMLNamespace.xsi && attribute.name == "nil" {
                isNil = attribute.value == "true" || attribute.value == "1"
            } else {
                attributes.append(JSONMember("@" + key(attribute.namespace, attribute.name), .string(attribute.value)))
            }
        }
        let nested = element.childElements
        if isNil {
            guard attributes.isEmpty && nested.isEmpty else {
                throw EPCISError(
                    .notExpressible,
                    "the extension element <\(element.name)> is xsi:nil but has attributes or children, which EPCIS JSON-LD cannot carry")
            }
            return .null
        }
        if nested.isEmpty {
            let text = element.text
            if attributes.isEmpty {
                switch type {
                case nil: return .string(text)
                case "xsd:integer" where Self.isJSONNumber(text) && !text.contains(".") && !text.lowercased().contains("e"): return .number(text)
                case "xsd:decimal" where Self.isJSONNumber(text) && text.contains(".") && !text.lowercased().contains("e"): return .number(text)
                case "xsd:double" where Self.isJSONNumber(text) && text.lowercased().contains("e"): return .number(text)
                case "xsd:boolean" where text == "true" || text == "false": return .bool(text == "true")
                default: break
                }
            }
            var members = attributes
            if let type { members.append(JSONMember("@type", .string(type))) }
            if type != nil || !text.isEmpty { members.append(JSONMember("@value", .string(text))) }
            return .object(members)
        }
        if element.children.contains(where: { if case .text(let text) = $0 { !text.allSatisfy(\.isWhitespace) } else { false } }) {
            throw EPCISError(.notExpressible, "the extension element <\(element.name)> mixes text and elements, which EPCIS JSON-LD cannot carry")
        }
        return .object(attributes + (try members(nested)))
    }

    /// Child elements as object members; same-named elements become one array member placed
    /// where the first of them was.
    func members(_ elements: [XMLElement]) throws -> [JSONMember] {
        var result: [JSONMember] = []
        var position: [String: Int] = [:]
        var grouped = Set<String>()
        for element in elements {
            let (key, value) = try member(element)
            guard let at = position[key] else {
                position[key] = result.count
                result.append(JSONMember(key, value))
                continue
            }
            if grouped.contains(key), case .array(let existing) = result[at].value {
                result[at].value = .array(existing + [value])
            } else {
                result[at].value = .array([result[at].value, value])
                grouped.insert(key)
            }
        }
        return result
    }

    static func isJSONNumber(_ text: String) -> Bool {
        guard let first = text.utf8.first, let last = text.utf8.last, first == UInt8(ascii: "-") || (0x30...0x39).contains(first),
            (0x30...0x39).contains(last)
        else { return false }
        return (try? JSONParser.parse(Array(text.utf8))).map { if case .number = $0 { true } else { false } } ?? false
    }

    // MARK: - JSON → extension elements

    /// The elements a `prefix:local` member stands for (several when its value is an array).
    func elements(key: String, value: JSONValue, path: String) throws -> [XMLElement] {
        let (namespace, prefix, name) = try split(key, path: path)
        if case .array(let values) = value {
            return try values.enumerated().map { offset, item in
                if case .array = item {
                    throw EPCISError(.notExpressible, "an array inside an array has no XML form", location: "\(path)[\(offset)]")
                }
                return try element(namespace, prefix, name, item, path: "\(path)[\(offset)]")
            }
        }
        return [try element(namespace, prefix, name, value, path: path)]
    }

    private func element(_ namespace: String?, _ prefix: String?, _ name: String, _ value: JSONValue, path: String) throws -> XMLElement {
        var element = XMLElement(namespace: namespace, prefix: prefix, name: name)
        func typed(_ type: String, _ text: String) {
            element.attributes = [XMLAttribute(namespace: XMLNamespace.xsi, prefix: "xsi", name: "type", value: type)]
            element.children = text.isEmpty ? [] : [.text(text)]
        }
        switch value {
        case .null: element.attributes = [XMLAttribute(namespace: XMLNamespace.xsi, prefix: "xsi", name: "nil", value: "true")]
        case .string(let text): element.children = text.isEmpty ? [] : [.text(text)]
        case .bool(let flag): typed("xsd:boolean", flag ? "true" : "false")
        case .number(let lexical):
            typed(lexical.lowercased().contains("e") ? "xsd:double" : lexical.contains(".") ? "xsd:decimal" : "xsd:integer", lexical)
        case .object(let members):
            if let literal = value["@value"] {
                let text: String
                switch literal {
                case .string(let string), .number(let string): text = string
                case .bool(let flag): text = flag ? "true" : "false"
                default: throw EPCISError(.notExpressible, "a @value must be a string, number or boolean", location: path)
                }
                if let type = value["@type"]?.string { typed(type, text) } else { element.children = text.isEmpty ? [] : [.text(text)] }
            } else if let type = value["@type"]?.string {
                typed(type, "")
            }
            // "@name" members are the element's XML attributes (see the table above).
            for member in members where member.key.hasPrefix("@") && member.key != "@value" && member.key != "@type" {
                let (namespace, prefix, name) = try split(String(member.key.dropFirst()), path: path + "." + member.key)
                guard let text = member.value.string else {
                    throw EPCISError(.notExpressible, "the attribute member \(member.key) must be a string", location: path + "." + member.key)
                }
                element.attributes.append(XMLAttribute(namespace: namespace, prefix: prefix, name: name, value: text))
            }
            for member in members where !member.key.hasPrefix("@") {
                for child in try elements(key: member.key, value: member.value, path: path + "." + member.key) {
                    element.children.append(.element(child))
                }
            }
        case .array:
            throw EPCISError(.notExpressible, "an array inside an array has no XML form", location: path)
        }
        return element
    }

    /// `prefix:local` → (namespace, prefix, local); an unprefixed key stays unqualified.
    func split(_ key: String, path: String) throws -> (String?, String?, String) {
        guard let colon = key.firstIndex(of: ":") else { return (nil, nil, key) }
        let prefix = String(key[..<colon])
        let local = String(key[key.index(after: colon)...])
        if local.hasPrefix("//") {
            // A full IRI as the key: split after the last '/' or '#'.
            guard let cut = key.lastIndex(where: { $0 == "/" || $0 == "#" }) else { return (nil, nil, key) }
            return (String(key[...cut]), nil, String(key[key.index(after: cut)...]))
        }
        guard let namespace = namespace(ofPrefix: prefix) else {
            throw EPCISError(
                .invalidEvent, "the prefix '\(prefix)' of '\(key)' is not defined in @context",
                location: path + " (add {\"\(prefix)\": \"<namespace URI>\"} to the document's @context)")
        }
        return (namespace, prefix, local)
    }
}
