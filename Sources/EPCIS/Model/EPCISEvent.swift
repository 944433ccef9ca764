/// The five EPCIS event types.
public enum EPCISEventType: String, Hashable, Sendable, CaseIterable {
    case object = "ObjectEvent"
    case aggregation = "AggregationEvent"
    case transaction = "TransactionEvent"
    case transformation = "TransformationEvent"
    case association = "AssociationEvent"
}

/// An event's `action`.
public enum EPCISAction: String, Hashable, Sendable {
    case add = "ADD"
    case observe = "OBSERVE"
    case delete = "DELETE"
}

/// A `quantityElement`: a class-level identifier with an optional quantity and unit.
public struct QuantityElement: Hashable, Sendable {
    /// The class, for example `urn:epc:class:lgtin:030001.0012345.A123`.
    public var epcClass: String
    /// The quantity as written (a decimal lexical form), if any.
    public var quantity: String?
    /// The UN/ECE Rec 20 unit, if any.
    public var uom: String?

    /// Creates a quantity element.
    public init(epcClass: String, quantity: String? = nil, uom: String? = nil) {
        self.epcClass = epcClass
        self.quantity = quantity
        self.uom = uom
    }
}

/// A typed reference: a `bizTransaction`, `source` or `destination`.
public struct TypedReference: Hashable, Sendable {
    /// The CBV type (any spelling) or a user URI; optional for business transactions only.
    public var type: String?
    /// The identifier.
    public var value: String

    /// Creates a reference.
    public init(type: String?, value: String) {
        self.type = type
        self.value = value
    }
}

/// An error declaration on a corrected event.
public struct ErrorDeclaration: Hashable, Sendable {
    /// When the error was declared.
    public var declarationTime: String
    /// The reason, a CBV error reason in any spelling or a URI.
    public var reason: String?
    /// IDs of the events that correct this one.
    public var correctiveEventIDs: [String]
    /// Extension elements.
    public var extensions: [XMLElement]

    /// Creates a declaration.
    public init(declarationTime: String, reason: String? = nil, correctiveEventIDs: [String] = [], extensions: [XMLElement] = []) {
        self.declarationTime = declarationTime
        self.reason = reason
        self.correctiveEventIDs = correctiveEventIDs
        self.extensions = extensions
    }
}

/// One EPCIS event of any of the five types.
///
/// One struct carries all types because they share most fields; which fields a type may use is
/// checked by the writers (a field a format cannot express is an error, never dropped). EPC lists
/// hold URIs as text (EPC URNs, Digital Links or other URIs) so that documents keep exactly what
/// they were given; the ``GS1`` module builds and checks them.
public struct EPCISEvent: Hashable, Sendable {
    /// The event type.
    public var type: EPCISEventType
    /// `eventTime`, an xsd:dateTime.
    public var eventTime: String
    /// `eventTimeZoneOffset`, `±HH:MM`.
    public var eventTimeZoneOffset: String
    /// `recordTime`, set by a repository.
    public var recordTime: String?
    /// `eventID`, an absolute URI (`urn:uuid:…` or `ni:///…`).
    public var eventID: String?
    /// `errorDeclaration`.
    public var errorDeclaration: ErrorDeclaration?
    /// `certificationInfo` (2.0 only).
    public var certificationInfo: String?
    /// `parentID` (Aggregation, Transaction, Association).
    public var parentID: String?
    /// `epcList` (Object, Transaction) or `childEPCs` (Aggregation, Association).
    public var epcList: [String]
    /// `quantityList` (Object, Transaction) or `childQuantityList` (Aggregation, Association).
    public var quantityList: [QuantityElement]
    /// Transformation inputs and outputs.
    public var inputEPCList: [String]
    public var inputQuantityList: [QuantityElement]
    public var outputEPCList: [String]
    public var outputQuantityList: [QuantityElement]
    /// `transformationID`.
    public var transformationID: String?
    /// `action` (all but Transformation).
    public var action: EPCISAction?
    /// `bizStep`, a CBV value in any spelling or a URI.
    public var bizStep: String?
    /// `disposition`, a CBV value in any spelling or a URI.
    public var disposition: String?
    /// `persistentDisposition` (2.0 only).
    public var persistentDispositionSet: [String]
    public var persistentDispositionUnset: [String]
    /// `readPoint/id`.
    public var readPoint: String?
    /// `bizLocation/id`.
    public var bizLocation: String?
    /// Extension elements inside `readPoint`.
    public var readPointExtensions: [XMLElement]
    /// Extension elements inside `bizLocation`.
    public var bizLocationExtensions: [XMLElement]
    /// `bizTransactionList`.
    public var bizTransactions: [TypedReference]
    /// `sourceList`.
    public var sources: [TypedReference]
    /// `destinationList`.
    public var destinations: [TypedReference]
    /// `sensorElementList` children (2.0 only): `sensorElement` elements whose `sensorMetadata`
    /// and `sensorReport` children carry the fields as attributes, as in EPCIS 2.0 XML. Readers
    /// store the values of `type`, `exception` and `component` as full URIs (a CURIE such as
    /// `gs1:Temperature` is expanded with the namespaces in scope where it was read).
    public var sensorElements: [XMLElement]
    /// `ilmd` fields, for example `cbvmda:lotNumber`.
    public var ilmd: [XMLElement]
    /// User extension elements in any namespace, in document order.
    public var extensions: [XMLElement]

    /// Creates an event with the required fields; set the others as needed.
    public init(type: EPCISEventType, eventTime: String, eventTimeZoneOffset: String, action: EPCISAction? = nil) {
        self.type = type
        self.eventTime = eventTime
        self.eventTimeZoneOffset = eventTimeZoneOffset
        self.action = action
        epcList = []
        quantityList = []
        inputEPCList = []
        inputQuantityList = []
        outputEPCList = []
        outputQuantityList = []
        persistentDispositionSet = []
        persistentDispositionUnset = []
        bizTransactions = []
        sources = []
        destinations = []
        sensorElements = []
        readPointExtensions = []
        bizLocationExtensions = []
        ilmd = []
        extensions = []
    }
}
