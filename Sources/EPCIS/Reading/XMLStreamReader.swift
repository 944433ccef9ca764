internal import CGatewayShims
internal import CLibXML2

#if canImport(Glibc)
    internal import Glibc
#endif

/// A pull reader over libxml2's `xmlTextReader` that hands out whole subtrees as ``XMLElement``s.
///
/// Safety: the parser never loads a DTD, never substitutes entities and never touches the
/// network; a document type declaration with anything in it (an internal subset, a PUBLIC or
/// SYSTEM id) is refused before any entity could be used, which rules out XXE and "billion
/// laughs". libxml2's own depth limit (256) stays on, so hostile nesting fails fast with
/// bounded memory. Only one subtree (one event, or the header) is in memory at a time.
final class XMLStreamReader {
    /// A node kind of `xmlTextReader` (the `xmlReaderTypes` values).
    enum NodeType: Int32 {
        case element = 1, attribute = 2, text = 3, cdata = 4, entityReference = 5, entity = 6
        case processingInstruction = 7, comment = 8, document = 9, documentType = 10
        case documentFragment = 11, notation = 12, whitespace = 13, significantWhitespace = 14
        case endElement = 15, endEntity = 16, xmlDeclaration = 17
    }

    private let reader: xmlTextReaderPtr
    private let diagnostics: Diagnostics
    private var ownedBuffer: UnsafeMutableRawPointer?
    private var ownedCount = 0
    /// The file read, to quote the line of a parse error.
    private var path: String?
    private var names: [UnsafePointer<UInt8>: String] = [:]

    /// Warnings about accepted oddities (an empty DOCTYPE, for example).
    private(set) var warnings: [EPCISIssue] = []

    /// Collects libxml2's structured errors; the callback has no Swift context of its own.
    final class Diagnostics {
        var errors: [EPCISIssue] = []
        var warnings: [EPCISIssue] = []
        /// XML Schema validity errors (when a schema is attached); they do not stop reading.
        var validity: [EPCISIssue] = []
        var validityLimit = 1000
        var validityDropped = 0
    }

