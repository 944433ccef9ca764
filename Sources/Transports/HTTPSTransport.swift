internal import Foundation
public import GatewayCore
public import Partners
internal import Synchronization

/// EPCIS documents over HTTPS with libcurl: TLS verified by default, mutual TLS, OAuth 2.0
/// client credentials (token cached, refreshed once on `401`), bearer or API-key headers, a
/// proxy, timeouts, and EPCIS 2.0 capture semantics (`202` + `Location`, then the capture job
/// is polled; its outcome is the acknowledgement).
public final class HTTPSTransport: Transport {
    public let settings: HTTPSSettings
    private let secrets: SecretReader
    private let client: CurlClient
    /// The cached OAuth token and when to stop using it (ms since 1970).
    private let token = Mutex<(value: String, until: Int64)?>(nil)

    /// Token lifetimes and HTTP-date `Retry-After` values are reckoned on it.
    private let clock: any WallClock

    /// Transfers run on the shared ``BlockingPool``.
    public init(settings: HTTPSSettings, secrets: SecretReader, clock: any WallClock = SystemWallClock()) {
        self.settings = settings
        self.secrets = secrets
        self.clock = clock
        client = CurlClient()
    }

    /// Names the recorded attempt a request belongs to.
    public static let attemptHeader = "EPCIS-Gateway-Attempt"

    public func send(_ document: OutboundDocument) async -> SendResult {
        var headers = [("Content-Type", document.contentType), ("Idempotency-Key", document.documentID), (Self.attemptHeader, document.attemptID)]
        if settings.mode == .capture { headers.append(("GS1-EPCIS-Version", "2.0.0")) }
        headers += settings.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let outcome = await exchange(method: "POST", url: settings.url, headers: headers, body: .file(path: document.file, size: document.byteCount))
        switch outcome {
        case .failure(let error): return .failed(error: error.message, retryAfterMilliseconds: nil)
        case .success(let response): return classify(response)
        }
    }

