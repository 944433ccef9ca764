import EPCIS
import Foundation
import GatewayCore
import Records
import TestSupport
import Testing

/// `Schemas/records-feed.schema.json` documents the feed; these tests hold it to the parser.
@Suite("Records feed schema")
struct FeedSchemaTests {
    static let schemaURL = SharedReference.projectRoot.appendingPathComponent("Schemas/records-feed.schema.json")
    static let fixture = SharedReference.projectRoot.appendingPathComponent("Tests/StoreTests/Fixtures/gs1us-r13-direct-purchase.jsonl")

    /// Records the parser refuses for their shape (types, fields, kinds), one per line.
    static let badShapes = [
        #"{"id":"x1","kind":"commission","time":"2023-04-02T09:00:00-05:00","site":"0300011111116","gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":"9001"}"#,
        #"{"id":"x1","kind":"commission","time":"2023-04-02T09:00:00-05:00","site":"0300011111116","gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":[9001]}"#,
        #"{"id":"x1","kind":"commission","time":"2023-04-02T09:00:00-05:00","site":"0300011111116","gtin":"00300010123455","expiry":"2027-01-31","serials":["1"]}"#,
        #"{"id":"x1","kind":"commission","time":"2023-04-02T09:00:00-05:00","site":"0300011111116","gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":["1"],"ssccs":["403000112345678918"]}"#,
        #"{"id":"x1","kind":"commission","time":"2023-04-02T09:00:00","site":"0300011111116","ssccs":["403000112345678918"]}"#,
        #"{"id":"x1","kind":"teleport"}"#,
        #"{"kind":"commission","time":"2023-04-02T09:00:00-05:00","site":"0300011111116","ssccs":["403000112345678918"]}"#,
        #"{"id":"x 1","kind":"commission","time":"2023-04-02T09:00:00-05:00","site":"0300011111116","ssccs":["403000112345678918"]}"#,
        #"{"id":"x1","kind":"location","gln":"0300011111116","companyPrefixLength":13,"name":"N","address":{"street1":"s","city":"c","state":"CA","postalCode":"1","country":"US"}}"#,
        #"{"id":"x1","kind":"location","gln":"0300011111116","companyPrefixLength":6,"name":"N","address":{"street1":"s","city":"c","state":"CA","postalCode":"1","country":"USA"}}"#,
        #"{"id":"x1","kind":"status","time":"2023-04-02T09:00:00-05:00","status":"lost","gtin":"00300010123455"}"#,
        #"{"id":"x1","kind":"aggregate","time":"2023-04-02T09:00:00-05:00","site":"0300011111116","parent":{"gtin":"00300010123455"},"children":[{"sscc":"403000112345678918"}]}"#,
        #"{"id":"x1","kind":"ship","time":"2023-04-02T09:00:00-05:00","shipment":"S","from":{"party":"0300011111116"},"to":{"party":"0399999999991","location":"0399993456780"},"purchaseOrder":"P","items":[{"sscc":"403000112345678918"}]}"#,
    ]

    @Test("the R1.3 fixture is valid and every badly shaped record invalid, for the gateway, its Swift validator and python jsonschema")
    func agreement() throws {
        let schema = try JSONSchema(schema: JSONParser.parse(Array(try Data(contentsOf: Self.schemaURL))))
        let good = try String(contentsOf: Self.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(try RecordFeed.parse(Array(good.joined(separator: "\n").utf8)).count == good.count)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feed-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [(URL, Bool)] = []
        for (index, line) in (good.map { ($0, true) } + Self.badShapes.map { ($0, false) }).enumerated() {
            let value = try JSONParser.parse(Array(line.0.utf8))
            #expect(schema.isValid(value) == line.1, "Swift validator, line \(index): \(line.0)")
            if !line.1 { #expect(throws: BatchRejected.self, "gateway accepted \(line.0)") { try RecordFeed.parse(Array(line.0.utf8)) } }
            let file = directory.appendingPathComponent("\(index).json")
            try Data(line.0.utf8).write(to: file)
            files.append((file, line.1))
        }
        let verdicts = try PythonJSONSchema.validate(files.map(\.0), schema: Self.schemaURL)
        for (file, valid) in files { #expect((verdicts[file.path] ?? nil) == nil ? valid : !valid, "python jsonschema on \(file.lastPathComponent)") }
    }
}