    private static let parseOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)

    /// Opens a file.
    init(path: String) throws {
        XMLLibrary.initialize
        guard let reader = xmlReaderForFile(path, nil, Self.parseOptions) else {
            throw EPCISError(.input, "cannot open \(path): check that the file exists and is readable")
        }
        self.reader = reader
        self.path = path
        diagnostics = Diagnostics()
        installHandler()
        // libxml2 also keeps the thread's last error; an earlier document's must not be taken
        // for this one's.
        xmlResetLastError()
    }

    /// Reads from memory (the bytes are copied).
    init(bytes: [UInt8], name: String = "input") throws {
        XMLLibrary.initialize
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        guard
            let reader = xmlReaderForMemory(
                buffer.assumingMemoryBound(to: CChar.self), Int32(clamping: bytes.count), name, nil, Self.parseOptions)
        else {
            buffer.deallocate()
            throw EPCISError(.input, "cannot read \(name)")
        }
        self.reader = reader
        ownedBuffer = buffer
        ownedCount = bytes.count
        diagnostics = Diagnostics()
        installHandler()
        xmlResetLastError()
    }

    private var validation: xmlSchemaValidCtxtPtr?

    deinit {
        xmlFreeTextReader(reader)
        if let validation { xmlSchemaFreeValidCtxt(validation) }
        ownedBuffer?.deallocate()
    }

    /// Validates the document against `schema` while it is read (as `xmllint --stream --schema`
    /// does); validity errors are collected in ``validityIssues`` and do not stop reading.
    func attach(_ schema: XMLSchema) throws {
        guard let context = xmlSchemaNewValidCtxt(schema.pointer), xmlTextReaderSchemaValidateCtxt(reader, context, 0) == 0 else {
            throw EPCISError(.input, "the XML schema could not be attached to the reader")
        }
        validation = context
    }

    /// XML Schema validity errors found so far, and how many more were not kept.
    var validityIssues: (issues: [EPCISIssue], dropped: Int) { (diagnostics.validity, diagnostics.validityDropped) }

    private func installHandler() {
        let context = Unmanaged.passUnretained(diagnostics).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(
            reader,
            { context, error in
                guard let context, let error else { return }
                let diagnostics = Unmanaged<XMLStreamReader.Diagnostics>.fromOpaque(context).takeUnretainedValue()
                if error.pointee.domain == Int32(XML_FROM_SCHEMASV.rawValue) {
                    if diagnostics.validity.count < diagnostics.validityLimit {
                        diagnostics.validity.append(XMLStreamReader.issue(from: error.pointee, rule: "xsd"))
                    } else {
                        diagnostics.validityDropped += 1
                    }
                    return
                }
                let issue = XMLStreamReader.issue(from: error.pointee, rule: "xml")
                if error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue {
                    diagnostics.errors.append(issue)
                } else {
                    diagnostics.warnings.append(issue)
                }
            }, context)
    }

    /// Turns a libxml2 error into an issue with its line and column.
    static func issue(from error: xmlError, rule: String) -> EPCISIssue {
        var message = error.message.map { String(cString: $0) } ?? "unknown error"
        while message.last?.isWhitespace == true { message.removeLast() }
        let severity: EPCISIssue.Severity = error.level.rawValue >= XML_ERR_ERROR.rawValue ? .error : .warning
        return EPCISIssue(
            severity, rule: rule, message: message, line: error.line > 0 ? Int(error.line) : nil,
            column: error.int2 > 0 ? Int(error.int2) : nil, hint: hint(forLibXMLCode: error.code))
    }

    private static func hint(forLibXMLCode code: Int32) -> String? {
        switch code {
        case Int32(XML_ERR_INVALID_CHAR.rawValue), Int32(XML_ERR_INVALID_ENCODING.rawValue):
            return "the file must be UTF-8 (or declare its encoding); re-export it from the sending system as UTF-8"
        case Int32(XML_ERR_DOCUMENT_END.rawValue), Int32(XML_ERR_TAG_NOT_FINISHED.rawValue), Int32(XML_ERR_GT_REQUIRED.rawValue):
            return "the file looks truncated; ask the sender for the complete file"
        case Int32(XML_ERR_INTERNAL_ERROR.rawValue):
            return "the document nests deeper than 256 levels, which no EPCIS document needs"
        case Int32(XML_ERR_UNDECLARED_ENTITY.rawValue):
            return "only the five predefined entities (&amp; &lt; &gt; &quot; &apos;) and character references may be used"
        default:
            return nil
        }
    }

    /// The first parse error as an ``EPCISError``, if libxml2 reported one.
    private func pendingError() -> EPCISError? {
        diagnostics.errors.first.map(error)
    }

    /// The error for a parse that failed: libxml2's first error, or the thread's last one
    /// when the reader's handler saw none (errors in the XML declaration reach only that).
    private func stopped() -> EPCISError {
        if let first = diagnostics.errors.first { return error(first) }
        if let last = xmlGetLastError(), last.pointee.code != 0, last.pointee.level.rawValue >= XML_ERR_ERROR.rawValue {
            return error(Self.issue(from: last.pointee, rule: "xml"))
        }
        return EPCISError(.malformed, "the XML parser stopped without saying why", location: location)
    }

    /// libxml2's message, what the line shows at the column, and the hint.
    private func error(_ issue: EPCISIssue) -> EPCISError {
        // libxml2's own guards (depth, entity loops and amplification) fire before ours can.
        let refusedBySafetyLimit = issue.message.contains("Excessive depth") || issue.message.lowercased().contains("entit")
        let code: EPCISError.Code = refusedBySafetyLimit ? .forbidden : .malformed
        let shown = issue.line.flatMap { line in lineText(line).flatMap { XMLParseHint.describe(lineText: $0, line: line, column: issue.column) } }
        let text = [issue.message, shown, issue.hint].compactMap { $0 }.joined(separator: "; ")
        return EPCISError(code, text, location: issue.location)
    }

    /// Line `number` (1-based) of the input, looked for in its first 64 MiB only.
    private func lineText(_ number: Int) -> String? {
        if let ownedBuffer {
            let bytes = UnsafeRawBufferPointer(start: ownedBuffer, count: ownedCount)
            var offset = 0
            return Self.line(number) { buffer in
                let count = min(bytes.count - offset, buffer.count)
                buffer.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])) }
                offset += count
                return count
            }
        }
        guard let path, let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        return Self.line(number) { buffer in fread(&buffer, 1, buffer.count, file) }
    }

    /// Line `number` (1-based, at most 4 KiB of it) of what `read` fills buffers with, looked
    /// for in the first 64 MiB only.
    private static func line(_ number: Int, read: (inout [UInt8]) -> Int) -> String? {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var kept: [UInt8] = []
        var line = 1
        var total = 0
        while total < 64 << 20 {
            let count = read(&buffer)
            if count <= 0 { break }
            total += count
            for byte in buffer[..<count] {
                if byte == 0x0A {
                    if line == number { return String(decoding: kept, as: UTF8.self) }
                    line += 1
                } else if line == number && kept.count < 4096 {
                    kept.append(byte)
                }
            }
        }
        return line == number ? String(decoding: kept, as: UTF8.self) : nil
    }

    /// Moves to the next node. Returns `false` at the end of the document.
    ///
    /// - Throws: ``EPCISError`` for a parse error (`malformed`), a refused construct
    ///   (`forbidden`), or a document that ends before its root element does.
    func read() throws -> Bool {
        let result = xmlTextReaderRead(reader)
        if let error = pendingError() { throw error }
        if result < 0 { throw stopped() }
        guard result == 1 else { return false }
        switch nodeType {
        case .documentType: try checkDocumentType()
        case .entityReference, .entity:
            throw EPCISError(.forbidden, "entity references are not accepted", location: location)
        default: break
        }
        return true
    }

    /// Skips the current node's subtree; returns `false` at the end of the document.
    func skip() throws -> Bool {
        let result = xmlTextReaderNext(reader)
        if let error = pendingError() { throw error }
        if result < 0 { throw stopped() }
        return result == 1
    }

    /// A DOCTYPE with nothing in it (seen in GS1's own examples) is accepted with a warning;
    /// anything that could declare or load entities is refused.
    private func checkDocumentType() throws {
        let node = xmlTextReaderCurrentNode(reader)
        let dtd = UnsafeMutableRawPointer(node).map { $0.assumingMemoryBound(to: xmlDtd.self).pointee }
        let hasExternalID = dtd.map { $0.ExternalID != nil || $0.SystemID != nil } ?? true
        let hasDeclarations = dtd.map { $0.children != nil || $0.entities != nil || $0.elements != nil || $0.attributes != nil } ?? true
        if hasExternalID || hasDeclarations {
            throw EPCISError(
                .forbidden,
                "the document has a DOCTYPE with \(hasExternalID ? "an external identifier" : "declarations"); DTDs and entities are refused because they enable XXE and entity-expansion attacks. Remove the DOCTYPE: EPCIS documents are defined by XML Schema, not a DTD",
                location: location)
        }
        warnings.append(
            EPCISIssue(
                .warning, rule: "xml-doctype", message: "an empty DOCTYPE declaration was ignored", line: line, column: nil,
                hint: "EPCIS documents do not use a DOCTYPE; remove it"))
    }

    var nodeType: NodeType? { NodeType(rawValue: xmlTextReaderNodeType(reader)) }
    var depth: Int { Int(xmlTextReaderDepth(reader)) }
    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }
    /// The line of the current node (the parser itself may have read ahead of it).
    var line: Int {
        if let node = xmlTextReaderCurrentNode(reader) {
            let line = Int(xmlGetLineNo(node))
            if line > 0 { return line }
        }
        return Int(xmlTextReaderGetParserLineNumber(reader))
    }
    /// `line:column` of the parser (where a parse error is), for messages.
    var location: String { "\(xmlTextReaderGetParserLineNumber(reader)):\(xmlTextReaderGetParserColumnNumber(reader))" }
    /// `line` of the current node, for messages about a whole element.
    var nodeLocation: String { "\(line)" }

    /// The local name, interned (libxml2 keeps names in a dictionary with stable pointers).
    var localName: String { interned(xmlTextReaderConstLocalName(reader)) ?? "" }
    /// The namespace URI, interned.
    var namespaceURI: String? { interned(xmlTextReaderConstNamespaceUri(reader)) }
    var prefix: String? { interned(xmlTextReaderConstPrefix(reader)) }
    var value: String { xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? "" }

    private func interned(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        guard let pointer else { return nil }
        if let known = names[pointer] { return known }
        let string = String(cString: pointer)
        if names.count < 4096 { names[pointer] = string }
        return string
    }

    /// The namespace bound to `prefix` where the reader is (`nil` prefix: the default namespace).
    func lookupNamespace(_ prefix: String?) -> String? {
        guard let found = xmlTextReaderLookupNamespace(reader, prefix) else { return nil }
        defer { CGatewayShims_xmlFree(found) }
        return String(cString: found)
    }

    /// The attributes of the current element, plus its namespace declarations as
    /// (prefix or `nil` for the default namespace, URI).
    func attributes() -> (attributes: [XMLAttribute], declarations: [(String?, String)]) {
        var attributes: [XMLAttribute] = []
        var declarations: [(String?, String)] = []
        guard xmlTextReaderHasAttributes(reader) == 1 else { return ([], []) }
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            if xmlTextReaderIsNamespaceDecl(reader) == 1 {
                let name = localName
                declarations.append((prefix == nil ? nil : name, value))
            } else {
                attributes.append(XMLAttribute(namespace: namespaceURI, prefix: prefix, name: localName, value: value))
            }
        }
        xmlTextReaderMoveToElement(reader)
        return (attributes, declarations)
    }

    /// Reads the element the reader is on, with everything inside it, and leaves the reader on
    /// its end tag.
    ///
    /// Text is kept exactly; whitespace between child elements (layout) is dropped. Values that
    /// are QNames in disguise are resolved here, while the namespaces in scope are known:
    /// `xsi:type` values become `xsd:<type>` whatever prefix the file used for XML Schema, and a
    /// sensor report's `type`, `exception` and `component` CURIEs become full URIs.
    func readElement() throws -> XMLElement {
        var stack: [XMLElement] = [currentElement()]
        if isEmptyElement { return stack[0] }
        while try read() {
            switch nodeType {
            case .element:
                let element = currentElement()
                if isEmptyElement {
                    stack[stack.count - 1].children.append(.element(element))
                } else {
                    stack.append(element)
                }
            case .endElement:
                var done = stack.removeLast()
                Self.dropLayoutWhitespace(&done)
                if stack.isEmpty { return done }
                stack[stack.count - 1].children.append(.element(done))
            case .text, .cdata, .whitespace, .significantWhitespace:
                let text = value
                if case .text(let previous) = stack[stack.count - 1].children.last {
                    stack[stack.count - 1].children[stack[stack.count - 1].children.count - 1] = .text(previous + text)
                } else {
                    stack[stack.count - 1].children.append(.text(text))
                }
            default:
                continue  // comments and processing instructions carry no EPCIS data
            }
        }
        throw EPCISError(.malformed, "the document ends inside <\(stack.last?.name ?? "?")>; the file looks truncated", location: location)
    }

    private static func dropLayoutWhitespace(_ element: inout XMLElement) {
        let hasElements = element.children.contains { if case .element = $0 { true } else { false } }
        if hasElements {
            element.children.removeAll { if case .text(let text) = $0 { text.allSatisfy(\.isWhitespace) } else { false } }
        } else if element.children.count == 1, case .text(let text) = element.children[0], text.isEmpty {
            element.children = []
        }
    }

    private func currentElement() -> XMLElement {
        let name = localName
        let namespace = namespaceURI
        var (attributes, _) = self.attributes()
        for index in attributes.indices {
            let attribute = attributes[index]
            if attribute.namespace == XMLNamespace.xsi && attribute.name == "type" {
                attributes[index].value = schemaTypeName(attribute.value)
            } else if namespace == nil && attribute.namespace == nil && (name == "sensorReport" || name == "sensorMetadata")
                && (attribute.name == "type" || attribute.name == "exception" || attribute.name == "component")
            {
                attributes[index].value = expandCURIE(attribute.value)
            }
        }
        return XMLElement(namespace: namespace, prefix: prefix, name: name, attributes: attributes)
    }

    private func schemaTypeName(_ value: String) -> String {
        guard let colon = value.firstIndex(of: ":") else { return value }
        let prefix = String(value[..<colon])
        guard lookupNamespace(prefix) == XMLNamespace.xsd else { return value }
        return "xsd:" + value[value.index(after: colon)...]
    }

    private func expandCURIE(_ value: String) -> String {
        guard let colon = value.firstIndex(of: ":"), !value[colon...].hasPrefix("://") else { return value }
        let prefix = String(value[..<colon])
        // Only GS1 vocabulary and CBV CURIEs are expanded (other values stay verbatim, in every
        // format). GS1's own examples use `gs1:` and `cbv:` without declaring them.
        let wellKnown = ["gs1": XMLNamespace.gs1Vocabulary, "cbv": "https://ref.gs1.org/cbv/"]
        guard prefix != "urn", prefix != "http", prefix != "https", let namespace = wellKnown[prefix] ?? lookupNamespace(prefix),
            wellKnown.values.contains(namespace)
        else {
            return value
        }
        return namespace + value[value.index(after: colon)...]
    }
}
