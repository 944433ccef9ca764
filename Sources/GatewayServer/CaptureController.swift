internal import EPCIS
internal import Foundation
internal import GatewayCore
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore
internal import Partners
internal import Store
internal import Transports

/// The EPCIS 2.0 capture interface for partners that push documents to us over HTTPS:
/// `POST {base}/capture`, `GET {base}/capture` and `{base}/capture/{id}`, and `OPTIONS`.
///
/// - Every request is authenticated as the partner's `capture:` profile section says (mutual
///   TLS, bearer token or API key); anything else is 401 and nothing is stored.
/// - A document over the partner's byte or event limit is 413 and nothing is stored.
/// - An accepted document is stored durably (the inbound store, beside AS2 and SFTP) before
///   202 is answered; its capture job is validated afterwards by ``CaptureJobs`` and reports
///   the verdict. A repeated `Idempotency-Key` from the same partner gets the first job.
struct CaptureController: Sendable {
    let basePath: String
    let store: any GatewayStore
    let partners: @Sendable () -> [String: PartnerProfile]
    let secrets: SecretReader
    let jobs: CaptureJobs
    let logger: Logger
    let clock: any WallClock
    /// Where bodies stream to before they are stored (the private spool).
    let workDirectory: String
    let certificates = CertificateFingerprints()

    /// The disposition of a stored document whose job has not finished.
    static let running = "capture-running"
    static let captured = "captured"
    static let failed = "capture-failed"
    /// Capture jobs' message ids start with this, so they never meet an AS2 Message-ID.
    static let keyPrefix = "capture:"

