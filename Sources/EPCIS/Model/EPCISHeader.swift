/// The EPCIS document header: the SBDH, master data and header extensions.
public struct EPCISHeader: Hashable, Sendable {
    /// The Standard Business Document Header (required in 1.2, optional in 2.0).
    public var sbdh: StandardBusinessDocumentHeader?
    /// Master data vocabularies (`EPCISMasterData/VocabularyList`).
    public var vocabularies: [Vocabulary]
    /// Elements after the header's `extension`, such as GS1 US `gs1ushc:dscsaTransactionStatement`.
    public var extensions: [XMLElement]

    /// Creates a header.
    public init(sbdh: StandardBusinessDocumentHeader? = nil, vocabularies: [Vocabulary] = [], extensions: [XMLElement] = []) {
        self.sbdh = sbdh
        self.vocabularies = vocabularies
        self.extensions = extensions
    }
}

/// The parts of the UN/CEFACT Standard Business Document Header that EPCIS exchanges use.
public struct StandardBusinessDocumentHeader: Hashable, Sendable {
    /// An `Identifier` of a sender or receiver.
    public struct PartnerIdentifier: Hashable, Sendable {
        /// The `Authority` attribute, for example `GS1` or `SGLN`.
        public var authority: String
        /// The identifier, for example `urn:epc:id:sgln:030001.111111.0` or a GLN.
        public var value: String

        /// Creates an identifier.
        public init(authority: String, value: String) {
            self.authority = authority
            self.value = value
        }
    }

    public var headerVersion: String
    public var senders: [PartnerIdentifier]
    public var receivers: [PartnerIdentifier]
    public var standard: String
    public var typeVersion: String
    public var instanceIdentifier: String
    public var type: String
    public var creationDateAndTime: String

    /// Creates an SBDH with the values EPCIS documents use by default.
    public init(
        senders: [PartnerIdentifier], receivers: [PartnerIdentifier], instanceIdentifier: String, creationDateAndTime: String,
        headerVersion: String = "1.0", standard: String = "EPCglobal", typeVersion: String = "1.0", type: String = "Events"
    ) {
        self.headerVersion = headerVersion
        self.senders = senders
        self.receivers = receivers
        self.standard = standard
        self.typeVersion = typeVersion
        self.instanceIdentifier = instanceIdentifier
        self.type = type
        self.creationDateAndTime = creationDateAndTime
    }
}

/// One master-data vocabulary, for example all `EPCClass` elements.
public struct Vocabulary: Hashable, Sendable {
    /// The vocabulary type URI, for example `urn:epcglobal:epcis:vtype:EPCClass`.
    public var type: String
    /// The elements.
    public var elements: [VocabularyElement]

    /// Creates a vocabulary.
    public init(type: String, elements: [VocabularyElement]) {
        self.type = type
        self.elements = elements
    }

    /// `urn:epcglobal:epcis:vtype:EPCClass`, product master data.
    public static let epcClassType = "urn:epcglobal:epcis:vtype:EPCClass"
    /// `urn:epcglobal:epcis:vtype:Location`, location and party master data.
    public static let locationType = "urn:epcglobal:epcis:vtype:Location"
}

/// One master-data element: an identifier and its attributes.
public struct VocabularyElement: Hashable, Sendable {
    /// An attribute of the element, with a text value.
    public struct Attribute: Hashable, Sendable {
        /// The attribute URI, for example `urn:epcglobal:cbv:mda#regulatedProductName`.
        public var id: String
        /// The value when it is text.
        public var value: String
        /// The value when it is structured (EPCIS 2.0 allows, for example, an address made of
        /// namespaced elements); empty for text values.
        public var elements: [XMLElement]

        /// Creates an attribute.
        public init(id: String, value: String, elements: [XMLElement] = []) {
            self.id = id
            self.value = value
            self.elements = elements
        }
    }

    /// The identifier, for example `urn:epc:idpat:sgtin:030001.0012345.*`.
    public var id: String
    /// The attributes in document order.
    public var attributes: [Attribute]
    /// IDs of child elements (`children/id`).
    public var children: [String]

    /// Creates an element.
    public init(id: String, attributes: [Attribute], children: [String] = []) {
        self.id = id
        self.attributes = attributes
        self.children = children
    }
}

/// Namespaces EPCIS documents use.
public enum EPCISNamespace {
    /// EPCIS 1.2 XML.
    public static let epcis12 = "urn:epcglobal:epcis:xsd:1"
    /// EPCIS 2.0 XML.
    public static let epcis20 = "urn:epcglobal:epcis:xsd:2"
    /// The SBDH.
    public static let sbdh = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
    /// CBV master data attributes (ILMD fields such as `lotNumber`).
    public static let cbvmda = "urn:epcglobal:cbv:mda"
    /// GS1 US healthcare extensions.
    public static let gs1ushc = "http://epcis.gs1us.org/hc/ns"
}
