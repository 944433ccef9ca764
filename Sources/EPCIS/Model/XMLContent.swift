/// A namespaced XML element kept verbatim: user extensions, ILMD fields and header extensions
/// such as the GS1 US `gs1ushc:` elements travel through the gateway as these values.
///
/// Equality ignores ``prefix``: a prefix is a spelling preference, the namespace is the identity
/// (JSON-LD, for example, must write `urn:epcglobal:cbv:mda` as `cbvmda:` whatever the XML used).
public struct XMLElement: Hashable, Sendable {
    /// The namespace URI, or `nil` for an unqualified element.
    public var namespace: String?
    /// The preferred prefix for ``namespace`` (writers declare it where it is first needed).
    public var prefix: String?
    /// The local name.
    public var name: String
    /// Attributes in document order.
    public var attributes: [XMLAttribute]
    /// Child elements and text in document order.
    public var children: [XMLNode]

    /// Creates an element.
    public init(namespace: String? = nil, prefix: String? = nil, name: String, attributes: [XMLAttribute] = [], children: [XMLNode] = []) {
        self.namespace = namespace
        self.prefix = prefix
        self.name = name
        self.attributes = attributes
        self.children = children
    }

    /// An element that holds only text, such as `<cbvmda:lotNumber>A123</cbvmda:lotNumber>`.
    public init(namespace: String?, prefix: String?, name: String, text: String) {
        self.init(namespace: namespace, prefix: prefix, name: name, children: [.text(text)])
    }

    /// The concatenated text of the direct text children.
    public var text: String {
        children.reduce(into: "") { if case .text(let value) = $1 { $0 += value } }
    }

    /// The child elements, without text.
    public var childElements: [XMLElement] {
        children.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    /// The value of the attribute `name` in `namespace`.
    public func attribute(_ name: String, namespace: String? = nil) -> String? {
        attributes.first { $0.name == name && $0.namespace == namespace }?.value
    }

    public static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.namespace == rhs.namespace && lhs.name == rhs.name && lhs.attributes == rhs.attributes && lhs.children == rhs.children
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(namespace)
        hasher.combine(name)
        hasher.combine(attributes)
        hasher.combine(children)
    }
}

/// An attribute of an ``XMLElement``. Equality ignores ``prefix``, as for elements.
public struct XMLAttribute: Hashable, Sendable {
    /// The namespace URI, or `nil` for an unqualified attribute.
    public var namespace: String?
    /// The preferred prefix for ``namespace``.
    public var prefix: String?
    /// The local name.
    public var name: String
    /// The value.
    public var value: String

    /// Creates an attribute.
    public init(namespace: String? = nil, prefix: String? = nil, name: String, value: String) {
        self.namespace = namespace
        self.prefix = prefix
        self.name = name
        self.value = value
    }

    public static func == (lhs: XMLAttribute, rhs: XMLAttribute) -> Bool {
        lhs.namespace == rhs.namespace && lhs.name == rhs.name && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(namespace)
        hasher.combine(name)
        hasher.combine(value)
    }
}

/// Namespaces that extension content refers to by well-known prefixes.
public enum XMLNamespace {
    /// `xsi:` (`xsi:type`, `xsi:nil`).
    public static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
    /// `xsd:` (the XML Schema datatypes named by `xsi:type`).
    public static let xsd = "http://www.w3.org/2001/XMLSchema"
    /// The GS1 Web vocabulary (`gs1:Temperature`).
    public static let gs1Vocabulary = "https://gs1.org/voc/"
}

/// A child of an ``XMLElement``.
public indirect enum XMLNode: Hashable, Sendable {
    /// A nested element.
    case element(XMLElement)
    /// Character data.
    case text(String)
}
