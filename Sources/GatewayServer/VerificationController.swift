internal import Foundation
internal import GatewayCore
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore
internal import NIOSSL
internal import Store

/// The VRS routes: `GET {base}/checkConnectivity` and `GET {base}/verify/gtin/…/lot/…/ser/…`.
/// Only a 200 carries a JSON body; a refusal says why in the `X-Verification-Problem` header
/// and in the audit log. Other methods get 405.
struct VerificationController {
    let responder: VerificationResponder
    let logger: Logger

    func addRoutes(to router: Router<GatewayRequestContext>) {
        let base = responder.settings.basePath
        router.get(RouterPath("\(base)/checkConnectivity")) { request, context in
            await self.answer(request, context, kind: "checkConnectivity") { query, presented in
                await self.responder.checkConnectivity(query: query, presented: presented)
            }
        }
        router.get(RouterPath("\(base)/verify/**")) { request, context in
            await self.answer(request, context, kind: "verify") { query, presented in
                let path = request.uri.path.dropFirst(base.count)
                return await self.responder.verify(path: path, query: query, presented: presented)
            }
        }
        for method in [HTTPRequest.Method.post, .put, .delete, .patch, .options] {
            for path in ["\(base)/checkConnectivity", "\(base)/verify/**"] {
                router.on(RouterPath(path), method: method) { _, _ in
                    Response(status: .methodNotAllowed, headers: [.allow: "GET"])
                }
            }
        }
    }

    private func answer(
        _ request: Request, _ context: GatewayRequestContext, kind: String,
        _ body: (Substring, VerificationResponder.Presented) async -> VerificationResponder.Reply
    ) async -> Response {
        let query = request.uri.query ?? ""
        let reply: VerificationResponder.Reply
        if request.uri.path.utf8.count + query.utf8.count > responder.settings.maximumTargetBytes {
            reply = responder.refuse(
                kind: kind, status: 414,
                problem: "the request target is over \(responder.settings.maximumTargetBytes) bytes; a verify request needs far fewer")
        } else {
            reply = await body(query[...], await RequestCredentials.of(request, context))
        }
        do { try await responder.audit.record(reply.entry) } catch {
            logger.error("verification answer withheld: the audit log cannot be written", metadata: ["error": "\(error)"])
            return Response(status: .serviceUnavailable, headers: [.retryAfter: "5"])
        }
        logger.info(
            "verification",
            metadata: [
                "kind": "\(kind)", "status": "\(reply.status)", "requestor": "\(reply.entry.requestor ?? "-")",
                "partner": "\(reply.entry.partner ?? "-")", "verified": "\(reply.entry.verified.map(String.init) ?? "-")",
                "reason": "\(reply.entry.failureReason ?? reply.entry.problem ?? "-")", "attestations": "\(reply.entry.attestations ?? "-")",
            ])
        guard let json = reply.body else {
            var headers: HTTPFields = [.cacheControl: "private, no-cache"]
            if let problem = reply.problem { headers[Self.problemHeader] = Self.headerSafe(problem) }
            return Response(status: HTTPResponse.Status(code: reply.status), headers: headers)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "private, no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    static let problemHeader = HTTPField.Name("X-Verification-Problem")!

    /// Printable ASCII only: a problem may quote what the requestor sent.
    static func headerSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F ? $0 : "?" }).prefix(512))
    }
}
