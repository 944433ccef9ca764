import Foundation
import GS1
import Records
import Store

// Seeds a store for the VRS benchmark (Benchmarks/vrs-benchmarks.sh): ten products under the
// company prefix 030001, each with SERIALS / 10 serials `S0000000`… of lot L1, expiry
// 2030-06-15. Usage: VRSBenchmarks seed STORE SERIALS
let arguments = CommandLine.arguments
guard arguments.count == 4, arguments[1] == "seed", let total = Int(arguments[3]), total >= 10 else {
    FileHandle.standardError.write(Data("usage: VRSBenchmarks seed STORE SERIALS\n".utf8))
    exit(64)
}

/// The benchmark's GTINs: item references 0123450…0123459 under prefix 030001.
func gtins() throws -> [String] { try (0..<10).map { try GTIN(payload: "003000101234\($0)").value } }

func ndc(_ gtin: String) -> String {
    let digits = Array(gtin.dropFirst(3).prefix(10))
    return "\(String(digits[0..<4]))-\(String(digits[4..<8]))-\(String(digits[8..<10]))"
}

// The store holds what a real one would: this user's only, like every file the CLI writes.
umask(0o077)
let started = Date()
let store = try await StoreLocation.open(arguments[2])
var lines: [String] = try gtins().map { gtin in
    "{\"id\": \"p-\(gtin)\", \"kind\": \"product\", \"gtin\": \"\(gtin)\", \"ndc\": \"\(ndc(gtin))\", \"name\": \"Bench\", \"dosageForm\": \"PILL\", \"strength\": \"1mg\", \"containerSize\": \"30\", \"manufacturer\": \"Bench Pharma\", \"companyPrefixLength\": 6}"
}
_ = try await store.ingest(try RecordFeed.parse(Array(lines.joined(separator: "\n").utf8), format: .jsonLines), batch: "bench-products")
let perGTIN = total / 10
let perRecord = 1_000
var batch = 0
for (index, gtin) in try gtins().enumerated() {
    var first = 0
    while first < perGTIN {
        lines = []
        // 100 records of 1 000 serials per ingest call.
        for _ in 0..<100 where first < perGTIN {
            let count = min(perRecord, perGTIN - first)
            let serials = (first..<first + count).map { "\"S\(String(repeating: "0", count: 7 - String($0).count))\($0)\"" }
            lines.append(
                "{\"id\": \"c-\(index)-\(first)\", \"kind\": \"commission\", \"time\": \"2026-01-01T00:00:00Z\", \"site\": \"0300011111116\", \"gtin\": \"\(gtin)\", \"lot\": \"L1\", \"expiry\": \"2030-06-15\", \"serials\": [\(serials.joined(separator: ","))]}"
            )
            first += count
        }
        batch += 1
        _ = try await store.ingest(try RecordFeed.parse(Array(lines.joined(separator: "\n").utf8), format: .jsonLines), batch: "bench-\(batch)")
    }
}
let counts = try await store.counts()
try await store.close()
print("seeded \(counts.unitsByPhase.values.reduce(0, +)) serials in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
