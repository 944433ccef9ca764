/// A namespaced XML element kept verbatim: user extensions, ILMD fields and header extensions
/// such as the GS1 US `gs1ushc:` elements travel through the gateway as these values.
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
}

/// An attribute of an ``XMLElement``.
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
}

/// A child of an ``XMLElement``.
public indirect enum XMLNode: Hashable, Sendable {
    /// A nested element.
    case element(XMLElement)
    /// Character data.
    case text(String)
}
