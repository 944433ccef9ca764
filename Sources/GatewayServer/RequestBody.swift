internal import HTTPTypes
internal import Hummingbird
internal import NIOCore

/// Reads a request body as it streams in, refusing it with 413 as soon as it passes `limit`
/// (or at once, when its declared length does): memory never holds more than the limit.
enum RequestBody {
    static func bytes(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge(limit) }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= limit else { throw tooLarge(limit) }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            .tooLarge, status: .contentTooLarge,
            "the request body is larger than \(limit) bytes (http.maxRequestBytes); split the batch into smaller ones, or raise the limit")
    }
}
