internal import AS2
internal import Foundation
public import GatewayCore
public import Partners

/// AS2 (RFC 4130) with libcurl: POSTs the message stored at `queue add` (same bytes,
/// Message-ID and Date on every attempt), reads and checks sync MDNs, and finds async MDNs in
/// the archive `/as2` files them in. Every MDN is kept as evidence before it counts.
public final class AS2Transport: Transport {
    public let settings: AS2Settings
    private let archive: any MDNArchive
    private let client = CurlClient()
    private let clock: any WallClock

    public init(settings: AS2Settings, archive: any MDNArchive, clock: any WallClock = SystemWallClock()) {
        self.settings = settings
        self.archive = archive
        self.clock = clock
    }

    public func send(_ document: OutboundDocument) async -> SendResult {
        guard let message = AS2Message(metadata: document.metadata, file: document.file, contentType: document.contentType) else {
            return .rejected(
                reason: "delivery \(document.deliveryID) holds no AS2 message (it was queued for another transport, or its metadata is damaged); "
                    + "cancel it and queue the shipment again")
        }
        let credentials: AS2Credentials
        do { credentials = try AS2Credentials.load(settings, now: clock.now()) } catch {
            return .failed(error: "\(error)", retryAfterMilliseconds: nil)
        }
        let headers =
            [("Content-Type", message.contentType)] + message.headers.map { ($0.name, $0.value) } + [
                (HTTPSTransport.attemptHeader, document.attemptID)
            ]
        let response: HTTPResponse
        do {
            response = try await client.perform(
                HTTPRequest(
                    method: "POST", url: settings.url, headers: headers, body: .file(path: document.file, size: document.byteCount),
                    tls: TLSOptions(verify: true, caFile: settings.caFile), proxy: nil, connectTimeoutMilliseconds: 10_000,
                    timeoutMilliseconds: Int(settings.requestTimeout.milliseconds)))
        } catch {
            return .failed(error: "\(error)", retryAfterMilliseconds: nil)
        }
        switch response.status {
        case 200...299: break
        case 408, 425, 429, 500...599:
            return .failed(
                error: response.summary, retryAfterMilliseconds: HTTPSTransport.retryAfter(response.header("retry-after"), now: clock.now()))
        default:
            return .rejected(reason: "the partner's AS2 server refused the message: \(response.summary)")
        }
        switch message.mdn.mode {
        case "none": return .acknowledged(detail: "HTTP \(response.status); no MDN was requested, so this answer is the only acknowledgement")
        case "async":
            return .accepted(reference: message.messageKey, detail: "HTTP \(response.status); the async MDN for \(message.messageID) is awaited")
        default: break
        }
        guard !response.body.isEmpty else {
            return .failed(
                error: "HTTP \(response.status) without the sync MDN that was requested for \(message.messageID)", retryAfterMilliseconds: nil)
        }
        let mdnHeaders = MIMEHeaders(response.headers.map { (name: $0.0, value: $0.1) })
        do {
            try await archive.keep(
                ReceivedMDN(
                    id: UUID().uuidString.lowercased(), messageKey: message.messageKey, deliveryID: document.deliveryID, partner: nil,
                    channel: "sync",
                    receivedAt: clock.now(), headers: response.headers.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n"), body: response.body))
        } catch {
            // Without its evidence an MDN does not count; the partner answers a resend with it again.
            return .failed(error: "the sync MDN could not be kept as evidence, so it does not count yet: \(error)", retryAfterMilliseconds: nil)
        }
        let body = response.body
        let verdict: MDNVerdict
        do {
            verdict = try await BlockingPool.run {
                MDNCheck.evaluate(headers: mdnHeaders, body: body, partnerCertificates: credentials.partnerBundle, expected: message.expectation)
                    .verdict
            }
        } catch {
            return .failed(error: "the sync MDN could not be checked: \(error)", retryAfterMilliseconds: nil)
        }
        switch verdict {
        case .acknowledged(let detail): return .acknowledged(detail: "sync MDN \(detail)")
        case .acknowledgedWithWarning(let warning): return .acknowledged(detail: "sync MDN \(warning)")
        case .rejected(let reason): return .rejected(reason: reason)
        case .notAcknowledged(let reason):
            // Not an acknowledgement: the same bytes go again on the retry schedule (the partner
            // answers a duplicate with its MDN), and the delivery dead-letters if it never counts.
            return .failed(error: "not acknowledged: \(reason)", retryAfterMilliseconds: nil)
        }
    }

    /// Looks for the async MDN `/as2` filed for the message.
    public func poll(reference: String, document: OutboundDocument) async -> PollResult {
        guard let message = AS2Message(metadata: document.metadata, file: document.file, contentType: document.contentType) else {
            return .rejected(reason: "delivery \(document.deliveryID) holds no AS2 message; its MDN cannot be checked")
        }
        let received: [ReceivedMDN]
        do { received = try await archive.received(messageKey: reference) } catch { return .failed(error: "\(error)") }
        guard !received.isEmpty else { return .pending(detail: "no async MDN for \(message.messageID) has arrived yet") }
        let credentials: AS2Credentials
        do { credentials = try AS2Credentials.load(settings, now: clock.now()) } catch { return .failed(error: "\(error)") }
        var refusals: [String] = []
        for mdn in received {
            guard case .success(let parsed) = MIMEHeaders.parse(mdn.headers) else {
                refusals.append("MDN \(mdn.id): its stored headers cannot be read")
                continue
            }
            let verdict: MDNVerdict
            do {
                verdict = try await BlockingPool.run {
                    MDNCheck.evaluate(headers: parsed, body: mdn.body, partnerCertificates: credentials.partnerBundle, expected: message.expectation)
                        .verdict
                }
            } catch {
                return .failed(error: "the async MDN could not be checked: \(error)")
            }
            switch verdict {
            case .acknowledged(let detail): return .acknowledged(detail: "async MDN \(detail)")
            case .acknowledgedWithWarning(let warning): return .acknowledged(detail: "async MDN \(warning)")
            case .rejected(let reason): return .rejected(reason: reason)
            case .notAcknowledged(let reason): refusals.append("MDN \(mdn.id): \(reason)")
            }
        }
        return .pending(detail: "\(received.count) MDN(s) arrived for \(message.messageID), none counts: " + refusals.joined(separator: "; "))
    }
}
