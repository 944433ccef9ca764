internal import COpenSSL
internal import GS1

/// CBV 2.0 event hash IDs: `ni:///sha-256;<lowercase hex>?ver=CBV2.0`.
///
/// The pre-hash string follows the algorithm as written (CBV 2.0 §8.9 and the reference
/// implementation's README), not the reference tool's deviations: in particular `sourceList`
/// comes before `destinationList`, and ILMD keys are always `{namespace}localName`. Values are
/// canonicalised: times to UTC with at least millisecond digits, CBV values to Web URIs, EPC URIs
/// to GS1 Digital Links on `https://id.gs1.org`, decimals without trailing zeros.
public enum EventHash {
    /// The hash ID of an event.
    ///
    /// - Throws: ``EPCISError`` with `notExpressible` for content the hash is not defined for here
    ///   yet (sensor elements), and `invalidEvent` for an unreadable time.
    public static func id(of event: EPCISEvent) throws -> String {
        id(forPreHashString: try preHashString(of: event))
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
    public static func preHashString(of event: EPCISEvent) throws -> String {
        guard event.sensorElements.isEmpty else {
            throw EPCISError(.notExpressible, "event hash IDs for events with sensorElementList are not implemented yet")
        }
        let childList = event.type == .aggregation || event.type == .association
        var out = "eventType=\(event.type.rawValue)"
        out += "eventTime=" + (try utc(event.eventTime))
        out += "eventTimeZoneOffset=" + event.eventTimeZoneOffset
        if let certification = event.certificationInfo { out += "certificationInfo=" + certification }
        if !childList { out += list("epcList", event.epcList.map { "epc=" + identifier($0) }) }
        if let parent = event.parentID { out += "parentID=" + identifier(parent) }
        out += list("inputEPCList", event.inputEPCList.map { "epc=" + identifier($0) })
        if childList { out += list("childEPCs", event.epcList.map { "epc=" + identifier($0) }) }
        out += list(childList ? "childQuantityList" : "quantityList", event.quantityList.map(quantity))
        out += list("inputQuantityList", event.inputQuantityList.map(quantity))
        out += list("outputEPCList", event.outputEPCList.map { "epc=" + identifier($0) })
        out += list("outputQuantityList", event.outputQuantityList.map(quantity))
        if let action = event.action { out += "action=" + action.rawValue }
        if let transformation = event.transformationID { out += "transformationID=" + identifier(transformation) }
        if let bizStep = event.bizStep { out += "bizStep=" + web(.bizStep, bizStep) }
        if let disposition = event.disposition { out += "disposition=" + web(.disposition, disposition) }
        if !event.persistentDispositionSet.isEmpty || !event.persistentDispositionUnset.isEmpty {
            out += "persistentDisposition"
            out += event.persistentDispositionSet.map { "set=" + web(.disposition, $0) }.sorted(by: byteOrder).joined()
            out += event.persistentDispositionUnset.map { "unset=" + web(.disposition, $0) }.sorted(by: byteOrder).joined()
        }
        if let readPoint = event.readPoint { out += "readPointid=" + identifier(readPoint) }
        if let bizLocation = event.bizLocation { out += "bizLocationid=" + identifier(bizLocation) }
        out += list(
            "bizTransactionList",
            event.bizTransactions.map { ($0.type.map { "type=" + web(.bizTransactionType, $0) } ?? "") + "bizTransaction=" + $0.value })
        out += list("sourceList", event.sources.map { ($0.type.map { "type=" + web(.sourceDestinationType, $0) } ?? "") + "source=" + identifier($0.value) })
        out += list(
            "destinationList",
            event.destinations.map { ($0.type.map { "type=" + web(.sourceDestinationType, $0) } ?? "") + "destination=" + identifier($0.value) })
        out += list("ilmd", event.ilmd.map(extensionString))
        out += event.extensions.map(extensionString).sorted(by: byteOrder).joined()
        return out
    }

    // MARK: - Canonical values

    /// Case-sensitive byte order, as the algorithm sorts.
    private static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    private static func list(_ name: String, _ children: [String]) -> String {
        children.isEmpty ? "" : name + children.sorted(by: byteOrder).joined()
    }

    private static func quantity(_ element: QuantityElement) -> String {
        "epcClass=" + identifier(element.epcClass) + (element.quantity.map { "quantity=" + decimal($0) } ?? "") + (element.uom.map { "uom=" + $0 } ?? "")
    }

    private static func web(_ vocabulary: CBVVocabulary, _ value: String) -> String {
        vocabulary.bareWord(value).map { vocabulary.webPrefix + $0 } ?? value
    }

    /// EPC URNs become canonical Digital Links; anything else (other URIs) passes through trimmed.
    static func identifier(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: " \t\r\n")
        guard trimmed.hasPrefix("urn:epc:"), let epc = try? EPC(uri: trimmed), let link = try? GS1DigitalLink.encode(epc.message) else {
            return trimmed
        }
        return link
    }

    /// `{namespace}name=value` for a text element, `{namespace}name` followed by its sorted
    /// children otherwise.
    private static func extensionString(_ element: XMLElement) -> String {
        let name = (element.namespace.map { "{\($0)}" } ?? "") + element.name
        let children = element.children.compactMap { child -> XMLElement? in if case .element(let e) = child { e } else { nil } }
        if children.isEmpty { return name + "=" + element.text.trimmingCharacters(in: " \t\r\n") }
        return name + children.map(extensionString).sorted(by: byteOrder).joined()
    }

    /// Trailing fractional zeros removed, `1.0` → `1`.
    static func decimal(_ text: String) -> String {
        var value = text.trimmingCharacters(in: " \t\r\n")
        guard value.contains("."), !value.contains("e"), !value.contains("E") else { return value }
        while value.hasSuffix("0") { value.removeLast() }
        if value.hasSuffix(".") { value.removeLast() }
        return value
    }

    /// An xsd:dateTime converted to UTC `YYYY-MM-DDThh:mm:ss.fffZ` (all fractional digits kept,
    /// padded to at least three, as CBV 2.0 says).
    static func utc(_ text: String) throws -> String {
        let bytes = Array(text.trimmingCharacters(in: " \t\r\n").utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                guard (0x30...0x39).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
            }
            return value
        }
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
        let (d, secondsOfDay) = (floorDiv(total, 86_400), total - floorDiv(total, 86_400) * 86_400)
        let (y, m, dd) = civilFromDays(d)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(dd, 2))T\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2)).\(fraction)Z"
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

    /// SHA-256 through OpenSSL's one-shot digest.
    private static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return digest
    }
}

extension String {
    /// The text without the given leading and trailing characters.
    func trimmingCharacters(in set: String) -> String {
        // Compare scalars: "\r\n" in `set` is one Character, so a lone "\n" would not match it.
        let scalars = Set(set.unicodeScalars)
        func kept(_ character: Character) -> Bool { !character.unicodeScalars.allSatisfy(scalars.contains) }
        guard let first = firstIndex(where: kept), let last = lastIndex(where: kept) else {
            return ""
        }
        return String(self[first...last])
    }
}
