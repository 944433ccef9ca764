internal import COpenSSL
internal import GS1

/// CBV 2.0 event hash IDs: `ni:///sha-256;<lowercase hex>?ver=CBV2.0`.
///
/// The pre-hash string follows the algorithm as written (CBV 2.0 §8.9 and the reference
/// implementation's README) by default, not the reference tool's deviations: in particular
/// `sourceList` comes before `destinationList`, and ILMD keys are always `{namespace}localName`
/// (``Profile/referenceTool`` gives the tool's field order where a partner needs its IDs). Values are
/// canonicalised: times to UTC with at least millisecond digits, CBV values to Web URIs, EPC URIs
/// to GS1 Digital Links on `https://id.gs1.org`, decimals without trailing zeros.
public enum EventHash {
    /// Which field order the pre-hash string uses.
    public enum Profile: Sendable {
        /// The algorithm as written (CBV 2.0 and the reference implementation's README). The default.
        case cbv20
        /// The order the reference tool (epcis-event-hash-generator 1.9.3) really produces, for
        /// matching IDs a partner computed with it: `parentID` before `epcList`, and
        /// `bizTransactionList`, `destinationList`, `ilmd`, `sourceList` (sorted by name) after
        /// `sensorElementList`. Its other deviations (ILMD keys spelled `cbvmda:` when read from
        /// JSON-LD, numbers passed through a float) are bugs, not reproduced.
        case referenceTool
    }

    /// The hash ID of an event.
    ///
    /// Left out, as the algorithm says: `eventID`, `recordTime`, `errorDeclaration` and
    /// `rdfs:comment` notes.
    ///
    /// - Throws: ``EPCISError`` `invalidEvent` for an unreadable time.
    public static func id(of event: EPCISEvent, profile: Profile = .cbv20) throws -> String {
        id(forPreHashString: try preHashString(of: event, profile: profile))
    }

    /// The hash ID of a pre-hash string (for comparing with other implementations' strings).
    public static func id(forPreHashString preHash: String) -> String {
        let digest = sha256(Array(preHash.utf8))
        var hex = "ni:///sha-256;"
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return hex + "?ver=CBV2.0"
    }

    private static let hexDigits = Array("0123456789abcdef")

    /// The canonical pre-hash string of an event (exposed for diagnostics and tests).
    public static func preHashString(of event: EPCISEvent, profile: Profile = .cbv20) throws -> String {
        let childList = event.type == .aggregation || event.type == .association
        // Segments in the written order; the reference-tool profile moves some of them.
        var segments: [(field: String, text: String)] = []
        func add(_ field: String, _ text: String) { if !text.isEmpty { segments.append((field, text)) } }
        add("eventType", "eventType=\(event.type.rawValue)")
        let time = { (text: String) in profile == .referenceTool ? try roundedToMilliseconds(utc(text)) : try utc(text) }
        add("eventTime", "eventTime=" + (try time(event.eventTime)))
        add("eventTimeZoneOffset", "eventTimeZoneOffset=" + event.eventTimeZoneOffset)
        add("certificationInfo", event.certificationInfo.map { "certificationInfo=" + $0 } ?? "")
        if !childList { add("epcList", list("epcList", event.epcList.map { "epc=" + identifier($0) })) }
        add("parentID", event.parentID.map { "parentID=" + identifier($0) } ?? "")
        add("inputEPCList", list("inputEPCList", event.inputEPCList.map { "epc=" + identifier($0) }))
        if childList { add("childEPCs", list("childEPCs", event.epcList.map { "epc=" + identifier($0) })) }
        add("quantityList", list(childList ? "childQuantityList" : "quantityList", event.quantityList.map(quantity)))
        add("inputQuantityList", list("inputQuantityList", event.inputQuantityList.map(quantity)))
        add("outputEPCList", list("outputEPCList", event.outputEPCList.map { "epc=" + identifier($0) }))
        add("outputQuantityList", list("outputQuantityList", event.outputQuantityList.map(quantity)))
        add("action", event.action.map { "action=" + $0.rawValue } ?? "")
        add("transformationID", event.transformationID.map { "transformationID=" + identifier($0) } ?? "")
        add("bizStep", event.bizStep.map { "bizStep=" + web(.bizStep, $0) } ?? "")
        add("disposition", event.disposition.map { "disposition=" + web(.disposition, $0) } ?? "")
        if !event.persistentDispositionSet.isEmpty || !event.persistentDispositionUnset.isEmpty {
            add(
                "persistentDisposition",
                "persistentDisposition" + event.persistentDispositionSet.map { "set=" + web(.disposition, $0) }.sorted(by: byteOrder).joined()
                    + event.persistentDispositionUnset.map { "unset=" + web(.disposition, $0) }.sorted(by: byteOrder).joined())
        }
        add("readPoint", event.readPoint.map { "readPointid=" + identifier($0) + extensions(event.readPointExtensions) } ?? "")
        add("bizLocation", event.bizLocation.map { "bizLocationid=" + identifier($0) + extensions(event.bizLocationExtensions) } ?? "")
        add(
            "bizTransactionList",
            list(
                "bizTransactionList",
                event.bizTransactions.map {
                    ($0.type.map { "type=" + web(.bizTransactionType, $0) } ?? "") + "bizTransaction=" + identifier($0.value)
                }))
        add(
            "sourceList",
            list(
                "sourceList",
                event.sources.map { ($0.type.map { "type=" + web(.sourceDestinationType, $0) } ?? "") + "source=" + identifier($0.value) }))
        add(
            "destinationList",
            list(
                "destinationList",
                event.destinations.map { ($0.type.map { "type=" + web(.sourceDestinationType, $0) } ?? "") + "destination=" + identifier($0.value) }))
        add("sensorElementList", list("sensorElementList", try event.sensorElements.map { try sensorElement($0, time: time) }))
        add("ilmd", list("ilmd", event.ilmd.map(extensionString)))
        add("extensions", extensions(event.extensions))
        if profile == .referenceTool {
            if let parent = segments.firstIndex(where: { $0.field == "parentID" }), let epcs = segments.firstIndex(where: { $0.field == "epcList" }),
                epcs < parent
            {
                segments.insert(segments.remove(at: parent), at: epcs)
            }
            let late: Set<String> = ["bizTransactionList", "sourceList", "destinationList", "ilmd"]
            let moved = segments.filter { late.contains($0.field) }.sorted { byteOrder($0.field, $1.field) }
            segments.removeAll { late.contains($0.field) }
            segments.insert(contentsOf: moved, at: segments.firstIndex { $0.field == "extensions" } ?? segments.endIndex)
        }
        return segments.map(\.text).joined()
    }

