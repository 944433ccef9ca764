internal import CLibXML2

/// A compiled XML Schema (libxml2). Compiled once, shared read-only by every validation.
public final class XMLSchema: @unchecked Sendable {
    // libxml2 documents a compiled xmlSchema as read-only during validation; each validation
    // creates its own validation context, so sharing across threads is safe.
    let pointer: xmlSchemaPtr

    /// Compiles the schema at `path` (its imports are resolved relative to it, never from the network).
    ///
    /// - Throws: ``EPCISError`` (`input`) naming the first problem when the schema does not compile.
    public init(path: String) throws {
        final class Errors { var messages: [String] = [] }
        let errors = Errors()
        XMLLibrary.initialize
        guard let parser = xmlSchemaNewParserCtxt(path) else { throw EPCISError(.input, "cannot read the XML schema \(path)") }
        defer { xmlSchemaFreeParserCtxt(parser) }
        xmlSchemaSetParserStructuredErrors(
            parser,
            { context, error in
                guard let context, let error else { return }
                let box = Unmanaged<Errors>.fromOpaque(context).takeUnretainedValue()
                box.messages.append(XMLStreamReader.issue(from: error.pointee, rule: "xsd-compile").description)
            }, Unmanaged.passUnretained(errors).toOpaque())
        guard let schema = xmlSchemaParse(parser) else {
            throw EPCISError(.input, "the XML schema \(path) does not compile: \(errors.messages.first ?? "unknown error")")
        }
        pointer = schema
    }

    deinit { xmlSchemaFree(pointer) }
}
