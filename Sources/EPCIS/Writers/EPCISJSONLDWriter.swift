internal import GatewayCore

/// Writes an EPCIS 2.0 JSON-LD document event by event to a ``ByteSink``.
///
/// The document refers to the official EPCIS context; extension namespaces are declared in
/// the document's `@context` (those given to ``begin(header:creationDate:namespaces:)``) or, for
/// a namespace first seen in an event, in that event's own `@context`, so no event has to wait
/// for the whole document. CBV values are bare words; identifiers follow the options. Output is
/// handed to the sink in 64 KiB chunks.
public struct EPCISJSONLDWriter<Sink: ByteSink> {
    private var out: ChunkedOutput<Sink>
    private let options: EPCISWriterOptions
    private var mapping = JSONLDMapping()
    private var state = State.initial
    private var eventIndex = 0

    private enum State { case initial, events, finished }

    /// Creates a writer.
    public init(sink: Sink, options: EPCISWriterOptions = EPCISWriterOptions()) {
        out = ChunkedOutput(sink: sink)
        self.options = options
    }

    /// Bytes handed to the sink so far.
    public var bytesWritten: Int { out.written }

    /// Writes the document's opening: `@context`, type, version, creation date, header.
    public mutating func begin(header: EPCISHeader, creationDate: String, namespaces: [String: String] = [:]) throws {
        guard state == .initial else { throw EPCISError(.writerState, "begin(header:) was called twice") }
        var context: [JSONMember] = []
        for prefix in namespaces.keys.sorted() {
            let (bound, isNew) = mapping.bind(namespaces[prefix]!, preferred: prefix)
            if isNew { context.append(JSONMember(bound, .string(namespaces[prefix]!))) }
        }
        if header.sbdh != nil {
            let (bound, isNew) = mapping.bind(JSONLDMapping.sbdhNamespace, preferred: JSONLDMapping.sbdhPrefix)
            if isNew { context.append(JSONMember(bound, .string(JSONLDMapping.sbdhNamespace))) }
        }
        var headerEvent = EPCISEvent(type: .object, eventTime: "", eventTimeZoneOffset: "")
        headerEvent.extensions = header.extensions + header.vocabularies.flatMap { $0.elements.flatMap { $0.attributes.flatMap(\.elements) } }
        context += mapping.bindNamespaces(of: headerEvent)
        let (documentMembers, headerObject) = try mapping.headerJSON(header)
        out.append("{\n  \"@context\": ")
        out.appendJSON(.array([.string(JSONLDMapping.contextURL)] + context.map { .object([$0]) }), indent: 2)
        out.append(",\n  \"type\": \"EPCISDocument\",\n  \"schemaVersion\": \"2.0\",\n  \"creationDate\": ")
        out.appendJSONString(creationDate)
        for member in documentMembers {
            out.append(",\n  ")
            out.appendJSONString(member.key)
            out.append(": ")
            out.appendJSON(member.value, indent: 2)
        }
        if let headerObject {
            out.append(",\n  \"epcisHeader\": ")
            out.appendJSON(headerObject, indent: 2)
        }
        out.append(",\n  \"epcisBody\": {\n    \"eventList\": [")
        state = .events
        try out.flushIfFull()
    }

    /// Writes one event.
    ///
    /// - Throws: ``EPCISError`` when the event misses a required field or holds extension
    ///   content JSON-LD cannot carry; nothing of that event is written then.
    public mutating func write(_ event: EPCISEvent) throws {
        guard state == .events else { throw EPCISError(.writerState, "write(_:) needs begin(header:) first and no finish() yet") }
        try EventRules.check(event, index: eventIndex + 1)
        let event = try options.identifiers == .asGiven ? event : EventRules.respelled(event, options)
        try JSONLDRules.check(event, index: eventIndex + 1)
        var scoped = mapping
        let local = scoped.bindNamespaces(of: event)
        guard case .object(var members) = try scoped.json(event) else { return }
        if !local.isEmpty { members.insert(JSONMember("@context", .array(local.map { .object([$0]) })), at: 0) }
        out.append(eventIndex == 0 ? "\n      " : ",\n      ")
        out.appendJSON(.object(members), indent: 6)
        eventIndex += 1
        try out.flushIfFull()
    }

