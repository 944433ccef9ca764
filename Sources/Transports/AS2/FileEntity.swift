internal import AS2
internal import Foundation
internal import GatewayCore

/// A MIME entity in a file: its parsed header block and where its body starts. Large bodies
/// stay on disk; only the header block (at most ``MIMEEntity/maximumHeaderBytes``) is read.
struct FileEntity {
    var file: String
    var headers: MIMEHeaders
    var bodyOffset: UInt64

    var contentType: ContentType? { headers["Content-Type"].flatMap(ContentType.init) }

    /// Reads the header block of the entity in `file`.
    static func parse(_ file: String) throws -> FileEntity {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        let head = Array(try handle.read(upToCount: MIMEEntity.maximumHeaderBytes + 4) ?? Data())
        guard let (end, start) = MIMEEntity.headerEnd(head) else {
            throw MIMEError(
                head.count > MIMEEntity.maximumHeaderBytes ? .tooComplex : .noBody,
                head.count > MIMEEntity.maximumHeaderBytes
                    ? "the entity's headers are longer than \(MIMEEntity.maximumHeaderBytes) bytes" : "the entity has no blank line after its headers"
            )
        }
        return FileEntity(file: file, headers: try MIMEHeaders.parse(String(decoding: head[..<end], as: UTF8.self)).get(), bodyOffset: UInt64(start))
    }

    /// Copies the bytes `range` of `file` to `output` in 1 MiB pieces.
    static func copy(_ file: String, range: Range<UInt64>, to output: String) throws {
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        defer { try? input.close() }
        let out = try PrivateFile.create(output)
        defer { try? out.close() }
        try input.seek(toOffset: range.lowerBound)
        var left = range.upperBound - range.lowerBound
        while left > 0, let chunk = try input.read(upToCount: Int(min(left, 1 << 20))), !chunk.isEmpty {
            try out.write(contentsOf: chunk)
            left -= UInt64(chunk.count)
        }
    }

    /// A file holding exactly the body's bytes: this entity's own file when the body is all of
    /// it and needs no decoding (an HTTP body), else `output`, written.
    func bodyFile(_ output: String) throws -> String {
        let encoding = headers["Content-Transfer-Encoding"]?.trimmingCharacters(in: .whitespaces).lowercased() ?? "binary"
        if bodyOffset == 0 && ["binary", "7bit", "8bit"].contains(encoding) { return file }
        try body(to: output)
        return output
    }

    /// The body's bytes as a file of their own, with the transfer encoding undone.
    func body(to output: String) throws {
        let encoding = headers["Content-Transfer-Encoding"]?.trimmingCharacters(in: .whitespaces).lowercased() ?? "binary"
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? UInt64 ?? 0
        switch encoding {
        case "binary", "7bit", "8bit": try Self.copy(file, range: bodyOffset..<size, to: output)
        case "base64": try Self.decodeBase64(file, from: bodyOffset, to: output)
        default: throw MIMEError(.unexpectedType, "the transfer encoding '\(encoding)' is not supported")
        }
    }

    /// Decodes base64 in pieces (whitespace and line ends skipped).
    static func decodeBase64(_ file: String, from offset: UInt64, to output: String) throws {
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        defer { try? input.close() }
        let out = try PrivateFile.create(output)
        defer { try? out.close() }
        try input.seek(toOffset: offset)
        var pending: [UInt8] = []
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending += chunk.filter { !($0 == 0x0D || $0 == 0x0A || $0 == 0x20 || $0 == 0x09) }
            let whole = pending.count / 4 * 4
            guard let decoded = Data(base64Encoded: Data(pending[..<whole])) else {
                throw MIMEError(.badMultipart, "a base64 body does not decode")
            }
            try out.write(contentsOf: decoded)
            pending.removeFirst(whole)
        }
        guard pending.isEmpty else { throw MIMEError(.badMultipart, "a base64 body ends in the middle of a group") }
    }

    /// The byte ranges (in ``file``) of each part of this multipart entity, found by scanning
    /// the body in pieces. As in ``MIMEEntity/parts(maximum:)``, the line break before a
    /// delimiter belongs to the delimiter.
    func parts(maximum: Int = 16) throws -> [Range<UInt64>] {
        guard let boundary = contentType?.parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw MIMEError(.badMultipart, "the multipart entity names no usable boundary")
        }
        let delimiter = Array("--\(boundary)".utf8)
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        defer { try? input.close() }
        try input.seek(toOffset: bodyOffset)
        // A window that keeps the last bytes of the previous piece, so a delimiter split across
        // two pieces is still found.
        var window: [UInt8] = []
        var windowStart = bodyOffset
        var marks: [(lineStart: UInt64, after: UInt64, closing: Bool)] = []
        var searchFrom = 0
        var atEnd = false
        while !atEnd {
            let chunk = try input.read(upToCount: 1 << 20) ?? Data()
            atEnd = chunk.isEmpty
            window += chunk
            while let found = MIMEEntity.find(delimiter, in: window, from: searchFrom) {
                var after = found + delimiter.count
                // Decide only with enough bytes after the delimiter (or at the end of the file).
                if after + 4 > window.count && !atEnd { break }
                let atLineStart = (found == 0 && windowStart == bodyOffset) || (found > 0 && window[found - 1] == 0x0A)
                let closing = after + 1 < window.count && window[after] == 0x2D && window[after + 1] == 0x2D
                if closing { after += 2 }
                let endsThere = after >= window.count || [0x20, 0x09, 0x0D, 0x0A].contains(window[after])
                searchFrom = found + delimiter.count
                guard atLineStart && endsThere else { continue }
                while after < window.count, window[after] == 0x20 || window[after] == 0x09 { after += 1 }
                if after < window.count, window[after] == 0x0D { after += 1 }
                if after < window.count, window[after] == 0x0A { after += 1 }
                let lineStart = found >= 2 && window[found - 2] == 0x0D ? found - 2 : (found >= 1 ? found - 1 : found)
                marks.append((windowStart + UInt64(lineStart), windowStart + UInt64(after), closing))
                guard marks.count <= maximum + 1 else { throw MIMEError(.tooComplex, "the multipart entity has more than \(maximum) parts") }
                if closing { break }
            }
            if marks.last?.closing == true { break }
            // Keep a tail long enough to hold a delimiter with its line break.
            let keep = min(window.count, delimiter.count + 8)
            let drop = window.count - keep
            window.removeFirst(drop)
            windowStart += UInt64(drop)
            searchFrom = max(0, searchFrom - drop)
        }
        guard marks.count >= 2, marks.last?.closing == true else {
            throw MIMEError(.badMultipart, "the multipart body lacks the delimiters of boundary '\(boundary.prefix(80))' (or its closing one)")
        }
        return (0..<(marks.count - 1)).map { marks[$0].after..<max(marks[$0].after, marks[$0 + 1].lineStart) }
    }
}
