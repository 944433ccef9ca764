import Delivery
import Foundation
import GatewayServer
import Outbox
import Partners
import Store
import StoreTestSupport
import Synchronization
import TestSupport
import Testing
import Transports

/// The EPCIS 2.0 capture interface of `serve`, over real TLS: one gateway's HTTPS transport
/// delivers to another's capture endpoint with mutual TLS, and every refusal stores nothing.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CaptureEndpointTests {
    /// A receiving gateway: `maker` pushes with a TLS client certificate, `depot` with a
    /// bearer token and small limits, `paused` is disabled.
    final class Receiver: @unchecked Sendable {
        let port = Peers.freePort()
        let root: String
        let certs: URL
        let store: String
        private var running: Task<Void, any Error>!

        init(pending: InboundMessageRow? = nil) async throws {
            certs = try await VerificationMutualTLSTests.certificates()
            root = try GatewayTests.directory()
            var configuration = try GatewayTests.configuration(root, port: port)
            configuration.http?.tls = GatewayConfiguration.TLS(
                certificateFile: certs.appendingPathComponent("server.crt").path, keyFile: certs.appendingPathComponent("server.key").path,
                clientCAFile: certs.appendingPathComponent("ca.crt").path)
            store = configuration.store
            func profile(_ id: String, _ capture: String) throws {
                try """
                id: \(id)
                name: \(id) partner
                gln: "0614141000005"
                epcis: { version: "2.0", format: json-ld }
                transport: { https: { url: https://127.0.0.1:9/capture } }
                capture:
                \(capture)
                """.write(toFile: configuration.profiles + "/\(id).yaml", atomically: true, encoding: .utf8)
            }
            try profile("maker", "  auth: { clientCertificate: { certificate: \"\(certs.appendingPathComponent("clinic.crt").path)\" } }")
            try profile("depot", "  auth: { bearer: { tokenEnv: DEPOT_TOKEN } }\n  maxBytes: 2KB\n  maxEvents: 3")
            try profile("paused", "  auth: { bearer: { tokenEnv: PAUSED_TOKEN } }\n  enabled: false")
            if let pending {
                let opened = try await StoreLocation.open(configuration.store)
                let body = try documentFile("left-by-a-crash")
                _ = try await opened.recordInbound(pending, raw: body, payload: body)
                try await opened.close()
            }
            let gateway = Gateway(
                configuration: configuration, environment: ["DEPOT_TOKEN": "depot-token-1", "PAUSED_TOKEN": "paused-token-2"], shutdownSignals: [])
            running = Task { try await gateway.run() }
            for _ in 0..<100 {
                if (try? await call("OPTIONS", "/capture"))?.status == 401 { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            running.cancel()
            throw Failure(description: "the receiving gateway did not come up on \(port)")
        }

        struct Answer {
            var status: Int
            var headers: [String: String]
            var body: String
        }

        /// One request with curl over verified TLS (`cert`: a client certificate from the
        /// test CA by name).
        func call(_ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil, cert: String? = nil) async throws
            -> Answer
        {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("capture-call-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            var arguments = [
                "curl", "-sS", "--max-time", "30", "-X", method, "--cacert", certs.appendingPathComponent("ca.crt").path, "-o",
                scratch.appendingPathComponent("body").path, "-D", scratch.appendingPathComponent("headers").path, "-w", "%{http_code}",
            ]
            if let cert {
                arguments += ["--cert", certs.appendingPathComponent("\(cert).crt").path, "--key", certs.appendingPathComponent("\(cert).key").path]
            }
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
            if let body {
                let file = scratch.appendingPathComponent("request").path
                try body.write(toFile: file, atomically: true, encoding: .utf8)
                arguments += ["--data-binary", "@\(file)"]
            }
            arguments.append("https://127.0.0.1:\(port)\(path)")
            let result = try await Command.runDetached(arguments)
            guard result.status == 0, let status = Int(result.output.suffix(3)) else { throw Failure(description: "curl: \(result.output)") }
            var fields: [String: String] = [:]
            let head = (try? String(contentsOf: scratch.appendingPathComponent("headers"), encoding: .utf8)) ?? ""
            for line in head.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return Answer(
                status: status, headers: fields, body: (try? String(contentsOf: scratch.appendingPathComponent("body"), encoding: .utf8)) ?? "")
        }

        func inbound() async throws -> [InboundMessageRow] {
            let opened = try await StoreLocation.open(store)
            defer { Task { try? await opened.close() } }
            return try await opened.inboundMessages(partner: nil, limit: 100)
        }

        /// Waits at most 10 s for the job at `location` to finish; its JSON.
        func finishedJob(_ location: String, headers: [String: String] = [:], cert: String? = nil) async throws -> [String: Any] {
            for _ in 0..<100 {
                let answer = try await call("GET", location, headers: headers, cert: cert)
                let job = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any], "\(answer.body)")
                if job["running"] as? Bool == false { return job }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw Failure(description: "the capture job \(location) did not finish")
        }

        func stop() async {
            running.cancel()
            _ = await running.result
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let bearer = ["Authorization": "Bearer depot-token-1", "Content-Type": "application/ld+json"]

    static func document(events: Int) throws -> String {
        let file = try documentFile("capture-\(events)", events: events)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try String(contentsOfFile: file, encoding: .utf8)
    }

    @Test func oneGatewaysHTTPSTransportDeliversToAnothersCaptureEndpointWithMutualTLS() async throws {
        let receiver = try await Receiver()
        let certs = receiver.certs.path
        let sender = testProfile(id: "receiver", url: "https://127.0.0.1:\(receiver.port)/capture", caFile: certs + "/ca.crt") { https in
            https.clientCertificate = certs + "/clinic.crt"
            https.clientKey = certs + "/clinic.key"
        }
        guard let queue = try await Engine.sqlite.makeStore() else { return }
        defer { Task { try? await queue.close() } }
        let good = try documentFile("mtls-good", events: 2)
        let row = try await DeliveryOutbox.enqueue(
            good, for: sender, shipment: "SHIP-MTLS", documentID: "urn:uuid:mtls-good", contentType: "application/ld+json", queue: queue)
        // A document with an event that lacks its action: stored, then refused by its job.
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("mtls-bad-\(UUID().uuidString).json").path
        try (try String(contentsOfFile: good, encoding: .utf8)).replacingOccurrences(of: #""action":"OBSERVE","#, with: "")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await DeliveryOutbox.enqueue(
            bad, for: sender, shipment: "SHIP-BAD", documentID: "urn:uuid:mtls-bad", contentType: "application/ld+json", queue: queue)
        let dispatcher = try Dispatcher(
            queue: queue, partners: { [sender.id: sender] }, transports: TransportRegistry(secrets: SecretReader(environment: [:]), queue: queue),
            configuration: DispatcherConfiguration(
                owner: "test", leaseMilliseconds: 60_000, batch: 4, idleWait: .milliseconds(100),
                spoolDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path))
        _ = try await dispatcher.runUntilIdle(deadline: .max)
        #expect(try await queue.delivery(row.id)?.snapshot.state == .acknowledged)
        #expect(try await queue.delivery(refused.id)?.snapshot.state == .rejected)
        let attempts = try await queue.attempts(refused.id)
        #expect(attempts.contains { $0.detail.contains("failed") }, "\(attempts)")

        let stored = try await receiver.inbound()
        #expect(stored.count == 2 && stored.allSatisfy { $0.partner == "maker" && $0.headers.contains("Transport: https-capture") })
        let kept = try #require(stored.first { $0.messageID == "capture:urn:uuid:mtls-good" })
        let sent = try Data(contentsOf: URL(fileURLWithPath: good)).count
        #expect(kept.valid == true && kept.disposition == "captured" && kept.payloadBytes == Int64(sent))
        let failed = try #require(stored.first { $0.messageID == "capture:urn:uuid:mtls-bad" })
        #expect(failed.valid == false && failed.disposition == "capture-failed" && failed.validation?.contains("action") == true, "\(failed)")
        // The same client certificate's job is visible; without a certificate nothing is.
        #expect(try await receiver.call("GET", "/capture/\(kept.id)", cert: "clinic").status == 200)
        #expect(try await receiver.call("GET", "/capture/\(kept.id)").status == 401)
        #expect(try await receiver.call("GET", "/capture/\(kept.id)", cert: "other").status == 401, "a certificate no profile names")
        // `inbound list` and `inbound show` show what came in this way.
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("epcis-gateway").path
        let list = try await Command.runDetached([binary, "inbound", "list", "--store", receiver.store])
        #expect(list.status == 0 && list.output.contains(kept.id) && list.output.contains("maker"), "\(list.output)")
        let show = try await Command.runDetached([binary, "inbound", "show", kept.id, "--store", receiver.store])
        #expect(show.status == 0 && show.output.contains("captured"), "\(show.output)")
        await receiver.stop()
    }

    @Test func refusalsStoreNothingAndAnIdempotencyKeyGetsItsFirstJob() async throws {
        let receiver = try await Receiver()
        let small = try Self.document(events: 1)
        // Wrong, missing and disabled credentials.
        for headers in [["Authorization": "Bearer wrong"], ["Authorization": "Basic ZGVwb3Q6ZGVwb3Q="], [:]] {
            let answer = try await receiver.call(
                "POST", "/capture", headers: headers.merging(["Content-Type": "application/ld+json"]) { a, _ in a }, body: small)
            #expect(answer.status == 401 && answer.headers["content-type"] == "application/problem+json", "\(answer)")
            #expect(answer.body.contains("epcisException:SecurityException") && !answer.body.contains("depot-token-1"))
        }
        let paused = try await receiver.call("POST", "/capture", headers: ["Authorization": "Bearer paused-token-2"], body: small)
        #expect(paused.status == 403 && paused.body.contains("capture.enabled"))
        // Too big by bytes (declared and streamed alike) and by events.
        let big = try Self.document(events: 40)
        let tooBig = try await receiver.call("POST", "/capture", headers: Self.bearer, body: big)
        #expect(tooBig.status == 413 && tooBig.headers["gs1-epcis-capture-file-size-limit"] == "2000", "\(tooBig)")
        #expect(tooBig.body.contains("CaptureLimitExceededException") && tooBig.body.contains("capture.maxBytes"))
        let chunked = try await receiver.call(
            "POST", "/capture", headers: Self.bearer.merging(["Transfer-Encoding": "chunked"]) { a, _ in a }, body: big)
        #expect(chunked.status == 413, "\(chunked)")
        let many = try await receiver.call("POST", "/capture", headers: Self.bearer, body: try Self.document(events: 4))
        #expect(many.status == 413 && many.headers["gs1-epcis-capture-limit"] == "3" && many.body.contains("capture.maxEvents"), "\(many)")
        // Not an EPCIS media type; an error behaviour we do not offer.
        let text = try await receiver.call(
            "POST", "/capture", headers: ["Authorization": "Bearer depot-token-1", "Content-Type": "text/plain"], body: small)
        #expect(text.status == 415)
        let proceed = try await receiver.call(
            "POST", "/capture", headers: Self.bearer.merging(["GS1-Capture-Error-Behaviour": "proceed"]) { a, _ in a }, body: small)
        #expect(proceed.status == 400 && proceed.body.contains("rollback"))
        #expect(try await receiver.inbound().isEmpty, "no refusal stored anything")

        // Discovery tells the partner its limits.
        let options = try await receiver.call("OPTIONS", "/capture", headers: Self.bearer)
        #expect(options.status == 204 && options.headers["gs1-epcis-capture-limit"] == "3" && options.headers["allow"] == "OPTIONS, POST, GET")
        #expect(options.headers["gs1-epcis-capture-file-size-limit"] == "2000" && options.headers["gs1-epcis-version"] == "2.0.0")

        // One key, three POSTs: one stored document, one job.
        let keyed = Self.bearer.merging(["Idempotency-Key": "depot-doc-7"]) { a, _ in a }
        let first = try await receiver.call("POST", "/capture", headers: keyed, body: small)
        #expect(first.status == 202 && first.headers["location"]?.hasPrefix("/capture/") == true, "\(first)")
        let again = try await receiver.call("POST", "/capture", headers: keyed, body: small)
        let changed = try await receiver.call("POST", "/capture", headers: keyed, body: try Self.document(events: 2))
        #expect(again.status == 202 && again.headers["location"] == first.headers["location"])
        #expect(changed.status == 202 && changed.headers["location"] == first.headers["location"], "the key names the document")
        let location = try #require(first.headers["location"])
        let job = try await receiver.finishedJob(location, headers: Self.bearer)
        #expect(
            job["success"] as? Bool == true && job["captureErrorBehaviour"] as? String == "rollback" && (job["errors"] as? [Any])?.isEmpty == true)
        #expect(job["captureID"] as? String == String(location.dropFirst("/capture/".count)))
        let rows = try await receiver.inbound()
        #expect(rows.count == 1 && rows.first?.partner == "depot" && rows.first?.payloadBytes == Int64(small.utf8.count))
        #expect(rows.first?.headers.contains("depot-token-1") == false, "the credential is not kept with the evidence")
        // Another partner cannot see depot's job; the list shows depot's own.
        let foreign = try await receiver.call("GET", location, cert: "clinic")
        #expect(foreign.status == 404 && foreign.body.contains("NoSuchResourceException"))
        let list = try await receiver.call("GET", "/capture", headers: Self.bearer)
        #expect(list.status == 200 && list.body.contains(rows[0].id))
        #expect(try await receiver.call("DELETE", location, headers: Self.bearer).status == 405)
        await receiver.stop()
    }

    @Test func aJobLeftRunningByACrashIsFinishedByTheNextStart() async throws {
        let id = UUID().uuidString.lowercased()
        let pending = InboundMessageRow(
            id: id, partner: "depot", messageID: "capture:\(id)", status: "processed", receivedAt: 1_764_000_000_000, disposition: "capture-running",
            reason: nil, headers: "Transport: https-capture", fileName: nil, contentType: "application/ld+json", signed: false, encrypted: false,
            compressed: false, mic: nil, micAlgorithm: "", valid: nil, validation: nil, mdnChannel: "none", mdnURL: nil, mdnHeaders: nil, mdnBody: nil
        )
        let receiver = try await Receiver(pending: pending)
        let job = try await receiver.finishedJob("/capture/\(id)", headers: Self.bearer)
        #expect(job["success"] as? Bool == true, "\(job)")
        #expect(try await receiver.inbound().first?.disposition == "captured")
        await receiver.stop()
    }
}
