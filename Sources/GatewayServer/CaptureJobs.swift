internal import Compliance
public import EPCIS
internal import Foundation
public import Logging
public import ServiceLifecycle
public import Store
internal import Synchronization

/// Validates the documents the capture interface stored and records each job's verdict.
///
/// Jobs are found in the store (disposition `capture-running`), not held in memory: a job
/// whose gateway stopped or crashed after the 202 is finished by the next start. The
/// controller wakes the service after each capture; it also looks every `interval`.
public final class CaptureJobs: Service, Sendable {
    let store: any GatewayStore
    let schemas: EPCISSchemas?
    let workDirectory: String
    let logger: Logger
    let interval: Duration
    private let woken = Mutex(false)

    public init(
        store: any GatewayStore, schemas: EPCISSchemas?, workDirectory: String, logger: Logger = Logger(label: "epcis-gateway.capture"),
        interval: Duration = .seconds(5)
    ) {
        self.store = store
        self.schemas = schemas
        self.workDirectory = workDirectory
        self.logger = logger
        self.interval = interval
    }

    /// Asks the service to look for new jobs now.
    func wake() { woken.withLock { $0 = true } }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            woken.withLock { $0 = false }
            await round()
            // Until woken by a capture or `interval` has passed, looking every 20 ms.
            let until = ContinuousClock.now + interval
            while ContinuousClock.now < until, !woken.withLock({ $0 }), !Task.isShuttingDownGracefully {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(20)) }
                if Task.isCancelled { return }
            }
        }
    }

    /// Finishes every running job; returns how many were settled.
    @discardableResult
    public func round() async -> Int {
        var settled = 0
        // Bounded: each pass settles what it read, so a job is never read twice.
        for _ in 0..<1_000 {
            let pending: [InboundMessageRow]
            do { pending = try await store.inboundMessages(disposition: CaptureController.running, limit: 16) } catch {
                logger.error("capture jobs cannot be read now; they stay queued", metadata: ["error": "\(error)"])
                return settled
            }
            if pending.isEmpty { return settled }
            for row in pending {
                guard await settle(row) else { return settled }
                settled += 1
            }
        }
        return settled
    }

    /// Validates one stored document and records the verdict; false when the store failed.
    private func settle(_ row: InboundMessageRow) async -> Bool {
        let file = (workDirectory as NSString).appendingPathComponent(
            "capture-job-\(row.id).\(row.contentType?.contains("json") == true ? "json" : "xml")")
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try await store.inboundContent(row.id, part: .payload, to: file)
            let (valid, summary) = try await InboundVerdict.of(path: file, schemas: schemas)
            try await store.settleInbound(
                row.id, disposition: valid ? CaptureController.captured : CaptureController.failed, valid: valid, validation: summary)
            logger.log(
                level: valid ? .info : .warning, valid ? "capture job succeeded" : "capture job failed: the document is not valid",
                metadata: ["partner": "\(row.partner)", "capture": "\(row.id)", "verdict": "\(summary.prefix(500))"])
            return true
        } catch let error as StoreError where error.code == .corrupt {
            // Settled as failed, so a corrupt row does not block the jobs behind it.
            logger.critical("a stored capture document is corrupt", metadata: ["capture": "\(row.id)", "error": "\(error)"])
            try? await store.settleInbound(row.id, disposition: CaptureController.failed, valid: false, validation: "\(error)")
            return true
        } catch {
            logger.error("a capture job cannot be finished now; it stays queued", metadata: ["capture": "\(row.id)", "error": "\(error)"])
            return false
        }
    }
}
