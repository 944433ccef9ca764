import Foundation
import Records
import Store
import StoreTestSupport
import Testing

/// Bad batches, each refused with a precise issue and no change to the store. They run on top
/// of the GS1 US R1.3 shipment, so transitions have real state to collide with.
@Suite("Bad input corpus")
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let code: RecordIssue.Code
        let line: Int
        let field: String
        var csv = false
        var testDescription: String { name }
    }

    static let item = #""gtin":"00300010123455""#
    static let time = #""time":"2023-04-02T09:00:00-05:00","site":"0300011111116""#
    static func commission(_ extra: String) -> String { #"{"id":"x1","kind":"commission",\#(time),\#(extra)}"# }
    static let good = commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":["9001"]"#)
    static func ship(_ items: String, shipment: String = "SHIP-2") -> String {
        #"{"id":"x9","kind":"ship","time":"2023-04-03T09:00:00-05:00","shipment":"\#(shipment)","from":{"party":"0300011111116","location":"0300011111215"},"to":{"party":"0399999999991","location":"0399993456780"},"purchaseOrder":"P9","items":[\#(items)]}"#
    }

    static let cases: [Case] = [
        // Malformed text
        Case(name: "truncated JSON", text: #"{"id":"x1","kind":"commission""#, code: .malformed, line: 1, field: ""),
        Case(name: "trailing comma", text: good + "\n" + #"{"id":"x2","kind":"product",}"#, code: .malformed, line: 2, field: ""),
        Case(name: "array instead of object", text: "[1,2]", code: .wrongType, line: 1, field: ""),
        Case(name: "duplicate key", text: #"{"id":"x1","id":"x2","kind":"product"}"#, code: .malformed, line: 1, field: "id"),
        Case(name: "invalid UTF-8 is refused", text: "{\"id\":\"x1\",\"kind\":\"\u{FFFD}\"}", code: .invalidValue, line: 1, field: "kind"),
        Case(name: "empty batch", text: "\n\n", code: .malformed, line: 0, field: ""),
        // Wrong types and missing fields
        Case(
            name: "serials as a string", text: commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":"9001""#),
            code: .wrongType, line: 1, field: "serials"),
        Case(
            name: "serial as a number", text: commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":[9001]"#),
            code: .wrongType, line: 1, field: "serials[0]"),
        Case(
            name: "GTIN as a number", text: commission(#""gtin":300010123455,"lot":"B1","expiry":"2027-01-31","serials":["1"]"#), code: .wrongType,
            line: 1, field: "gtin"),
        Case(
            name: "missing lot", text: commission(#""gtin":"00300010123455","expiry":"2027-01-31","serials":["1"]"#), code: .missingField, line: 1,
            field: "lot"),
        Case(name: "missing id", text: #"{"kind":"commission",\#(time),"ssccs":["403000112345678918"]}"#, code: .missingField, line: 1, field: "id"),
        Case(name: "unknown kind", text: #"{"id":"x1","kind":"teleport"}"#, code: .invalidValue, line: 1, field: "kind"),
        Case(
            name: "unknown field", text: commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":["1"],"colour":"red""#),
            code: .unknownField, line: 1, field: "colour"),
        Case(
            name: "serials and ssccs together",
            text: commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":["1"],"ssccs":["403000112345678918"]"#),
            code: .missingField, line: 1, field: "ssccs"),
        Case(
            name: "empty serial list", text: commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":[]"#), code: .wrongType,
            line: 1, field: "serials"),
        Case(
            name: "dropShipment as text",
            text: ship(#"{"sscc":"403000112345678901"}"#).replacingOccurrences(of: #""items""#, with: #""dropShipment":"no","items""#),
            code: .wrongType, line: 1, field: "dropShipment"),
        // Bad values
        Case(
            name: "GTIN check digit", text: commission(#""gtin":"00300010123456","lot":"B1","expiry":"2027-01-31","serials":["1"]"#),
            code: .invalidValue, line: 1, field: "gtin"),
        Case(
            name: "GLN check digit",
            text: #"{"id":"x1","kind":"commission","time":"2023-04-02T09:00:00-05:00","site":"0300011111117","ssccs":["403000112345678918"]}"#,
            code: .invalidValue, line: 1, field: "site"),
        Case(name: "SSCC check digit", text: commission(#""ssccs":["403000112345678919"]"#), code: .invalidValue, line: 1, field: "ssccs[0]"),
        Case(
            name: "serial too long",
            text: commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":["123456789012345678901"]"#), code: .invalidValue,
            line: 1, field: "serials[0]"),
        Case(
            name: "serial outside the GS1 set", text: commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-01-31","serials":["AB#1"]"#),
            code: .invalidValue, line: 1, field: "serials[0]"),
        Case(
            name: "expiry 30 February", text: commission(#""gtin":"00300010123455","lot":"B1","expiry":"2027-02-30","serials":["1"]"#),
            code: .invalidValue, line: 1, field: "expiry"),
        Case(
            name: "time without offset",
            text: #"{"id":"x1","kind":"commission","time":"2023-04-02T09:00:00","site":"0300011111116","ssccs":["403000112345678918"]}"#,
            code: .invalidValue, line: 1, field: "time"),
        Case(
            name: "NDC not in the GTIN",
            text:
                #"{"id":"x1","kind":"product","gtin":"00300010123455","ndc":"0002-0123-45","name":"N","dosageForm":"PILL","strength":"1mg","containerSize":"1","manufacturer":"M","companyPrefixLength":6}"#,
            code: .invalidValue, line: 1, field: "ndc"),
        Case(
            name: "NDC without hyphens",
            text:
                #"{"id":"x1","kind":"product","gtin":"00300010123455","ndc":"0001012345","name":"N","dosageForm":"PILL","strength":"1mg","containerSize":"1","manufacturer":"M","companyPrefixLength":6}"#,
            code: .invalidValue, line: 1, field: "ndc"),
        Case(
            name: "company prefix length 13",
            text:
                #"{"id":"x1","kind":"location","gln":"0300011111116","companyPrefixLength":13,"name":"N","address":{"street1":"s","city":"c","state":"CA","postalCode":"1","country":"US"}}"#,
            code: .invalidValue, line: 1, field: "companyPrefixLength"),
        Case(
            name: "country not ISO",
            text:
                #"{"id":"x1","kind":"location","gln":"0300011111116","companyPrefixLength":6,"name":"N","address":{"street1":"s","city":"c","state":"CA","postalCode":"1","country":"USA"}}"#,
            code: .invalidValue, line: 1, field: "address.country"),
        Case(
            name: "record id with a space", text: #"{"id":"x 1","kind":"commission",\#(time),"ssccs":["403000112345678918"]}"#, code: .invalidValue,
            line: 1, field: "id"),
        Case(
            name: "unknown status", text: #"{"id":"x1","kind":"status","time":"2023-04-02T09:00:00-05:00","status":"lost","gtin":"00300010123455"}"#,
            code: .invalidValue, line: 1, field: "status"),
        Case(
            name: "product-level expiry extension",
            text:
                #"{"id":"x1","kind":"status","time":"2023-04-02T09:00:00-05:00","status":"expiry-extension","gtin":"00300010123455","newExpiry":"2027-01-31"}"#,
            code: .missingField, line: 1, field: "lot"),
        // Master data and references
        Case(
            name: "unknown GTIN", text: commission(#""gtin":"00300010999999","lot":"B1","expiry":"2027-01-31","serials":["1"]"#),
            code: .unknownMasterData, line: 1, field: "gtin"),
        Case(
            name: "status for an unknown GTIN",
            text: #"{"id":"x1","kind":"status","time":"2023-04-02T09:00:00-05:00","status":"recall","gtin":"00300010999999"}"#,
            code: .unknownMasterData, line: 1, field: "gtin"),
        Case(
            name: "record id reused with other content", text: #"{"id":"c-packs","kind":"commission",\#(time),"ssccs":["403000112345678918"]}"#,
            code: .conflictingRecord, line: 1, field: "id"),
        Case(
            name: "same id twice in a batch, different content", text: good + "\n" + commission(#""ssccs":["403000112345678918"]"#),
            code: .conflictingRecord, line: 2, field: "id"),
        // Duplicates and illegal transitions
        Case(
            name: "serial commissioned before", text: commission(#""gtin":"00300010123455","lot":"A123","expiry":"2025-03-27","serials":["11"]"#),
            code: .duplicateSerial, line: 1, field: "serials[0]"),
        Case(
            name: "SSCC commissioned before", text: commission(#""ssccs":["403000112345678901"]"#), code: .duplicateSerial, line: 1, field: "ssccs[0]"
        ),
        Case(
            name: "serial twice in one batch",
            text: good + "\n" + #"{"id":"x2","kind":"commission",\#(time),\#(item),"lot":"B1","expiry":"2027-01-31","serials":["9001"]}"#,
            code: .duplicateSerial, line: 2, field: "serials[0]"),
        Case(name: "ship an uncommissioned serial", text: ship(#"{\#(item),"serial":"777"}"#), code: .illegalTransition, line: 1, field: "items[0]"),
        Case(
            name: "ship again what already left", text: ship(#"{"sscc":"403000112345678901"}"#), code: .illegalTransition, line: 1, field: "items[0]"),
        Case(
            name: "shipment id taken", text: good + "\n" + ship(#"{\#(item),"serial":"9001"}"#, shipment: "SHIP-1"), code: .duplicateReference,
            line: 2, field: "shipment"),
        Case(
            name: "pack a shipped item",
            text: good + "\n"
                + #"{"id":"x2","kind":"aggregate","time":"2023-04-02T10:00:00-05:00","site":"0300011111116","parent":{\#(item),"serial":"9001"},"children":[{\#(item),"serial":"11"}]}"#,
            code: .illegalTransition, line: 2, field: "children[0]"),
        Case(
            name: "a container inside itself",
            text: good + "\n"
                + #"{"id":"x2","kind":"aggregate","time":"2023-04-02T10:00:00-05:00","site":"0300011111116","parent":{\#(item),"serial":"9001"},"children":[{\#(item),"serial":"9001"}]}"#,
            code: .aggregationCycle, line: 2, field: "children[0]"),
        Case(
            name: "disaggregate from the wrong parent",
            text: good + "\n"
                + #"{"id":"x2","kind":"disaggregate","time":"2023-04-02T10:00:00-05:00","site":"0300011111116","parent":{\#(item),"serial":"9001"},"children":[{\#(item),"serial":"11"}]}"#,
            code: .illegalTransition, line: 2, field: "children[0]"),
        Case(
            name: "decommission a shipped item", text: #"{"id":"x1","kind":"decommission",\#(time),"items":[{\#(item),"serial":"12"}]}"#,
            code: .illegalTransition, line: 1, field: "items[0]"),
        Case(
            name: "receive what was never shipped",
            text: good + "\n"
                + #"{"id":"x2","kind":"receive","time":"2023-04-02T10:00:00-05:00","site":"0300011111116","items":[{\#(item),"serial":"9001"}]}"#,
            code: .illegalTransition, line: 2, field: "items[0]"),
        Case(
            name: "ship before commissioning",
            text: good.replacingOccurrences(of: "2023-04-02T09", with: "2023-04-05T09") + "\n" + ship(#"{\#(item),"serial":"9001"}"#),
            code: .illegalTransition, line: 2, field: "time"),
        // CSV
        Case(
            name: "CSV unknown column",
            text:
                "id,kind,time,site,gtin,lot,expiry,serial,colour\nx1,commission,2023-04-02T09:00:00-05:00,0300011111116,00300010123455,B1,2027-01-31,1,red\n",
            code: .malformed, line: 1, field: "colour", csv: true),
        Case(
            name: "CSV rows of one record disagree",
            text:
                "id,kind,time,site,gtin,lot,expiry,serial\nx1,commission,2023-04-02T09:00:00-05:00,0300011111116,00300010123455,B1,2027-01-31,1\nx1,commission,2023-04-02T09:00:00-05:00,0300011111116,00300010123455,B2,2027-01-31,2\n",
            code: .malformed, line: 3, field: "lot", csv: true),
        Case(
            name: "CSV bad serial on its own row",
            text:
                "id,kind,time,site,gtin,lot,expiry,serial\nx1,commission,2023-04-02T09:00:00-05:00,0300011111116,00300010123455,B1,2027-01-31,1\nx1,,,,,,,AB#2\n",
            code: .invalidValue, line: 3, field: "serial", csv: true),
        Case(
            name: "CSV short row", text: "id,kind,time,site,gtin,lot,expiry,serial\nx1,commission,2023-04-02T09:00:00-05:00\n", code: .malformed,
            line: 2, field: "", csv: true),
        Case(
            name: "CSV unclosed quote", text: "id,kind,time,site,sscc\nx1,commission,\"2023-04-02T09:00:00-05:00,0300011111116,403000112345678918\n",
            code: .malformed, line: 2, field: "", csv: true),
    ]

    @Test("every bad batch is refused with its line, field and reason, and the store is unchanged", arguments: Engine.allCases)
    func corpus(engine: Engine) async throws {
        #expect(Self.cases.count >= 40)
        guard let store = try await engine.makeStore() else { return }
        _ = try await store.ingest(try Fixtures.r13, batch: "r13")
        let before = try await store.counts()
        for badCase in Self.cases {
            let bytes = Array(badCase.text.utf8)
            let records: [FeedRecord]
            do {
                records = try RecordFeed.parse(bytes, format: badCase.csv ? .csv : .jsonLines)
            } catch {
                check(badCase, error.issues)
                continue
            }
            do {
                _ = try await store.ingest(records, batch: badCase.name)
                Issue.record("\(badCase.name): accepted")
            } catch let error as BatchRejected {
                check(badCase, error.issues)
            }
            #expect(try await store.counts() == before, "\(badCase.name) changed the store")
        }
        try await store.close()
    }

    private func check(_ badCase: Case, _ issues: [RecordIssue]) {
        let match = issues.first { $0.code == badCase.code && $0.line == badCase.line && $0.field == badCase.field }
        #expect(match != nil, "\(badCase.name): expected \(badCase.code) at line \(badCase.line) field '\(badCase.field)', got \(issues)")
        #expect(issues.allSatisfy { !$0.reason.isEmpty && !$0.hint.isEmpty }, "\(badCase.name): an issue without reason or hint")
    }
}