    /// Closes the event list and the document.
    public mutating func finish() throws {
        guard state == .events else { throw EPCISError(.writerState, "finish() needs begin(header:) first and may be called once") }
        out.append(eventIndex == 0 ? "]\n  }\n}\n" : "\n    ]\n  }\n}\n")
        try out.flush()
        state = .finished
    }
}

/// Rules the EPCIS JSON schema has and the XML schema does not. Pure.
enum JSONLDRules {
    /// Rules the EPCIS JSON schema has and the XML schema does not.
    static func check(_ event: EPCISEvent, index: Int) throws {
        let name = "event \(index) (\(event.type.rawValue) at \(event.eventTime))"
        for (list, values) in [("epcList", event.epcList), ("inputEPCList", event.inputEPCList), ("outputEPCList", event.outputEPCList)] {
            var seen = Set<String>()
            if let repeated = values.first(where: { !seen.insert($0).inserted }) {
                throw EPCISError(
                    .notExpressible,
                    "\(name) lists \(repeated) twice in its \(list); EPCIS JSON-LD requires each entry once. Remove the duplicate at the source")
            }
        }
        if let local = event.extensions.first(where: { $0.namespace == nil }) {
            throw EPCISError(
                .notExpressible,
                "\(name) has the extension element <\(local.name)> in no namespace; EPCIS JSON-LD requires prefixed extension members. Put the element in a namespace or send EPCIS 1.2 XML"
            )
        }
        for sensor in event.sensorElements {
            for report in sensor.childElements where report.namespace == nil && report.name == "sensorReport" {
                guard let type = report.attribute("type") else {
                    throw EPCISError(
                        .notExpressible,
                        "\(name) has a sensorReport without a type, which EPCIS JSON-LD requires (XML does not); add the measurement type or send XML"
                    )
                }
                for (field, value, known) in [("type", type, Self.measurementTypes), ("exception", report.attribute("exception"), Self.alertTypes)] {
                    guard let value, value.hasPrefix(XMLNamespace.gs1Vocabulary),
                        !known.contains(String(value.dropFirst(XMLNamespace.gs1Vocabulary.count)))
                    else { continue }
                    throw EPCISError(
                        .notExpressible,
                        "\(name) has a sensorReport \(field) \(value), which the EPCIS 2.0 JSON schema does not list (it accepts only its own list of GS1 terms); send XML, which accepts any URI"
                    )
                }
            }
        }
    }

    /// The GS1 measurement types the EPCIS 2.0 JSON schema lists (its `measurementType` enum).
    static let measurementTypes: Set<String> = [
        "AbsoluteHumidity", "AbsorbedDose", "AbsorbedDoseRate", "Acceleration", "Radioactivity", "Altitude", "AmountOfSubstance",
        "AmountOfSubstancePerUnitVolume", "Angle", "AngularAcceleration", "AngularMomentum", "AngularVelocity", "Area", "Capacitance",
        "Conductance", "Conductivity", "Count", "Density", "Dimensionless", "DoseEquivalent", "DoseEquivalentRate", "DynamicViscosity",
        "ElectricCharge", "ElectricCurrent", "ElectricCurrentDensity", "ElectricFieldStrength", "Energy", "Exposure", "Force", "Frequency",
        "Illuminance", "Inductance", "Irradiance", "KinematicViscosity", "Length", "LinearMomentum", "Luminance", "LuminousFlux",
        "LuminousIntensity", "MagneticFlux", "MagneticFluxDensity", "MagneticVectorPotential", "Mass", "MassConcentration", "MassFlowRate",
        "MassPerAreaTime", "MemoryCapacity", "MolalityOfSolute", "MolarEnergy", "MolarMass", "MolarVolume", "Power", "Pressure", "RadiantFlux",
        "RadiantIntensity", "RelativeHumidity", "Resistance", "Resistivity", "SolidAngle", "SpecificVolume", "Speed", "SurfaceDensity",
        "SurfaceTension", "Temperature", "Time", "Torque", "Voltage", "Volume", "VolumeFlowRate", "VolumeFraction", "VolumetricFlux", "Wavenumber",
    ]
    /// The sensor alert types the schema lists.
    static let alertTypes: Set<String> = ["ALARM_CONDITION", "ERROR_CONDITION"]

}
