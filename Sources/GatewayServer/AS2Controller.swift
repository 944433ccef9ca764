internal import AS2
internal import Foundation
internal import GatewayCore
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore
internal import Partners
internal import Store
internal import Transports

/// `POST /as2`: where partners send async MDNs for our messages.
///
/// Only a partner pair a loaded AS2 profile names is heard (AS2-From is the partner's name,
/// AS2-To ours); anyone else gets 403 and nothing is stored. An MDN is kept, as received,
/// before the answer; the dispatcher's next poll checks its signature and MIC and settles the
/// delivery. An MDN for a message we do not know is kept too (evidence) and answered 200, as
/// RFC 4130 asks.
struct AS2Controller: Sendable {
    let store: any GatewayStore
    let partners: @Sendable () -> [String: PartnerProfile]
    let logger: Logger
    let clock: any WallClock

    /// An MDN is a few kilobytes; this bounds what an MDN POST may hold in memory.
    static let maximumMDNBytes = 1 << 20

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/as2") { request, _ in try await receive(request) }
    }

    func receive(_ request: Request) async throws -> Response {
        let from = request.headers[HTTPField.Name("AS2-From")!].map(AS2Name.parse)
        let to = request.headers[HTTPField.Name("AS2-To")!].map(AS2Name.parse)
        guard let from, let to else {
            throw APIError(.badRequest, status: .badRequest, "an AS2 request needs the AS2-From and AS2-To headers (RFC 4130 §6.2); nothing was stored")
        }
        guard
            let (profile, _) = partners().values.lazy.compactMap({ profile -> (PartnerProfile, AS2Settings)? in
                guard case .as2(let settings) = profile.transport, settings.as2To == from, settings.as2From == to else { return nil }
                return (profile, settings)
            }).first
        else {
            logger.warning("an AS2 request from an unknown partner pair was refused", metadata: ["as2-from": "\(from)", "as2-to": "\(to)"])
            throw APIError(
                .unknownPartner, status: .forbidden,
                "no partner profile has AS2 name '\(from)' sending to our name '\(to)'; nothing was stored (AS2 names are case-sensitive)")
        }
        let contentType = request.headers[.contentType].flatMap(ContentType.init)
        guard contentType?.mediaType == "multipart/report" || contentType?.mediaType == "multipart/signed" else {
            throw APIError(
                .unsupported, status: .unsupportedMediaType,
                "this endpoint takes async MDNs (multipart/report, signed or not); \(contentType?.mediaType ?? "no Content-Type") was sent and nothing was stored")
        }
        let body = try await RequestBody.bytes(request, limit: Self.maximumMDNBytes)
        let headers = MIMEHeaders(request.headers.map { (name: $0.name.rawName, value: $0.value) })
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
