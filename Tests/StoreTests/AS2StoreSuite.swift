import Foundation
import Store
import StoreTestSupport
import Testing

/// What AS2 keeps, on both engines: MDNs as evidence, and received messages with their raw and
/// opened content, one processed copy per partner and Message-ID.
@Suite struct AS2StoreSuite {
    static func message(_ id: String, _ messageID: String, status: String = "processed") -> InboundMessageRow {
        InboundMessageRow(
            id: id, partner: "acme", messageID: messageID, status: status, receivedAt: 1_000,
            disposition: status == "processed" ? "processed" : "processed/error: decryption-failed",
            reason: status == "processed" ? nil : "bad key", headers: "AS2-From: ACME\r\nMessage-ID: <\(messageID)>", fileName: "doc.xml",
            contentType: "application/xml", signed: true, encrypted: true, compressed: false, mic: "AAAA", micAlgorithm: "sha-256", valid: true,
            validation: "valid EPCIS", mdnChannel: "sync", mdnURL: nil, mdnHeaders: "Content-Type: multipart/signed", mdnBody: Array("mdn \(id)".utf8)
        )
    }

    static func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("as2-store-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: Engine.allCases)
    func aReceivedMessageIsKeptRawAndOpenedAndADuplicateIsNotStoredTwice(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        // Raw bigger than one chunk, so several chunks are written and read back in order.
        let raw = (0..<(2 << 20) + 77).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let payload = Array("<epcis>payload</epcis>".utf8)
        let (first, duplicate) = try await store.recordInbound(
            Self.message("in-1", "m1@acme"), raw: try Self.file(raw), payload: try Self.file(payload))
        #expect(!duplicate && first.rawBytes == Int64(raw.count) && first.payloadBytes == Int64(payload.count))
        let (again, wasThere) = try await store.recordInbound(
            Self.message("in-2", "m1@acme"), raw: try Self.file(raw), payload: try Self.file(payload))
        #expect(wasThere && again.id == "in-1" && again.mdnBody == Array("mdn in-1".utf8), "the duplicate gets the stored row and its MDN")
        // Refused copies are kept as evidence and never block a later processed one.
        _ = try await store.recordInbound(Self.message("in-3", "m2@acme", status: "refused"), raw: try Self.file([1, 2, 3]), payload: nil)
        _ = try await store.recordInbound(Self.message("in-4", "m2@acme", status: "refused"), raw: try Self.file([1, 2, 3]), payload: nil)
        let (later, laterDuplicate) = try await store.recordInbound(
            Self.message("in-5", "m2@acme"), raw: try Self.file([4]), payload: try Self.file([5]))
        #expect(!laterDuplicate && later.id == "in-5")
        let rows = try await store.inboundMessages(partner: "acme", limit: 10)
        #expect(rows.count == 4 && Set(rows.map(\.id)) == ["in-1", "in-3", "in-4", "in-5"])
        let stored = try #require(try await store.inboundMessage(partner: "acme", messageID: "m1@acme"))
        #expect(stored == first)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("as2-out-\(UUID().uuidString)").path
        try await store.inboundContent("in-1", part: .raw, to: out)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == raw)
        try await store.inboundContent("in-1", part: .payload, to: out)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == payload)
        await #expect(throws: StoreError.self) { try await store.inboundContent("in-3", part: .payload, to: out) }
    }

    @Test(arguments: Engine.allCases)
    func captureJobsAreFoundOldestFirstAndSettledOnce(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        for (index, id) in ["job-b", "job-a", "job-c"].enumerated() {
            var row = Self.message(id, "capture:\(id)")
            row.disposition = "capture-running"
            row.valid = nil
            row.validation = nil
            row.receivedAt = Int64(10 - index)
            _ = try await store.recordInbound(row, raw: try Self.file([1]), payload: try Self.file([1]))
        }
        #expect(try await store.inboundMessages(disposition: "capture-running", limit: 2).map(\.id) == ["job-c", "job-a"])
        try await store.settleInbound("job-a", disposition: "capture-failed", valid: false, validation: "invalid EPCIS: 1 error(s)")
        let settled = try #require(try await store.inboundMessage(id: "job-a"))
        #expect(settled.disposition == "capture-failed" && settled.valid == false && settled.validation == "invalid EPCIS: 1 error(s)")
        #expect(try await store.inboundMessages(disposition: "capture-running", limit: 10).map(\.id) == ["job-c", "job-b"])
        await #expect(throws: StoreError.self) { try await store.settleInbound("no-such-job", disposition: "captured", valid: true, validation: "") }
        // A partner's capture jobs by their id prefix, without its AS2 messages; "capture;" sorts just after the range.
        _ = try await store.recordInbound(Self.message("as2-1", "capture-not@acme"), raw: try Self.file([1]), payload: try Self.file([1]))
        _ = try await store.recordInbound(Self.message("as2-2", "capture;x"), raw: try Self.file([1]), payload: try Self.file([1]))
        let jobs = try await store.inboundMessages(partner: "acme", messageIDPrefix: "capture:", limit: 10)
        #expect(jobs.map(\.id) == ["job-b", "job-a", "job-c"], "newest first, capture jobs only: \(jobs.map(\.id))")
        #expect(try await store.inboundMessages(partner: "other", messageIDPrefix: "capture:", limit: 10).isEmpty)
    }

    @Test(arguments: Engine.allCases)
    func mdnsAreKeptAsReceivedAndFoundByMessageIDAndDelivery(_ engine: Engine) async throws {
        guard let store = try await engine.makeStore() else { return }
        defer { Task { try? await store.close() } }
        let body = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        try await store.recordMDN(
            MDNRow(id: "mdn-1", messageID: "m1@gw", deliveryID: "d1", partner: "acme", channel: "sync", receivedAt: 5, headers: "A: b", body: body))
        try await store.recordMDN(
            MDNRow(id: "mdn-2", messageID: "m1@gw", deliveryID: nil, partner: "acme", channel: "async", receivedAt: 9, headers: "C: d", body: []))
        let byMessage = try await store.mdns(messageID: "m1@gw")
        #expect(byMessage.map(\.id) == ["mdn-1", "mdn-2"] && byMessage[0].body == body && byMessage[1].deliveryID == nil)
        #expect(try await store.mdns(delivery: "d1").map(\.id) == ["mdn-1"])
        #expect(try await store.mdns(messageID: "other").isEmpty)
        #expect(try await store.delivery(reference: "m1@gw") == nil)
    }
}
