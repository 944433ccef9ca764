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

    @Test func aPastedLookAlikeIsNamedByItsCodePointWithLibxml2sReason() throws {
        // encoding="UTF‐8" with U+2010 HYPHEN, as pasted from a PDF: from memory and from a file.
        let declared = "<?xml version=\"1.0\" encoding=\"UTF\u{2010}8\"?>\n" + Self.minimal
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hyphen-\(UUID().uuidString).xml").path
        try declared.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromFile = EPCISValidator.validate(path: file, schemas: nil)
        let issue = try #require(fromFile.issues.first)
        #expect(!fromFile.valid && issue.rule == "epcis:malformed" && issue.line == 1 && issue.column != nil, "\(issue)")
        // libxml2's own words come first (which of its two errors depends on the read path).
        #expect(
            issue.message.hasPrefix("String not closed expecting") || issue.message.hasPrefix("parsing XML declaration: '?>' expected"),
            "\(issue.message)")
        #expect(issue.message.contains("U+2010 HYPHEN in the encoding name") && issue.message.contains("encoding=\"UTF-8\""), "\(issue.message)")
        #expect(!issue.message.contains("the XML parser stopped"))
        let fromMemory = try #require(Self.refusal(declared))
        #expect(fromMemory.message.contains("U+2010 HYPHEN"))
        // A curly quote inside an element: the character at the parser's column.
        let curly = Self.minimal.replacingOccurrences(of: "<ObjectEvent>", with: "<ObjectEvent \u{201C}x\u{201D}=\"1\">")
        let quoted = try #require(Self.refusal(curly))
        #expect(quoted.code == .malformed && quoted.location?.hasPrefix("3:") == true, "\(quoted)")
        #expect(quoted.message.contains("U+201C LEFT DOUBLE QUOTATION MARK"), "\(quoted.message)")
        // Plain ASCII mistakes keep libxml2's message without a guessed character.
        let missing = try #require(Self.refusal(Self.minimal.replacingOccurrences(of: "</action>", with: "</acton>")))
        #expect(missing.message.contains("mismatch") && !missing.message.contains("U+"), "\(missing.message)")
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