    public func poll(reference: String, document: OutboundDocument) async -> PollResult {
        switch await exchange(
            method: "GET", url: reference, headers: [("Accept", "application/json"), (Self.attemptHeader, document.attemptID)], body: .none)
        {
        case .failure(let error): return .failed(error: error.message)
        case .success(let response):
            switch response.status {
            case 200:
                guard let job = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
                    return .failed(error: "the capture job answer is not JSON: \(response.summary)")
                }
                if job["running"] as? Bool == true { return .pending(detail: "capture job running") }
                if job["success"] as? Bool == true { return .acknowledged(detail: "capture job \(job["captureID"] ?? reference) succeeded") }
                let errors = (job["errors"] as? [Any]).map { "\($0.count) error(s): \(String(describing: $0).prefix(500))" } ?? "no errors given"
                return .rejected(
                    reason: "capture job \(job["captureID"] ?? reference) failed (\(job["captureErrorBehaviour"] ?? "rollback")): \(errors)")
            case 404, 410: return .rejected(reason: "the partner no longer knows capture job \(reference): \(response.summary)")
            case 408, 425, 429, 500...599: return .failed(error: response.summary)
            default: return .failed(error: "unexpected answer to the capture job poll: \(response.summary)")
            }
        }
    }

    /// Maps a capture or POST answer to an outcome.
    func classify(_ response: HTTPResponse) -> SendResult {
        let status = response.status
        switch status {
        case 202 where settings.mode == .capture:
            guard let location = response.header("location"),
                let absolute = URL(string: location, relativeTo: URL(string: settings.url))?.absoluteString
            else {
                return .acknowledged(detail: "\(response.summary) (no Location to poll; taken as the acknowledgement)")
            }
            return .accepted(reference: absolute, detail: "\(response.summary), capture job \(absolute)")
        case 200...299:
            return .acknowledged(detail: response.summary)
        case 413:
            // Temporary when the partner says when to come back; otherwise the document is too big.
            if let wait = Self.retryAfter(response.header("retry-after"), now: clock.now()) {
                return .failed(error: response.summary, retryAfterMilliseconds: wait)
            }
            let limit = response.header("gs1-epcis-capture-limit").map { " (the partner takes at most \($0) events per capture)" } ?? ""
            return .rejected(reason: "the document is too large for the partner\(limit): \(response.summary)")
        case 408, 425, 429, 500...599:
            return .failed(error: response.summary, retryAfterMilliseconds: Self.retryAfter(response.header("retry-after"), now: clock.now()))
        case 401, 403:
            return .rejected(reason: "the partner refused our credentials: \(response.summary)")
        default:
            return .rejected(reason: response.summary)
        }
    }

    /// One request with authentication: exactly one request on the wire, so that one attempt
    /// in the delivery log is one request the partner saw. Under OAuth a `401` to a cached token
    /// drops the token and fails this attempt; the next attempt fetches a new token. A `401` to
    /// a token fetched for this very request is the partner's answer (our credentials are
    /// refused).
    private func exchange(method: String, url: String, headers: [(String, String)], body: HTTPRequest.Body) async -> Result<
        HTTPResponse, ExchangeFailure
    > {
        let header: (String, String)?
        let cached: Bool
        switch await authorization() {
        case .failure(let failure): return .failure(failure)
        case .success(let value): (header, cached) = value
        }
        do {
            let response = try await client.perform(request(method: method, url: url, headers: headers + [header].compactMap { $0 }, body: body))
            if response.status == 401, case .oauth2 = settings.authentication, cached {
                token.withLock { $0 = nil }
                return .failure(
                    ExchangeFailure(message: "\(response.summary) (the partner refused the cached access token; the next attempt fetches a new one)"))
            }
            return .success(response)
        } catch {
            return .failure(ExchangeFailure(message: "\(error)"))
        }
    }

    struct ExchangeFailure: Error { var message: String }

    /// The authentication header for the profile's method: nil for none; under OAuth the cached
    /// token, fetched first when there is none or it is about to expire.
    private func authorization() async -> Result<(header: (String, String)?, cached: Bool), ExchangeFailure> {
        switch settings.authentication {
        case .none: return .success((nil, false))
        case .bearer(let source):
            return secrets.read(source).map { (("Authorization", "Bearer \($0)"), false) }.mapError { ExchangeFailure(message: $0.message) }
        case .apiKey(let header, let source):
            return secrets.read(source).map { ((header, $0), false) }.mapError { ExchangeFailure(message: $0.message) }
        case .oauth2:
            let now = clock.now()
            if let cached = token.withLock({ $0 }), cached.until > now { return .success((("Authorization", "Bearer \(cached.value)"), true)) }
            return await fetchToken().map { (("Authorization", "Bearer \($0)"), false) }
        }
    }

    /// Fetches and caches an OAuth token (RFC 6749 §4.4).
    private func fetchToken() async -> Result<String, ExchangeFailure> {
        guard case .oauth2(let tokenURL, let clientID, let source, let scope) = settings.authentication else {
            return .failure(ExchangeFailure(message: "the profile names no OAuth token endpoint"))
        }
        let secret: String
        switch secrets.read(source) {
        case .failure(let error): return .failure(ExchangeFailure(message: error.message))
        case .success(let value): secret = value
        }
        func form(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
        let basic = Data("\(form(clientID)):\(form(secret))".utf8).base64EncodedString()
        var body = "grant_type=client_credentials"
        if let scope { body += "&scope=\(form(scope))" }
        do {
            let response = try await client.perform(
                request(
                    method: "POST", url: tokenURL,
                    headers: [
                        ("Authorization", "Basic \(basic)"), ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
                    ],
                    body: .text(body)))
            guard response.status == 200, let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                let value = json["access_token"] as? String
            else {
                // The token endpoint's answer can echo what we sent; keep only its status.
                return .failure(ExchangeFailure(message: "the OAuth token endpoint \(tokenURL) refused client \(clientID) (HTTP \(response.status))"))
            }
            let lifetime = (json["expires_in"] as? Int).map { Int64($0) * 1000 } ?? 300_000
            // Renew a little early so a token never expires in flight.
            let until = clock.now() + max(lifetime - 30_000, lifetime / 2)
            token.withLock { $0 = (value, until) }
            return .success(value)
        } catch {
            return .failure(ExchangeFailure(message: "the OAuth token endpoint \(tokenURL) cannot be reached: \(error)"))
        }
    }

    private func request(method: String, url: String, headers: [(String, String)], body: HTTPRequest.Body) -> HTTPRequest {
        HTTPRequest(
            method: method, url: url, headers: headers, body: body,
            tls: TLSOptions(
                verify: settings.verifyTLS, caFile: settings.caFile, clientCertificate: settings.clientCertificate, clientKey: settings.clientKey),
            proxy: settings.proxy, connectTimeoutMilliseconds: Int(settings.connectTimeout.milliseconds),
            timeoutMilliseconds: Int(settings.requestTimeout.milliseconds))
    }

    /// `Retry-After` as delta-seconds or an HTTP date, in milliseconds from `now`.
    static func retryAfter(_ value: String?, now: Int64) -> Int64? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int64(value) { return max(0, seconds) * 1000 }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, Int64(date.timeIntervalSince1970 * 1000) - now)
    }
}
