import Foundation
import GatewayServer
import Hummingbird
import HummingbirdTesting
import Records
import Store
import Testing

/// A fresh SQLite store in a directory of its own.
func temporaryStore() throws -> any GatewayStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-test-\(UUID().uuidString)").path
    return try SQLiteStore(path: (directory as NSString).appendingPathComponent("gateway.sqlite"))
}

/// The GS1 US R1.3 direct-purchase records the store tests use.
let directPurchase = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("StoreTests/Fixtures/gs1us-r13-direct-purchase.jsonl")

@Suite("POST /api/v1/records")
struct RecordsRouteTests {
    @Test("a batch is applied over HTTP; a bad one gets 422 with every issue and stores nothing")
    func post() async throws {
        let store = try temporaryStore()
        let app = Application(router: Gateway.router(store: store, partnerCount: { 0 }, maximumBodyBytes: 1 << 20))
        let good = try Data(contentsOf: directPurchase)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/records", method: .post, headers: [.contentType: "application/x-ndjson"], body: ByteBuffer(bytes: good)
            ) { response in
                #expect(response.status == .ok)
                let report = try JSONDecoder().decode(IngestReport.self, from: Data(response.body.readableBytesView))
                #expect(report.commissioned == 16 && report.shipments == ["SHIP-1"])
            }
            let csv =
                "id,kind,time,site,gtin,lot,expiry,serial\nq1,commission,2023-04-02T09:00:00-05:00,0300011111116,00300010123455,B1,2027-01-31,11\nq2,commission,2023-04-02T09:00:00,0300011111116,00300010123455,B1,2027-01-31,99\n"
            try await client.execute(uri: "/api/v1/records", method: .post, headers: [.contentType: "text/csv"], body: ByteBuffer(string: csv)) {
                response in
                #expect(response.status == .unprocessableContent)
                let text = String(buffer: response.body)
                #expect(text.contains("\"line\" : 3") && text.contains("\"field\" : \"time\"") && text.contains("\"stored\" : false"))
            }
        }
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "99")) == nil)
        try await store.close()
    }

    @Test("a body over the limit gets 413 with the limit and the fix, and nothing is stored")
    func tooLarge() async throws {
        let store = try temporaryStore()
        let good = try Data(contentsOf: directPurchase)
        let app = Application(router: Gateway.router(store: store, partnerCount: { 0 }, maximumBodyBytes: good.count - 1))
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/records", method: .post, headers: [.contentType: "application/x-ndjson"], body: ByteBuffer(bytes: good)
            ) { response in
                #expect(response.status == .contentTooLarge)
                let text = String(buffer: response.body)
                #expect(text.contains("request-too-large") && text.contains("\(good.count - 1) bytes") && text.contains("split the batch"), "\(text)")
            }
        }
        #expect(try await store.counts().records == 0)
        try await store.close()
    }

    @Test("health answers; readiness says whether the store answers")
    func health() async throws {
        let store = try temporaryStore()
        let app = Application(router: Gateway.router(store: store, partnerCount: { 3 }, maximumBodyBytes: 1 << 20))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"partners\" : 3"))
            }
            try await store.close()
            try await client.execute(uri: "/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
    }
}