    // MARK: - Sensor data

    /// The standard attributes of sensorMetadata and sensorReport, in the algorithm's order.
    private static let metadataOrder = ["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules"]
    private static let reportOrder = [
        "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value",
        "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
        "percValue", "uom", "coordinateReferenceSystem",
    ]
    private static let timeFields: Set<String> = ["time", "startTime", "endTime"]
    private static let numberFields: Set<String> = ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"]

    /// `sensorElement` followed by its metadata, its reports and its extensions, each sorted.
    private static func sensorElement(_ element: XMLElement, time: (String) throws -> String) throws -> String {
        var parts: [String] = []
        var foreign: [String] = []
        for case .element(let child) in element.children {
            if child.namespace == nil && child.name == "sensorMetadata" {
                parts.append("sensorMetadata" + (try sensorFields(child, order: metadataOrder, time: time)))
            } else if child.namespace == nil && child.name == "sensorReport" {
                parts.append("sensorReport" + (try sensorFields(child, order: reportOrder, time: time)))
            } else if child.namespace != nil {
                foreign.append(extensionString(child))
            }
        }
        return "sensorElement" + parts.sorted(by: byteOrder).joined() + foreign.sorted(by: byteOrder).joined()
    }

    /// The standard attributes in order, canonicalised, then attributes of other namespaces as
    /// `{namespace}name=value`, sorted.
    private static func sensorFields(_ element: XMLElement, order: [String], time: (String) throws -> String) throws -> String {
        var out = ""
        for name in order {
            guard let raw = element.attribute(name)?.trimmingCharacters(in: " \t\r\n"), !raw.isEmpty else { continue }
            let value: String
            switch name {
            case _ where timeFields.contains(name): value = try time(raw)
            case _ where numberFields.contains(name): value = decimal(raw)
            case "type", "exception": value = raw.contains(":") ? raw : XMLNamespace.gs1Vocabulary + raw
            case "component": value = raw.contains(":") ? raw : "https://ref.gs1.org/cbv/Comp-" + raw
            case "stringValue", "booleanValue", "hexBinaryValue", "uom": value = raw
            default: value = identifier(raw)
            }
            out += name + "=" + value
        }
        // Attributes the standard does not list (unqualified ones such as a sensorReport's
        // bizRules, then other namespaces) follow, sorted, so that no data escapes the hash.
        let known = Set(order)
        let other = element.attributes.filter { $0.namespace != XMLNamespace.xsi && !($0.namespace == nil && known.contains($0.name)) }
        return out + other.map { ($0.namespace.map { "{\($0)}" } ?? "") + $0.name + "=" + extensionValue($0.value) }.sorted(by: byteOrder).joined()
    }

