internal import Foundation
internal import GatewayCore

#if canImport(Glibc)
    internal import Glibc
#endif

/// One MIME entity held in memory (MDNs and the header blocks of messages, which are small):
/// its parsed headers and where its body starts in the raw bytes.
public struct MIMEEntity: Sendable {
    /// The exact bytes, headers and body.
    public var raw: [UInt8]
    public var headers: MIMEHeaders
    /// The offset of the body in ``raw``.
    public var bodyStart: Int

    /// The body bytes.
    public var body: ArraySlice<UInt8> { raw[bodyStart...] }

    public var contentType: ContentType? { headers["Content-Type"].flatMap(ContentType.init) }

    /// The most header bytes an entity may have before its body (a huge header is refused).
    public static let maximumHeaderBytes = 64 * 1024

    /// Splits `raw` at its first blank line (CRLF CRLF, or LF LF from lenient senders).
    public static func parse(_ raw: [UInt8]) -> Result<MIMEEntity, MIMEError> {
        guard let (headerEnd, bodyStart) = headerEnd(raw) else {
            return .failure(
                MIMEError(
                    raw.count > maximumHeaderBytes ? .tooComplex : .noBody,
                    raw.count > maximumHeaderBytes
                        ? "the entity's headers are longer than \(maximumHeaderBytes) bytes" : "the entity has no blank line after its headers"))
        }
        switch MIMEHeaders.parse(String(decoding: raw[..<headerEnd], as: UTF8.self)) {
        case .failure(let error): return .failure(error)
        case .success(let headers): return .success(MIMEEntity(raw: raw, headers: headers, bodyStart: bodyStart))
        }
    }

    /// Builds an entity from headers given apart (an HTTP request's or response's) and a body.
    public static func from(headers: MIMEHeaders, body: [UInt8]) -> MIMEEntity {
        MIMEEntity(raw: body, headers: headers, bodyStart: 0)
    }

    /// Where the header block ends and the body starts, within the first
    /// ``maximumHeaderBytes`` bytes.
    public static func headerEnd(_ raw: [UInt8]) -> (Int, Int)? {
        let limit = min(raw.count, maximumHeaderBytes + 4)
        var index = 0
        if limit >= 2, raw[0] == 0x0D, raw[1] == 0x0A { return (0, 2) }  // no headers at all
        if limit >= 1, raw[0] == 0x0A { return (0, 1) }
        while index + 1 < limit {
            if raw[index] == 0x0A {
                if raw[index + 1] == 0x0A { return (index, index + 2) }
                if index + 2 < limit, raw[index + 1] == 0x0D, raw[index + 2] == 0x0A { return (index, index + 3) }
            }
            index += 1
        }
        return nil
    }

    /// The raw bytes of each part of a multipart body, exactly as sent: the CRLF before a
    /// delimiter belongs to the delimiter (RFC 2046 §5.1.1), so a part's bytes are the bytes a
    /// signature covers.
    public func parts(maximum: Int = 16) -> Result<[[UInt8]], MIMEError> {
        guard let type = contentType, type.mediaType.hasPrefix("multipart/") else {
            return .failure(MIMEError(.unexpectedType, "the entity is \(contentType?.mediaType ?? "untyped"), not multipart"))
        }
        guard let boundary = type.parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
            return .failure(MIMEError(.badMultipart, "the multipart entity names no usable boundary"))
        }
        let delimiter = Array("--\(boundary)".utf8)
        let body = Array(self.body)
        var starts: [(lineStart: Int, after: Int, closing: Bool)] = []
        var index = 0
        while let found = Self.find(delimiter, in: body, from: index) {
            // A delimiter counts only at the start of a line.
            let atLineStart = found == 0 || body[found - 1] == 0x0A
            var after = found + delimiter.count
            let closing = after + 1 < body.count && body[after] == 0x2D && body[after + 1] == 0x2D
            if closing { after += 2 }
            // …and only when the boundary ends there (not a longer boundary with this as prefix).
            let endsThere = after >= body.count || [0x20, 0x09, 0x0D, 0x0A].contains(body[after])
            if atLineStart && endsThere {
                while after < body.count, body[after] == 0x20 || body[after] == 0x09 { after += 1 }
                if after < body.count, body[after] == 0x0D { after += 1 }
                if after < body.count, body[after] == 0x0A { after += 1 }
                let lineStart = found >= 2 && body[found - 2] == 0x0D ? found - 2 : (found >= 1 ? found - 1 : found)
                starts.append((lineStart, after, closing))
                if closing { break }
                guard starts.count <= maximum + 1 else {
                    return .failure(MIMEError(.tooComplex, "the multipart entity has more than \(maximum) parts"))
                }
            }
            index = found + delimiter.count
        }
        guard starts.count >= 2, starts.last?.closing == true else {
            return .failure(
                MIMEError(.badMultipart, "the multipart body lacks the delimiters of boundary '\(boundary.prefix(80))' (or its closing one)"))
        }
        return .success((0..<(starts.count - 1)).map { Array(body[starts[$0].after..<max(starts[$0].after, starts[$0 + 1].lineStart)]) })
    }

    /// The first occurrence of `needle` in `haystack` at or after `start` (see ``ByteSearch``).
    public static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        ByteSearch.find(needle, in: haystack, from: start)
    }

    /// The body with its `Content-Transfer-Encoding` undone (base64, or as it is for binary,
    /// 7bit and 8bit).
    public func decodedBody() -> Result<[UInt8], MIMEError> {
        let encoding = headers["Content-Transfer-Encoding"]?.trimmingCharacters(in: .whitespaces).lowercased() ?? "binary"
        switch encoding {
        case "base64":
            let text = String(decoding: body, as: UTF8.self).filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: text) else {
                return .failure(MIMEError(.badMultipart, "a base64 part does not decode"))
            }
            return .success(Array(data))
        case "binary", "7bit", "8bit": return .success(Array(body))
        default: return .failure(MIMEError(.unexpectedType, "the transfer encoding '\(encoding)' is not supported"))
        }
    }
}
