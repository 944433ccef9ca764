internal import Foundation
public import GatewayCore

/// Sends the async MDNs we owe partners for messages they sent us: each is a delivery of its
/// own (kind `as2-mdn`), so it is retried, audited and shown like any other. The URL and
/// headers were fixed when the MDN was queued (metadata `as2.mdn-url`, `as2.headers`).
public final class AS2MDNTransport: Transport {
    private let client = CurlClient()
    private let clock: any WallClock

    /// The delivery kind of an async MDN.
    public static let kind = "as2-mdn"

    public init(clock: any WallClock = SystemWallClock()) { self.clock = clock }

    public func send(_ document: OutboundDocument) async -> SendResult {
        guard let url = document.metadata["as2.mdn-url"], let lines = document.metadata["as2.headers"] else {
            return .rejected(reason: "delivery \(document.deliveryID) is an async MDN without its URL or headers; it cannot be sent")
        }
        let headers =
            [("Content-Type", document.contentType)]
            + lines.components(separatedBy: "\r\n").compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
        do {
            let response = try await client.perform(
                HTTPRequest(
                    method: "POST", url: url, headers: headers, body: .file(path: document.file, size: document.byteCount), tls: TLSOptions(),
                    proxy: nil, connectTimeoutMilliseconds: 10_000, timeoutMilliseconds: 60_000))
            switch response.status {
            case 200...299: return .acknowledged(detail: "the partner took the async MDN: \(response.summary)")
            case 408, 425, 429, 500...599:
                return .failed(
                    error: response.summary, retryAfterMilliseconds: HTTPSTransport.retryAfter(response.header("retry-after"), now: clock.now()))
            default: return .rejected(reason: "the partner refused the async MDN: \(response.summary)")
            }
        } catch {
            return .failed(error: "\(error)", retryAfterMilliseconds: nil)
        }
    }

    public func poll(reference: String, document: OutboundDocument) async -> PollResult {
        .rejected(reason: "an async MDN has no acknowledgement to poll")
    }
}
