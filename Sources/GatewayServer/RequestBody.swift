internal import Foundation
internal import GatewayCore
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

    /// Streams the body to a new private file at `path`, in pieces of up to 1 MiB (one trip
    /// to the blocking pool per piece, not per buffer), and syncs it: what the route stores
    /// next is read back from a file that is on disk. Throws `tooLarge()` past `limit`.
    /// - Returns: the body's size.
    static func file(_ request: Request, to path: String, limit: Int64, tooLarge: () -> any Error) async throws -> Int64 {
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > limit { throw tooLarge() }
        let handle = try PrivateFile.create(path)
        defer { try? handle.close() }
        var size: Int64 = 0
        var pending = Data()
        for try await buffer in request.body {
            size += Int64(buffer.readableBytes)
            guard size <= limit else { throw tooLarge() }
            pending.append(contentsOf: buffer.readableBytesView)
            if pending.count >= 1 << 20 {
                let data = pending
                pending = Data()
                try await BlockingPool.run { try handle.write(contentsOf: data) }
            }
        }
        let data = pending
        try await BlockingPool.run {
            try handle.write(contentsOf: data)
            try handle.synchronize()
        }
        return size
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            .tooLarge, status: .contentTooLarge,
            "the request body is larger than \(limit) bytes (http.maxRequestBytes); split the batch into smaller ones, or raise the limit")
    }
}
