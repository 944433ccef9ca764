import EPCIS
import Foundation
import Testing

/// Hostile and broken input fails fast with a clear, located error, in bounded time and memory.
struct HostileInputTests {
    static let minimal = """
        <epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z">
          <EPCISBody><EventList>
            <ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
              <epcList><epc>urn:epc:id:sgtin:030001.0012345.1</epc></epcList><action>ADD</action></ObjectEvent>
          </EventList></EPCISBody>
        </epcis:EPCISDocument>
        """

    static func readAll(_ text: String) throws -> [EPCISEvent] {
        try readAll(Array(text.utf8))
    }

    static func readAll(_ bytes: [UInt8]) throws -> [EPCISEvent] {
        let reader = try EPCISDocuments.open(bytes: bytes)
        var events: [EPCISEvent] = []
        while let event = try reader.next() { events.append(event) }
        return events
    }

    static func refusal(_ text: String) -> EPCISError? {
        refusal(Array(text.utf8))
    }

    static func refusal(_ bytes: [UInt8]) -> EPCISError? {
        do {
            _ = try readAll(bytes)
            return nil
        } catch let error as EPCISError {
            return error
        } catch {
            return nil
        }
    }

    @Test func theMinimalDocumentReads() throws {
        #expect(try Self.readAll(Self.minimal).count == 1)
    }

    @Test func externalEntitiesAreRefusedBeforeAnythingIsLoaded() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("xxe-\(UUID().uuidString).txt")
        try "TOP-SECRET".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let xxe =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM \"file://\(secret.path)\">]>\n"
            + Self.minimal.replacingOccurrences(of: "urn:epc:id:sgtin:030001.0012345.1", with: "&x;")
        let error = try #require(Self.refusal(xxe))
        #expect(error.code == .forbidden)
        #expect(error.message.contains("DOCTYPE with declarations"))
        #expect(error.location != nil)
        #expect(!error.description.contains("TOP-SECRET"))
        let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE d SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n" + Self.minimal
        #expect(Self.refusal(external)?.code == .forbidden)
    }

    @Test func billionLaughsIsRefusedQuickly() throws {
        var declarations = "<!ENTITY l0 \"lol\">"
        for level in 1...10 { declarations += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">" }
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE d [\(declarations)]>\n" + Self.minimal.replacingOccurrences(of: "ADD", with: "&l10;")
        let started = ContinuousClock.now
        let error = try #require(Self.refusal(bomb))
        #expect(error.code == .forbidden)
        #expect(ContinuousClock.now - started < .seconds(5), "a refusal must not expand anything")
    }

    @Test func tenThousandLevelsOfNestingFailFast() throws {
        let deep = String(repeating: "<x:a xmlns:x=\"urn:x\">", count: 10_000) + String(repeating: "</x:a>", count: 10_000)
        let xml = Self.minimal.replacingOccurrences(of: "<action>ADD</action>", with: "<action>ADD</action>" + deep)
        let error = try #require(Self.refusal(xml))
        #expect(error.code == .forbidden)
        #expect(error.message.contains("depth"))
        let json = "{\"type\": \"EPCISDocument\", \"x\": " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        let jsonError = try #require(Self.refusal(json))
        #expect(jsonError.code == .forbidden)
        #expect(jsonError.message.contains("nests deeper than 256"))
    }

    @Test func invalidUTF8IsRefusedWithItsPlace() throws {
        var bytes = Array(Self.minimal.utf8)
        let at = Self.minimal.utf8.distance(from: Self.minimal.utf8.startIndex, to: Self.minimal.range(of: "0012345")!.lowerBound)  // line 4
        bytes[at] = 0xC3
        bytes[at + 1] = 0x28
        let error = try #require(Self.refusal(bytes))
        #expect(error.code == .malformed)
        #expect(error.message.contains("UTF-8"))
        #expect(error.location?.hasPrefix("4:") == true)
        var json = Array("{\"type\": \"EPCISDocument\", \"creationDate\": \"x\"}".utf8)
        json[json.count - 3] = 0xFF
        let jsonError = try #require(Self.refusal(json))
        #expect(jsonError.code == .malformed)
        #expect(jsonError.message.contains("UTF-8"))
        #expect(jsonError.location == "1:43")  // the string holding the bad byte starts there
    }

    @Test func truncatedFilesSayTheyAreTruncated() throws {
        let bytes = Array(Self.minimal.utf8)
        let cut = Array(bytes.prefix(bytes.count / 2 + 40))
        let error = try #require(Self.refusal(cut))
        #expect(error.code == .malformed)
        #expect(error.location != nil)
        let json = Array("{\"type\": \"EPCISDocument\", \"epcisBody\": {\"eventList\": [".utf8)
        let jsonError = try #require(Self.refusal(json))
        #expect(jsonError.message.contains("truncated"))
    }

    @Test func wrongNamespaceOrRootIsNotEPCIS() throws {
        let wrong = Self.minimal.replacingOccurrences(of: "urn:epcglobal:epcis:xsd:2", with: "urn:example:not-epcis")
        let error = try #require(Self.refusal(wrong))
        #expect(error.code == .notEPCIS)
        #expect(error.message.contains("{urn:example:not-epcis}EPCISDocument"))
        let bare = "<ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime></ObjectEvent>"
        #expect(Self.refusal(bare)?.message.contains("bare event") == true)
        let json = "{\"type\": \"ObjectEvent\", \"eventTime\": \"2026-01-01T00:00:00Z\"}"
        #expect(Self.refusal(json)?.message.contains("bare event") == true)
    }

    @Test func realWorldVariantsAreReadWithWarnings() throws {
        let variant =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE project>\n"
            + Self.minimal
            .replacingOccurrences(of: "<eventTimeZoneOffset>+00:00</eventTimeZoneOffset>", with: "")
            .replacingOccurrences(of: "<action>ADD</action>", with: "<action>ADD</action><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>")
        let reader = try EPCISDocuments.open(bytes: Array(variant.utf8))
        let event = try #require(try reader.next())
        #expect(event.eventTimeZoneOffset == "+00:00")
        #expect(event.bizStep == "shipping")
        #expect(Set(reader.warnings.map(\.rule)) == ["xml-doctype", "missing-time-zone-offset"])
        #expect(reader.warnings.allSatisfy { $0.hint != nil && $0.line != nil })
        let duplicated = "{\"@context\": \"x\", \"type\": \"EPCISDocument\", \"type\": \"EPCISDocument\", \"epcisBody\": {\"eventList\": []}}"
        let jsonReader = try EPCISDocuments.open(bytes: Array(duplicated.utf8))
        #expect(jsonReader.warnings.map(\.rule) == ["json-duplicate-key"])
    }
}
