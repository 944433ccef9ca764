internal import AS2
internal import Compliance
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

/// `POST /as2`: where partners send us AS2 messages, and async MDNs for ours.
///
/// Only a partner pair a loaded AS2 profile names is heard (AS2-From is the partner's name,
/// AS2-To ours); anyone else gets 403 and nothing is stored.
///
/// - An MDN is kept, as received, before the answer; the dispatcher's next poll checks its
///   signature and MIC and settles the delivery. An MDN for a message we do not know is kept
///   too (evidence) and answered 200, as RFC 4130 asks.
/// - A message streams to disk (the partner's `maxInboundBytes` bounds it), is decrypted,
///   verified and decompressed, its EPCIS payload validated, and the raw message, the payload,
///   the verdict and our MDN are stored in one transaction before the MDN goes out (sync in the
///   answer, or async as a delivery of its own). A Message-ID the partner already sent gets
///   the stored MDN again and is not processed twice.
struct AS2Controller: Sendable {
    let store: any GatewayStore
    let partners: @Sendable () -> [String: PartnerProfile]
    let logger: Logger
    let clock: any WallClock
    /// Where bodies stream to while they are opened (the private spool).
    let workDirectory: String
    /// Received EPCIS documents are validated against these (nil: the EPCIS rules alone).
    let schemas: EPCISSchemas?

    /// An MDN is a few kilobytes; this bounds what an MDN POST may hold in memory.
    static let maximumMDNBytes = 1 << 20

    func addRoutes(to router: Router<some RequestContext>) {
        router.post("/as2") { request, _ in try await receive(request) }
    }

    func receive(_ request: Request) async throws -> Response {
        let from = request.headers[HTTPField.Name("AS2-From")!].map(AS2Name.parse)
        let to = request.headers[HTTPField.Name("AS2-To")!].map(AS2Name.parse)
        guard let from, let to else {
            throw APIError(
                .badRequest, status: .badRequest, "an AS2 request needs the AS2-From and AS2-To headers (RFC 4130 §6.2); nothing was stored")
        }
        guard
            let (profile, settings) = partners().values.lazy.compactMap({ profile -> (PartnerProfile, AS2Settings)? in
                guard case .as2(let settings) = profile.transport, settings.as2To == from, settings.as2From == to else { return nil }
                return (profile, settings)
            }).first
        else {
            logger.warning("an AS2 request from an unknown partner pair was refused", metadata: ["as2-from": "\(from)", "as2-to": "\(to)"])
            throw APIError(
                .unknownPartner, status: .forbidden,
                "no partner profile has AS2 name '\(from)' sending to our name '\(to)'; nothing was stored (AS2 names are case-sensitive)")
        }
        let headers = Self.headers(request)
        let body = (workDirectory as NSString).appendingPathComponent("as2-received-\(UUID().uuidString.lowercased()).body")
        defer { try? FileManager.default.removeItem(atPath: body) }
        let size = try await Self.stream(request, to: body, limit: settings.maxInboundBytes, partner: profile)
        let contentType = headers["Content-Type"].flatMap(ContentType.init)
        if contentType?.mediaType == "multipart/report" || contentType?.mediaType == "multipart/signed", size <= Self.maximumMDNBytes {
            // A signed message is multipart/signed too: it is an MDN only if its signed part is a report.
            let bytes = Array(FileManager.default.contents(atPath: body) ?? Data())
            if MDNCheck.originalMessageID(headers: headers, body: bytes) != nil { return try await keepMDN(headers, bytes, profile) }
        }
        return try await receiveMessage(headers, body: body, profile, settings)
    }

    /// Streams the request body to a private file, refusing it with 413 past `limit`.
    static func stream(_ request: Request, to path: String, limit: Int64, partner: PartnerProfile) async throws -> Int64 {
        try await RequestBody.file(request, to: path, limit: limit) {
            APIError(
                .tooLarge, status: .contentTooLarge,
                "the message is larger than the \(limit) bytes partner \(partner.id) may send (transport.as2.maxInboundBytes in \(partner.file)); nothing was stored"
            )
        }
    }

    static func headers(_ request: Request) -> MIMEHeaders {
        MIMEHeaders(request.headers.map { (name: $0.name.rawName, value: $0.value) })
    }