    // MARK: - Canonical values

    /// Case-sensitive byte order, as the algorithm sorts.
    private static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    private static func list(_ name: String, _ children: [String]) -> String {
        children.isEmpty ? "" : name + children.sorted(by: byteOrder).joined()
    }

    private static func quantity(_ element: QuantityElement) -> String {
        "quantityElementepcClass=" + identifier(element.epcClass) + (element.quantity.map { "quantity=" + decimal($0) } ?? "")
            + (element.uom.map { "uom=" + $0 } ?? "")
    }

    private static func web(_ vocabulary: CBVVocabulary, _ value: String) -> String {
        vocabulary.bareWord(value).map { vocabulary.webPrefix + $0 } ?? value
    }

    /// EPC URNs and Digital Links become canonical Digital Links; anything else passes through trimmed.
    static func identifier(_ value: String) -> String { HashIdentifiers.canonical(value) }

    /// `{namespace}name=value` for a text element; `{namespace}name` followed by its sorted
    /// children and attributes (each `{namespace}name=value`) otherwise. EPC URNs in values
    /// become Digital Links, as in standard fields.
    private static func extensionString(_ element: XMLElement) -> String {
        let name = (element.namespace.map { "{\($0)}" } ?? "") + element.name
        let children = element.children.compactMap { child -> XMLElement? in if case .element(let e) = child { e } else { nil } }
        let attributes = element.attributes.filter { $0.namespace != XMLNamespace.xsi }
        if children.isEmpty && attributes.isEmpty { return name + "=" + extensionValue(element.text) }
        let parts =
            children.filter { !isComment($0) }.map(extensionString)
            + attributes.map { ($0.namespace.map { "{\($0)}" } ?? "") + $0.name + "=" + extensionValue($0.value) }
        return name + parts.sorted(by: byteOrder).joined()
    }

    private static func extensionValue(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: " \t\r\n")
        return trimmed.hasPrefix("urn:epc:") ? identifier(trimmed) : trimmed
    }

    /// User extensions of an event, readPoint or bizLocation: sorted `{ns}name…` strings.
    private static func extensions(_ elements: [XMLElement]) -> String {
        elements.filter { !isComment($0) }.map(extensionString).sorted(by: byteOrder).joined()
    }

    /// `rdfs:comment` is a note about the event, not part of it: the hash leaves it out.
    private static func isComment(_ element: XMLElement) -> Bool {
        element.namespace == "http://www.w3.org/2000/01/rdf-schema#" && element.name == "comment"
    }

    /// Trailing fractional zeros removed, `1.0` → `1`.
    static func decimal(_ text: String) -> String {
        var value = text.trimmingCharacters(in: " \t\r\n")
        guard value.contains("."), !value.contains("e"), !value.contains("E") else { return value }
        while value.hasSuffix("0") { value.removeLast() }
        if value.hasSuffix(".") { value.removeLast() }
        return value
    }

    /// An xsd:dateTime converted to UTC `YYYY-MM-DDThh:mm:ss.fffZ` (all significant fractional
    /// digits kept, padded to at least three, as CBV 2.0 says).
    static func utc(_ text: String) throws -> String {
        let bytes = Array(text.trimmingCharacters(in: " \t\r\n").utf8)
        func number(_ range: Range<Int>) -> Int? { decimalNumber(bytes, range) }
        guard bytes.count >= 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19)
        else {
            throw EPCISError(.invalidEvent, "'\(text)' is not an xsd:dateTime (YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm))")
        }
        var index = 19
        var fraction = ""
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                fraction.append(Character(Unicode.Scalar(bytes[index])))
                index += 1
            }
        }
        // The same instant hashes alike: zeros past the third digit say nothing (12:58:56.000000 = 12:58:56.000).
        while fraction.count > 3 && fraction.hasSuffix("0") { fraction.removeLast() }
        while fraction.count < 3 { fraction += "0" }
        var offsetMinutes = 0
        if index < bytes.count {
            if bytes[index] == 0x5A, index + 1 == bytes.count {
                offsetMinutes = 0
            } else if (bytes[index] == 0x2B || bytes[index] == 0x2D), index + 6 == bytes.count, bytes[index + 3] == 0x3A,
                let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6)
            {
                offsetMinutes = (hours * 60 + minutes) * (bytes[index] == 0x2D ? -1 : 1)
            } else {
                throw EPCISError(.invalidEvent, "'\(text)' has an unreadable time zone; use Z or ±hh:mm")
            }
        } else {
            throw EPCISError(.invalidEvent, "'\(text)' has no time zone; EPCIS times need Z or ±hh:mm")
        }
        // Days since 1970-01-01 (proleptic Gregorian), then shift by the offset.
        let days = daysFromCivil(year, month, day)
        let total = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second
        return format(total, fraction: fraction)
    }

    /// A UTC time from ``utc(_:)`` rounded half-up to exactly three fractional digits (what CBV
    /// 2.1 and the reference tool do).
    static func roundedToMilliseconds(_ time: String) throws -> String {
        let fraction = time.dropFirst(20).dropLast()
        guard fraction.count > 3, let first = Int(fraction.prefix(3)), let next = fraction.dropFirst(3).first else { return time }
        let milliseconds = first + (next >= "5" ? 1 : 0)
        if milliseconds < 1000 { return time.prefix(20) + String(1000 + milliseconds).dropFirst() + "Z" }
        // Carry into the seconds (and on through the calendar).
        let digits = Array(time.utf8)
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let days = daysFromCivil(number(0..<4), number(5..<7), number(8..<10))
        return format(((days * 24 + number(11..<13)) * 60 + number(14..<16)) * 60 + number(17..<19) + 1, fraction: "000")
    }

    /// `YYYY-MM-DDThh:mm:ss.<fraction>Z` for seconds since 1970-01-01T00:00:00Z.
    private static func format(_ total: Int, fraction: String) -> String {
        let (d, secondsOfDay) = (floorDiv(total, 86_400), total - floorDiv(total, 86_400) * 86_400)
        let (y, m, dd) = civilFromDays(d)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(dd, 2))T\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2)).\(fraction)Z"
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Howard Hinnant's days-from-civil algorithm.
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func sha256(_ bytes: [UInt8]) -> [UInt8] { Digest.sha256(bytes) }
}

