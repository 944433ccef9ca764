import Foundation
import GatewayServer
import Hummingbird
import HummingbirdTesting
import Records
import Store
import Testing

@Suite("POST /api/v1/records")
struct HTTPIngestTests {
    @Test("a batch is applied over HTTP; a bad one gets 422 with every issue and stores nothing")
    func post() async throws {
        guard let store = try await Engine.sqlite.makeStore() else { return }
        let app = Application(router: GatewayServer.router(store: store))
        let good = try Fixtures.bytes("gs1us-r13-direct-purchase.jsonl")
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/records", method: .post, headers: [.contentType: "application/x-ndjson"], body: ByteBuffer(bytes: good)
            ) { response in
                #expect(response.status == .ok)
                let report = try JSONDecoder().decode(IngestReport.self, from: Data(response.body.readableBytesView))
                #expect(report.commissioned == 16 && report.shipments == ["SHIP-1"])
            }
            let csv = "id,kind,time,site,gtin,lot,expiry,serial\nq1,commission,2023-04-02T09:00:00-05:00,0300011111116,00300010123455,B1,2027-01-31,11\nq2,commission,2023-04-02T09:00:00,0300011111116,00300010123455,B1,2027-01-31,99\n"
            try await client.execute(uri: "/api/v1/records", method: .post, headers: [.contentType: "text/csv"], body: ByteBuffer(string: csv)) { response in
                #expect(response.status == .unprocessableContent)
                let text = String(buffer: response.body)
                #expect(text.contains("\"line\" : 3") && text.contains("\"field\" : \"time\"") && text.contains("\"stored\" : false"))
            }
        }
        #expect(try await store.unit(.sgtin(gtin: "00300010123455", serial: "99")) == nil)
        try await store.close()
    }
}
