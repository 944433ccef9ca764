// The SFTP transport's own upload and download, for Benchmarks/sftp-benchmarks.sh:
//   SFTPBenchmarks upload PORT KEY FINGERPRINT FILE      one delivery sent as the dispatcher sends it
//   SFTPBenchmarks download PORT KEY FINGERPRINT NAME    one pickup file fetched to a private file
// Prints the seconds the transfer took; the script reads peak RSS from /usr/bin/time.
import Foundation
import GatewayCore
import Partners
import Transports

let arguments = CommandLine.arguments
guard arguments.count == 6, let port = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: SFTPBenchmarks upload|download PORT KEY FINGERPRINT FILE|NAME\n".utf8))
    exit(2)
}
let settings = SFTPSettings(
    host: "127.0.0.1", port: port, user: "edipeer", privateKey: arguments[3],
    hostKey: SFTPSettings.HostKey(type: "ssh-ed25519", fingerprint: arguments[4]), directory: "/inbound",
    pickup: SFTPSettings.Pickup(directory: "/outbound", pattern: arguments[5], afterwards: .keep), timeout: .seconds(300))
let transport = SFTPTransport(settings: settings, secrets: SecretReader(environment: [:]), archive: NoArchive())
let start = ContinuousClock.now
switch arguments[1] {
case "upload":
    let file = arguments[5]
    let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
    let result = await transport.send(
        OutboundDocument(
            deliveryID: "bench", documentID: "bench", file: file, byteCount: size, contentType: "application/xml", attemptID: "bench",
            metadata: [SFTPNames.metadataKey: "bench-\(UUID().uuidString).xml"]))
    guard case .acknowledged = result else {
        print("upload failed: \(result)")
        exit(1)
    }
case "download":
    guard case .success(let files) = await transport.pickupCandidates(), let file = files.first else {
        print("download failed: no file \(arguments[5]) in /outbound")
        exit(1)
    }
    let local = NSTemporaryDirectory() + "/sftp-bench-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: local) }
    if case .failure(let error) = await transport.fetch(file, to: local) {
        print("download failed: \(error)")
        exit(1)
    }
default:
    exit(2)
}
let elapsed = ContinuousClock.now - start
print(String(format: "%.3f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))

/// Acknowledgement evidence is not part of these transfers.
struct NoArchive: MDNArchive {
    func keep(_ mdn: ReceivedMDN) async throws {}
    func received(messageKey: String) async throws -> [ReceivedMDN] { [] }
}
