internal import Foundation
internal import GatewayCore

/// Where a streaming writer puts its bytes.
public protocol ByteSink: AnyObject {
    /// Takes the next bytes of the document.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Collects the document in memory (tests, small documents).
public final class MemorySink: ByteSink {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty sink.
    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }

    /// The bytes as UTF-8 text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Writes the document to a file, replacing it.
public final class FileSink: ByteSink {
    private let handle: FileHandle

    /// Creates (or truncates) the file at `path`, readable by this user only (documents hold
    /// trading partners' business data).
    ///
    /// - Throws: ``EPCISError`` with code `output` when the file cannot be created.
    public init(path: String) throws {
        do {
            handle = try PrivateFile.create(path)
        } catch {
            throw EPCISError(.output, "cannot create \(path): check that the directory exists and is writable", cause: error as? PrivateFileError)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw EPCISError(.output, "writing the document failed", cause: error)
        }
    }

    /// Flushes to disk and closes the file.
    public func close() throws {
        try handle.synchronize()
        try handle.close()
    }
}

/// A byte buffer that hands itself to a sink in large chunks, so memory stays bounded whatever
/// the document's size.
struct ChunkedOutput<Sink: ByteSink> {
    let sink: Sink
    var buffer: [UInt8] = []
    private(set) var written = 0
    private let chunk = 1 << 16

    init(sink: Sink) {
        self.sink = sink
        buffer.reserveCapacity(chunk + 4096)
    }

    @inline(__always)
    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    /// Appends text with `&`, `<`, `>` (and, for attribute values, `"`) escaped.
    mutating func appendEscaped(_ text: String, attribute: Bool = false) {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || (attribute && $0 == 0x22) }) else {
            buffer.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x26: buffer.append(contentsOf: "&amp;".utf8)
            case 0x3C: buffer.append(contentsOf: "&lt;".utf8)
            case 0x3E: buffer.append(contentsOf: "&gt;".utf8)
            case 0x22 where attribute: buffer.append(contentsOf: "&quot;".utf8)
            default: buffer.append(byte)
            }
        }
    }

    /// Hands the buffer to the sink when it is full.
    @inline(__always)
    mutating func flushIfFull() throws {
        if buffer.count >= chunk { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try sink.write($0) }
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
