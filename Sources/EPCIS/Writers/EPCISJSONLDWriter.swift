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
        try Self.checkJSONRules(event, index: eventIndex + 1)
        var scoped = mapping
        let local = scoped.bindNamespaces(of: event)
        guard case .object(var members) = try scoped.json(event) else { return }
        if !local.isEmpty { members.insert(JSONMember("@context", .array(local.map { .object([$0]) })), at: 0) }
        out.append(eventIndex == 0 ? "\n      " : ",\n      ")
        out.appendJSON(.object(members), indent: 6)
        eventIndex += 1
        try out.flushIfFull()
    }

    /// Rules the EPCIS JSON schema has and the XML schema does not.
    static func checkJSONRules(_ event: EPCISEvent, index: Int) throws {
        let name = "event \(index) (\(event.type.rawValue) at \(event.eventTime))"
        for (list, values) in [("epcList", event.epcList), ("inputEPCList", event.inputEPCList), ("outputEPCList", event.outputEPCList)] {
            var seen = Set<String>()
            if let repeated = values.first(where: { !seen.insert($0).inserted }) {
                throw EPCISError(
                    .notExpressible, "\(name) lists \(repeated) twice in its \(list); EPCIS JSON-LD requires each entry once. Remove the duplicate at the source")
            }
        }
        for sensor in event.sensorElements {
            for report in sensor.childElements where report.namespace == nil && report.name == "sensorReport" && report.attribute("type") == nil {
                throw EPCISError(
                    .notExpressible, "\(name) has a sensorReport without a type, which EPCIS JSON-LD requires (XML does not); add the measurement type or send XML")
            }
        }
    }

    /// Closes the event list and the document.
    public mutating func finish() throws {
        guard state == .events else { throw EPCISError(.writerState, "finish() needs begin(header:) first and may be called once") }
        out.append(eventIndex == 0 ? "]\n  }\n}\n" : "\n    ]\n  }\n}\n")
        try out.flush()
        state = .finished
    }
}