    private func keepMDN(_ headers: MIMEHeaders, _ body: [UInt8], _ profile: PartnerProfile) async throws -> Response {
        guard let original = MDNCheck.originalMessageID(headers: headers, body: body) else {
            throw APIError(
                .badRequest, status: .badRequest,
                "the body is not a readable MDN (no message/disposition-notification part with Original-Message-ID); nothing was stored")
        }
        let key = AS2Message.key(original)
        let delivery: DeliveryRow?
        do {
            delivery = try await store.delivery(reference: key)
            try await store.recordMDN(
                MDNRow(
                    id: UUID().uuidString.lowercased(), messageID: key, deliveryID: delivery?.id, partner: profile.id, channel: "async",
                    receivedAt: clock.now(), headers: headers.fields.map { "\($0.name): \($0.value)" }.joined(separator: "\r\n"), body: body))
        } catch let error as StoreError {
            throw APIError(error)
        }
        if let delivery {
            logger.info("async MDN kept", metadata: ["partner": "\(profile.id)", "message-id": "\(key)", "delivery": "\(delivery.id)"])
        } else {
            logger.warning(
                "async MDN kept for a message no delivery is awaiting", metadata: ["partner": "\(profile.id)", "message-id": "\(key)"])
        }
        return Response(status: .ok)
    }
}

