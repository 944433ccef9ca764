internal import Foundation
internal import HTTPTypes
public import Hummingbird
internal import Logging
internal import Records
public import Store

/// `POST /api/v1/records`: a records-feed batch, all or nothing.
///
/// The body is JSON Lines (`application/x-ndjson`) or CSV (`text/csv`); other content types are
/// sniffed. The answer is `200` with the ingest report, `422` with every issue (nothing
/// stored), `413` over the size limit, or `503` when the store fails. A batch name may be given
/// in `X-Batch-Id`.
public struct RecordsController: Sendable {
    public let store: any GatewayStore
    public let maximumBodyBytes: Int

    public init(store: any GatewayStore, maximumBodyBytes: Int) {
        self.store = store
        self.maximumBodyBytes = maximumBodyBytes
    }

    public func addRoutes(to router: Router<some RequestContext>) {
        router.post("/api/v1/records") { request, context in try await self.ingest(request, context: context) }
    }

    func ingest(_ request: Request, context: some RequestContext) async throws -> Response {
        let bytes = try await RequestBody.bytes(request, limit: maximumBodyBytes)
        let contentType = request.headers[.contentType] ?? ""
        let format: RecordFeed.Format? =
            contentType.hasPrefix("text/csv") ? .csv : contentType.contains("ndjson") || contentType.contains("jsonl") ? .jsonLines : nil
        let batch = request.headers[HTTPField.Name("X-Batch-Id")!] ?? "http-\(UUID().uuidString.lowercased())"
        do {
            let records = try RecordFeed.parse(bytes, format: format)
            let report = try await store.ingest(records, batch: batch)
            context.logger.info(
                "ingested batch", metadata: ["batch": "\(batch)", "applied": "\(report.applied)", "commissioned": "\(report.commissioned)"])
            return try JSONResponse.make(report, status: .ok)
        } catch let rejected as BatchRejected {
            context.logger.notice("refused batch", metadata: ["batch": "\(batch)", "issues": "\(rejected.issues.count)"])
            return try JSONResponse.make(Refusal(batch: batch, stored: false, issues: rejected.issues), status: .unprocessableContent)
        } catch let error as StoreError {
            context.logger.error("store failed", metadata: ["batch": "\(batch)", "error": "\(error)"])
            throw APIError(error)
        }
    }

    struct Refusal: Encodable {
        var batch: String
        var stored: Bool
        var issues: [RecordIssue]
    }
}
