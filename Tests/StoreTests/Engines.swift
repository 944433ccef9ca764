import Foundation
import Records
import Store
import StoreTestSupport
import Testing

/// The issues of a batch the store must refuse.
func rejection(_ store: any GatewayStore, _ lines: [String]) async throws -> [RecordIssue] {
    let before = try await store.counts()
    do {
        _ = try await ingest(store, lines)
        Issue.record("the batch was accepted but should have been refused")
        return []
    } catch let error as BatchRejected {
        #expect(try await store.counts() == before, "a refused batch changed the store")
        return error.issues
    }
}
