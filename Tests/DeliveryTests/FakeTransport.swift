import Foundation
import Synchronization
import Transports

/// A transport that answers from a script and remembers what it was asked, for the
/// dispatcher's rules without a network. `onSend` runs while the document is "on the wire",
/// so a test can look at the store and the spool at that moment.
final class FakeTransport: Transport {
    private let state = Mutex<(sends: [OutboundDocument], polls: [OutboundDocument], results: [SendResult])>(([], [], []))
    let pollResult: PollResult
    let onSend: @Sendable (OutboundDocument) async -> Void

    /// Sends answer with `results` in turn (the last repeats); polls with `pollResult`.
    init(
        results: [SendResult], pollResult: PollResult = .acknowledged(detail: "job done"),
        onSend: @escaping @Sendable (OutboundDocument) async -> Void = { _ in }
    ) {
        state.withLock { $0.results = results }
        self.pollResult = pollResult
        self.onSend = onSend
    }

    var sends: [OutboundDocument] { state.withLock { $0.sends } }
    var polls: [OutboundDocument] { state.withLock { $0.polls } }

    func send(_ document: OutboundDocument) async -> SendResult {
        await onSend(document)
        return state.withLock { state in
            state.sends.append(document)
            return state.results.count > 1 ? state.results.removeFirst() : state.results.first ?? .acknowledged(detail: "ok")
        }
    }

    func poll(reference: String, document: OutboundDocument) async -> PollResult {
        state.withLock { $0.polls.append(document) }
        return pollResult
    }
}
