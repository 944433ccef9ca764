internal import Foundation
internal import HTTPTypes
internal import NIOCore
public import Hummingbird
internal import Logging
internal import Records
public import ServiceLifecycle
public import Store

/// The gateway's HTTP surface (so far: the records feed and health).
///
/// `POST /api/v1/records` takes a batch as JSON Lines (`application/x-ndjson`) or CSV
/// (`text/csv`); other content types are sniffed. The answer is `200` with the ingest report, or
/// `422` with every issue (nothing stored), or `503` when the store fails. A batch name may be
/// given in `X-Batch-Id`.
public enum GatewayServer {
    /// Largest batch accepted in one request.
    public static let maximumBatchBytes = 1 << 30

    /// The routes, ready for an `Application`.
    public static func router(store: any GatewayStore) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ in "ok" }
        router.post("/api/v1/records") { request, context -> Response in
            let body = try await request.body.collect(upTo: maximumBatchBytes)
            let bytes = Array(body.readableBytesView)
            let contentType = request.headers[.contentType] ?? ""
            let format: RecordFeed.Format? =
                contentType.hasPrefix("text/csv") ? .csv : contentType.contains("ndjson") || contentType.contains("jsonl") ? .jsonLines : nil
            let batch = request.headers[HTTPField.Name("X-Batch-Id")!] ?? "http-\(UUID().uuidString.lowercased())"
            do {
                let records = try RecordFeed.parse(bytes, format: format)
                let report = try await store.ingest(records, batch: batch)
                context.logger.info("ingested batch", metadata: ["batch": "\(batch)", "applied": "\(report.applied)", "commissioned": "\(report.commissioned)"])
                return try json(report, status: .ok)
            } catch let rejected as BatchRejected {
                context.logger.notice("refused batch", metadata: ["batch": "\(batch)", "issues": "\(rejected.issues.count)"])
                return try json(Refusal(batch: batch, stored: false, issues: rejected.issues), status: .unprocessableContent)
            } catch let error as StoreError {
                context.logger.error("store failed", metadata: ["batch": "\(batch)", "error": "\(error)"])
                return try json(["error": error.description, "stored": "false"], status: .serviceUnavailable)
            }
        }
        return router
    }

    /// The application on `host:port`.
    /// The application on `host:port`, running `services` (the dispatcher, the profile
    /// watcher) beside the HTTP server under one graceful shutdown.
    public static func application(store: any GatewayStore, host: String, port: Int, services: [any Service] = []) -> some ApplicationProtocol {
        Application(router: router(store: store), configuration: .init(address: .hostname(host, port: port), serverName: "epcis-gateway"), services: services)
    }

    struct Refusal: Encodable {
        var batch: String
        var stored: Bool
        var issues: [RecordIssue]
    }

    private static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