extension AS2Controller {
    /// Opens, validates and stores a message, then answers with (or queues) its MDN.
    fileprivate func receiveMessage(_ headers: MIMEHeaders, body: String, _ profile: PartnerProfile, _ settings: AS2Settings) async throws -> Response
    {
        guard let messageID = headers["Message-ID"], !AS2Message.key(messageID).isEmpty else {
            throw APIError(.badRequest, status: .badRequest, "the AS2 message has no Message-ID header (RFC 4130 §5.3.3); nothing was stored")
        }
        let key = AS2Message.key(messageID)
        do {
            if let stored = try await store.inboundMessage(partner: profile.id, messageID: key) {
                logger.notice("a duplicate AS2 message gets its stored MDN again", metadata: ["partner": "\(profile.id)", "message-id": "\(key)"])
                return try await answer(stored, settings, duplicate: true)
            }
        } catch let error as StoreError {
            throw APIError(error)
        }
        let credentials: AS2Credentials
        do { credentials = try AS2Credentials.load(settings, now: clock.now()) } catch {
            logger.error("an AS2 message cannot be opened: our keys cannot be read", metadata: ["partner": "\(profile.id)", "error": "\(error)"])
            throw APIError(
                .failed, status: .serviceUnavailable, "the gateway cannot read its AS2 keys now; nothing was stored, send the message again later")
        }
        let id = UUID().uuidString.lowercased()
        let receiver = AS2Receiver(settings: settings, credentials: credentials, workDirectory: workDirectory)
        let received = try await BlockingPool.run { receiver.receive(headers: headers, body: body, id: id) }
        defer { for file in received.scratch { try? FileManager.default.removeItem(atPath: file) } }
        var valid: Bool?
        var validation: String?
        if received.processed, let payload = received.payload, Self.isEPCIS(received) {
            (valid, validation) = try await InboundVerdict.of(path: payload, schemas: schemas)
        }
        let request = received.request
        let text =
            received.processed
            ? "The message \(received.messageID) was received and stored by \(MDNDocument.reportingUA)."
            : "The message \(received.messageID) was not processed: \(received.reason ?? received.disposition)"
        var mdn: (headers: [(String, String)], body: [UInt8])?
        if request.requested {
            do {
                mdn = try await BlockingPool.run { try receiver.mdn(for: received, text: text, now: clock.now(), id: id) }
            } catch {
                logger.error("the MDN cannot be signed; nothing was stored", metadata: ["partner": "\(profile.id)", "error": "\(error)"])
                throw APIError(
                    .failed, status: .serviceUnavailable, "the gateway cannot sign its MDN now; nothing was stored, send the message again later")
            }
        }
        var reason = received.reason
        if let url = request.asyncURL, request.requested, !settings.asyncMDNAllowList.contains(where: { url.hasPrefix($0) }) {
            reason = [
                reason, "the async MDN to \(url) is not sent: that URL is not on the partner's allow-list (mdn.allowAsyncTo in \(profile.file))",
            ]
            .compactMap { $0 }.joined(separator: "; ")
        }
        let row = InboundMessageRow(
            id: id, partner: profile.id, messageID: key, status: received.processed ? "processed" : "refused", receivedAt: clock.now(),
            disposition: received.disposition, reason: reason, headers: headers.fields.map { "\($0.name): \($0.value)" }.joined(separator: "\r\n"),
            fileName: received.fileName, contentType: received.contentType, signed: received.signed, encrypted: received.encrypted,
            compressed: received.compressed, mic: received.mic, micAlgorithm: received.micAlgorithm.micalg, valid: valid, validation: validation,
            mdnChannel: !request.requested ? "none" : (request.asyncURL == nil ? "sync" : "async"), mdnURL: request.asyncURL,
            mdnHeaders: mdn.map { $0.headers.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n") }, mdnBody: mdn?.body)
        let stored: (row: InboundMessageRow, duplicate: Bool)
        do { stored = try await store.recordInbound(row, raw: body, payload: received.payload) } catch let error as StoreError {
            throw APIError(error)
        }
        logger.log(
            level: received.processed ? .info : .warning, received.processed ? "AS2 message received and stored" : "AS2 message refused",
            metadata: [
                "partner": "\(profile.id)", "message-id": "\(key)", "inbound": "\(stored.row.id)", "disposition": "\(received.disposition)",
                "valid": "\(valid.map { "\($0)" } ?? "not validated")", "reason": "\(reason ?? "")",
            ])
        return try await answer(stored.row, settings, duplicate: stored.duplicate)
    }

    /// The HTTP answer for a stored message: its MDN in the response (sync), or 200 and the
    /// MDN queued as a delivery (async, allowed URLs only), or a plain status.
    private func answer(_ row: InboundMessageRow, _ settings: AS2Settings, duplicate: Bool) async throws -> Response {
        switch row.mdnChannel {
        case "sync":
            var fields = HTTPFields()
            for line in (row.mdnHeaders ?? "").components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon])) else { continue }
                fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: row.mdnBody ?? [])))
        case "async":
            if let url = row.mdnURL, settings.asyncMDNAllowList.contains(where: { url.hasPrefix($0) }), let body = row.mdnBody {
                try await queueAsyncMDN(row, url: url, body: body)
            }
            return Response(status: .ok)
        default:
            if row.status == "processed" { return Response(status: .ok) }
            throw APIError(.badRequest, status: .badRequest, "the AS2 message was not processed: \(row.reason ?? row.disposition)")
        }
    }

    /// Queues the async MDN as a delivery of kind `as2-mdn`: retried, audited and shown like any other.
    private func queueAsyncMDN(_ row: InboundMessageRow, url: String, body: [UInt8]) async throws {
        var lines = (row.mdnHeaders ?? "").components(separatedBy: "\r\n")
        let contentType = lines.first { $0.lowercased().hasPrefix("content-type:") }.map {
            String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces)
        }
        lines.removeAll { $0.lowercased().hasPrefix("content-type:") }
        let file = (workDirectory as NSString).appendingPathComponent("mdn-\(UUID().uuidString.lowercased()).out")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let handle = try PrivateFile.create(file)
        try handle.write(contentsOf: Data(body))
        try handle.close()
        do {
            _ = try await store.enqueue(
                NewDelivery(
                    id: UUID().uuidString.lowercased(), partner: row.partner, shipment: nil, transport: AS2MDNTransport.kind,
                    documentID: "mdn:\(row.messageID)", contentType: contentType ?? "multipart/report",
                    metadata: ["as2.mdn-url": url, "as2.headers": lines.joined(separator: "\r\n"), "as2.inbound": row.id], payload: file),
                at: clock.now())
        } catch let error as StoreError {
            throw APIError(error)
        }
    }

    static func isEPCIS(_ received: AS2Receiver.Received) -> Bool {
        let type = received.contentType ?? ""
        let name = received.fileName?.lowercased() ?? ""
        return type.contains("xml") || type.contains("json") || name.hasSuffix(".xml") || name.hasSuffix(".json") || name.hasSuffix(".jsonld")
    }
}
