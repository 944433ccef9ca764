internal import Foundation

/// Opening documents of any format, and converting between formats.
public enum EPCISDocuments {
    /// Opens `path` with the reader its first bytes call for: `{` JSON-LD, `<` XML.
    public static func open(path: String) throws -> any EPCISDocumentReader {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EPCISError(.input, "cannot open \(path): check that the file exists and is readable")
        }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        try? handle.close()
        let first = firstSignificantByte(head)
        switch first {
        case UInt8(ascii: "{"): return try EPCISJSONLDReader(path: path)
        case UInt8(ascii: "<"): return try EPCISXMLReader(path: path)
        case nil: throw EPCISError(.malformed, "\(path) is empty")
        default: throw EPCISError(.notEPCIS, "\(path) is neither XML nor JSON (it starts with byte 0x\(String(first!, radix: 16)))")
        }
    }

    /// The first byte after whitespace and a UTF-8 byte-order mark: `{` for JSON, `<` for XML.
    static func firstSignificantByte(_ bytes: some Sequence<UInt8>) -> UInt8? {
        bytes.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }
    }

    /// Opens a document held in memory.
    public static func open(bytes: [UInt8]) throws -> any EPCISDocumentReader {
        if firstSignificantByte(bytes) == UInt8(ascii: "{") { return try EPCISJSONLDReader(bytes: bytes) }
        return try EPCISXMLReader(bytes: bytes)
    }

    /// Streams every event of `reader` into a new document in `format`.
    ///
    /// - Returns: the number of events written.
    /// - Throws: ``EPCISError`` from reading, or `notExpressible` when the target format cannot
    ///   carry something (nothing is dropped silently).
    @discardableResult
    public static func convert(
        _ reader: any EPCISDocumentReader, to format: EPCISFormat, sink: some ByteSink, options: EPCISWriterOptions = EPCISWriterOptions()
    ) throws -> Int {
        let info = reader.info
        let creationDate = info.creationDate ?? info.header.sbdh?.creationDateAndTime ?? ""
        var count = 0
        switch format {
        case .jsonld20:
            var writer = EPCISJSONLDWriter(sink: sink, options: options)
            try writer.begin(header: info.header, creationDate: creationDate, namespaces: info.namespaces)
            while let event = try reader.next() {
                try writer.write(event)
                count += 1
            }
            try writer.finish()
        case .xml12, .xml20:
            var writer = EPCISXMLWriter(sink: sink, version: format == .xml12 ? .epcis12 : .epcis20, options: options)
            try writer.begin(header: info.header, creationDate: creationDate, namespaces: info.namespaces)
            while let event = try reader.next() {
                try writer.write(event)
                count += 1
            }
            try writer.finish()
        }
        return count
    }
}