/// Cryptographic digests the gateway needs, through OpenSSL.
public enum Digest {
    /// OpenSSL's SHA-256 method, looked up once (a constant table inside OpenSSL).
    nonisolated(unsafe) private static let sha256Method = EVP_sha256()

    /// SHA-256 through OpenSSL's one-shot digest.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, sha256Method, nil)
        }
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return digest
    }

    /// Lower-case hexadecimal SHA-256.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(sha256(bytes)) }

    static func hex(_ digest: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// SHA-256 over bytes that arrive in pieces (a document spooled chunk by chunk), so
    /// nothing needs the whole document in memory.
    public final class SHA256Stream {
        private let context: OpaquePointer

        public init() {
            guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
                preconditionFailure("OpenSSL could not start a SHA-256 digest")
            }
            self.context = context
        }

        deinit { EVP_MD_CTX_free(context) }

        public func update(_ buffer: UnsafeRawBufferPointer) {
            precondition(EVP_DigestUpdate(context, buffer.baseAddress, buffer.count) == 1, "OpenSSL SHA-256 update failed")
        }

        /// The lower-case hexadecimal digest; the stream cannot be used afterwards.
        public func finish() -> String {
            var digest = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1 && length == 32, "OpenSSL SHA-256 final failed")
            return Digest.hex(digest)
        }
    }
}

/// The value of the ASCII digits at `range` of `bytes`; nil if the range runs past the end or
/// holds anything else. Shared by the date-time parsers.
func decimalNumber(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
    guard range.upperBound <= bytes.count else { return nil }
    var value = 0
    for index in range {
        guard (0x30...0x39).contains(bytes[index]) else { return nil }
        value = value * 10 + Int(bytes[index] - 0x30)
    }
    return value
}

extension String {
    /// The text without the given leading and trailing characters.
    func trimmingCharacters(in set: String) -> String {
        // Fast path: nothing to trim at either end (the common case in hashing and reading).
        if let first = utf8.first, let last = utf8.last, first < 0x80, last < 0x80,
            !set.utf8.contains(first), !set.utf8.contains(last)
        {
            return self
        }
        // Compare scalars: "\r\n" in `set` is one Character, so a lone "\n" would not match it.
        let scalars = Set(set.unicodeScalars)
        func kept(_ character: Character) -> Bool { !character.unicodeScalars.allSatisfy(scalars.contains) }
        guard let first = firstIndex(where: kept), let last = lastIndex(where: kept) else {
            return ""
        }
        return String(self[first...last])
    }
}