    var path: String { basePath + "/capture" }

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.post(RouterPath(path)) { request, context in try await capture(request, context) }
        router.get(RouterPath(path)) { request, context in try await list(request, context) }
        router.get(RouterPath(path + "/:id")) { request, context in try await job(request, context) }
        router.on(RouterPath(path), method: .options) { request, context in try await discover(request, context) }
        router.on(RouterPath(path + "/:id"), method: .options) { request, context in
            _ = try await partner(request, context)
            return Response(status: .noContent, headers: [.allow: "OPTIONS, GET"])
        }
        for method in [HTTPRequest.Method.put, .delete, .patch] {
            router.on(RouterPath(path), method: method) { _, _ in Response(status: .methodNotAllowed, headers: [.allow: "OPTIONS, POST, GET"]) }
            router.on(RouterPath(path + "/:id"), method: method) { _, _ in Response(status: .methodNotAllowed, headers: [.allow: "OPTIONS, GET"]) }
        }
    }

    // MARK: Who is asking

    /// The partner whose capture credential the request carries.
    /// - Throws: ``CaptureProblem`` 401 when no profile's credential matches, 403 when that
    ///   partner's capture is disabled.
    func partner(_ request: Request, _ context: GatewayRequestContext) async throws -> (PartnerProfile, CaptureSettings) {
        let credentials = await RequestCredentials.of(request, context)
        // By id, so the answer never depends on dictionary order.
        let candidates = partners().values.compactMap { profile in profile.capture.map { (profile, $0) } }.sorted { $0.0.id < $1.0.id }
        guard
            let (profile, settings) = candidates.first(where: { credentials.match($0.1.authentication, secrets: secrets, certificates: certificates) }
            )
        else {
            logger.warning(
                "a capture request without a partner's credential was refused",
                metadata: ["remote": "\(context.channel.remoteAddress.map { "\($0)" } ?? "-")", "path": "\(request.uri.path)"])
            throw CaptureProblem(
                .unauthorized, status: .unauthorized, type: "SecurityException", title: "Unauthorised request",
                "no partner's capture credential (a TLS client certificate, a bearer token or an API key a profile's capture.auth names) came with the request; nothing was stored"
            )
        }
        guard settings.enabled else {
            throw CaptureProblem(
                .forbidden, status: .forbidden, type: "SecurityException", title: "Capture disabled",
                "capture is disabled for partner \(profile.id) (capture.enabled in its profile); nothing was stored")
        }
        return (profile, settings)
    }

    // MARK: Routes

    func discover(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let (_, settings) = try await partner(request, context)
        var headers = Self.limitHeaders(settings)
        headers[.allow] = "OPTIONS, POST, GET"
        headers[HTTPField.Name("GS1-EPCIS-Version")!] = "2.0.0"
        headers[HTTPField.Name("GS1-EPCIS-Min")!] = "1.2.0"
        headers[HTTPField.Name("GS1-EPCIS-Max")!] = "2.0.0"
        headers[HTTPField.Name("GS1-CBV-Version")!] = "2.0.0"
        headers[HTTPField.Name("GS1-Capture-Error-Behaviour")!] = "rollback"
        headers[HTTPField.Name("GS1-Vendor-Version")!] = "epcis-gateway \(GatewayVersion.current)"
        return Response(status: .noContent, headers: headers)
    }

    static func limitHeaders(_ settings: CaptureSettings) -> HTTPFields {
        [
            HTTPField.Name("GS1-EPCIS-Capture-Limit")!: String(settings.maxEvents),
            HTTPField.Name("GS1-EPCIS-Capture-File-Size-Limit")!: String(settings.maxBytes),
        ]
    }

    func capture(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let (profile, settings) = try await partner(request, context)
        if let behaviour = request.headers[HTTPField.Name("GS1-Capture-Error-Behaviour")!], behaviour != "rollback" {
            throw CaptureProblem(
                .badRequest, status: .badRequest, type: "ValidationException", title: "Unsupported capture error behaviour",
                "GS1-Capture-Error-Behaviour is '\(behaviour)', but this endpoint takes or refuses each document whole; send rollback or leave the header out; nothing was stored"
            )
        }
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let mediaType, ["application/json", "application/ld+json", "application/xml", "text/xml"].contains(mediaType) else {
            throw CaptureProblem(
                .unsupported, status: .unsupportedMediaType, type: "UnsupportedMediaTypeException", title: "Unsupported media type",
                "Content-Type is '\(request.headers[.contentType] ?? "")'; send an EPCIS document as application/ld+json, application/json or application/xml; nothing was stored"
            )
        }
        let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > 256 {
            throw CaptureProblem(
                .badRequest, status: .badRequest, type: "ValidationException", title: "Bad Idempotency-Key",
                "Idempotency-Key must be 1 to 256 characters; nothing was stored")
        }
        let id = UUID().uuidString.lowercased()
        let key = Self.keyPrefix + (idempotencyKey ?? id)
        do {
            if let first = try await store.inboundMessage(partner: profile.id, messageID: key) {
                logger.notice(
                    "a repeated capture Idempotency-Key gets its first job", metadata: ["partner": "\(profile.id)", "capture": "\(first.id)"])
                return accepted(first.id)
            }
        } catch let error as StoreError {
            throw CaptureProblem(error)
        }
        let body = (workDirectory as NSString).appendingPathComponent("capture-\(id).body")
        defer { try? FileManager.default.removeItem(atPath: body) }
        try await stream(request, to: body, settings, profile)
        let limit = settings.maxEvents
        if let events = try await BlockingPool.run({ EPCISValidator.countEvents(path: body, limit: limit) }), events > limit {
            throw CaptureProblem(
                .tooLarge, status: .contentTooLarge, type: "CaptureLimitExceededException", title: "Capture payload too large",
                "the document holds more than the \(limit) events partner \(profile.id) may capture at once (capture.maxEvents in \(profile.file)); split it; nothing was stored",
                headers: Self.limitHeaders(settings))
        }
        let row = InboundMessageRow(
            id: id, partner: profile.id, messageID: key, status: "processed", receivedAt: clock.now(), disposition: Self.running, reason: nil,
            headers: Self.keptHeaders(request, settings), fileName: nil, contentType: mediaType, signed: false, encrypted: false, compressed: false,
            mic: nil, micAlgorithm: "", valid: nil, validation: nil, mdnChannel: "none", mdnURL: nil, mdnHeaders: nil, mdnBody: nil)
        let stored: (row: InboundMessageRow, duplicate: Bool)
        do { stored = try await store.recordInbound(row, raw: body, payload: body) } catch let error as StoreError {
            throw CaptureProblem(error)
        }
        logger.info(
            stored.duplicate ? "a repeated capture Idempotency-Key gets its first job" : "capture document stored; its job is queued",
            metadata: ["partner": "\(profile.id)", "capture": "\(stored.row.id)", "bytes": "\(stored.row.rawBytes)"])
        jobs.wake()
        return accepted(stored.row.id)
    }

    private func accepted(_ id: String) -> Response {
        Response(status: .accepted, headers: [.location: "\(path)/\(id)", HTTPField.Name("GS1-EPCIS-Version")!: "2.0.0"])
    }

    /// Streams the body to a private file, refusing it with 413 past the partner's limit.
    private func stream(_ request: Request, to file: String, _ settings: CaptureSettings, _ profile: PartnerProfile) async throws {
        _ = try await RequestBody.file(request, to: file, limit: Int64(settings.maxBytes)) {
            CaptureProblem(
                .tooLarge, status: .contentTooLarge, type: "CaptureLimitExceededException", title: "Capture payload too large",
                "the document is larger than the \(settings.maxBytes) bytes partner \(profile.id) may capture (capture.maxBytes in \(profile.file)); nothing was stored",
                headers: Self.limitHeaders(settings))
        }
    }

    /// The request headers worth keeping as evidence, without the credential.
    static func keptHeaders(_ request: Request, _ settings: CaptureSettings) -> String {
        var secret: Set<String> = ["authorization", "cookie"]
        if case .apiKey(let header, _) = settings.authentication { secret.insert(header.lowercased()) }
        let lines = request.headers.filter { !secret.contains($0.name.canonicalName) }.map { "\($0.name.rawName): \($0.value)" }
        return (["Transport: https-capture"] + lines).joined(separator: "\r\n")
    }

    func job(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let (profile, _) = try await partner(request, context)
        let id = context.parameters.get("id") ?? ""
        let row: InboundMessageRow?
        do { row = try await store.inboundMessage(id: id) } catch let error as StoreError { throw CaptureProblem(error) }
        // Another partner's job is not there, as far as this partner can tell.
        guard let row, row.partner == profile.id, row.messageID.hasPrefix(Self.keyPrefix) else {
            throw CaptureProblem(
                .notFound, status: .notFound, type: "NoSuchResourceException", title: "No such capture job",
                "partner \(profile.id) has no capture job '\(id)'; the Location of a 202 answer names it")
        }
        return try JSONResponse.make(CaptureJob(row), status: .ok)
    }

    func list(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let (profile, _) = try await partner(request, context)
        let perPage = request.uri.queryParameters.get("perPage").flatMap { Int($0) }.map { min(max($0, 1), 1_000) } ?? 100
        let rows: [InboundMessageRow]
        do { rows = try await store.inboundMessages(partner: profile.id, messageIDPrefix: Self.keyPrefix, limit: perPage) } catch let error
            as StoreError
        {
            throw CaptureProblem(error)
        }
        return try JSONResponse.make(rows.map(CaptureJob.init), status: .ok)
    }
}
