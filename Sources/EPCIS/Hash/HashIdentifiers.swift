internal import Foundation
internal import GS1

/// Identifier canonicalisation for event hashes: every EPC URN and every GS1 Digital Link
/// (on any domain) becomes the canonical Digital Link on `https://id.gs1.org` with only the
/// identifying key and its qualifiers (CBV 2.0 §8.9: 00, 01, 01+21, 01+10, 01+235, 253, 255, 401,
/// 402, 414, 414+254, 417, 8003, 8004, 8006 (+21/10), 8010 (+8011), 8017, 8018). Anything else is
/// returned trimmed and unchanged.
enum HashIdentifiers {
    static let base = "https://id.gs1.org"

    static func canonical(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: " \t\r\n")
        let head = trimmed.utf8.prefix(8).map { $0 | 0x20 }  // ASCII lower case, enough for the prefixes
        if head.starts(with: "urn:epc:".utf8) { return fastSGTIN(trimmed) ?? fromURN(trimmed) ?? trimmed }
        if head.starts(with: "http://".utf8) || head.starts(with: "https://".utf8) { return fromDigitalLink(trimmed) ?? trimmed }
        return trimmed
    }

    // MARK: - EPC URNs (EPC Tag Data Standard → Digital Link)

    /// How the parts after the company prefix of each EPC scheme become key values.
    private enum Shape {
        /// `CP.IR.serial` → 01 / GTIN-14 / 21 / serial (indicator digit first in IR).
        case gtin(qualifier: String?)
        /// `CP.ref` → key / (CP + ref) [+ check digit]; `leading` is the first digit taken from ref.
        case number(ai: String, check: Bool, leadingFromReference: Bool, pad: String)
        /// `CP.ref.serial` → key / (pad + CP + ref + check) + serial.
        case numberWithSerial(ai: String, pad: String)
        /// `CP.ref.serial` → 8010 / CP + ref, 8011 / serial.
        case cpi
        /// `CP.LR.ext` → 414 / GLN [/ 254 / ext unless 0].
        case sgln
        /// `CP.IR.piece.total.serial` → 8006 / GTIN + piece + total / 21 / serial.
        case itip
    }

    private static let schemes: [String: Shape] = [
        "urn:epc:id:sgtin:": .gtin(qualifier: "21"), "urn:epc:class:lgtin:": .gtin(qualifier: "10"), "urn:epc:idpat:sgtin:": .gtin(qualifier: nil),
        "urn:epc:id:upui:": .gtin(qualifier: "235"),
        "urn:epc:id:sscc:": .number(ai: "00", check: true, leadingFromReference: true, pad: ""),
        "urn:epc:id:pgln:": .number(ai: "417", check: true, leadingFromReference: false, pad: ""),
        "urn:epc:id:giai:": .number(ai: "8004", check: false, leadingFromReference: false, pad: ""),
        "urn:epc:id:gsrn:": .number(ai: "8018", check: true, leadingFromReference: false, pad: ""),
        "urn:epc:id:gsrnp:": .number(ai: "8017", check: true, leadingFromReference: false, pad: ""),
        "urn:epc:id:ginc:": .number(ai: "401", check: false, leadingFromReference: false, pad: ""),
        "urn:epc:id:gsin:": .number(ai: "402", check: true, leadingFromReference: false, pad: ""),
        "urn:epc:id:grai:": .numberWithSerial(ai: "8003", pad: "0"),
        "urn:epc:id:gdti:": .numberWithSerial(ai: "253", pad: ""),
        "urn:epc:id:sgcn:": .numberWithSerial(ai: "255", pad: ""),
        "urn:epc:id:cpi:": .cpi, "urn:epc:id:sgln:": .sgln, "urn:epc:id:itip:": .itip,
    ]

    /// The common case on bytes: `urn:epc:id:sgtin:` with digits and a serial of unreserved
    /// characters (no escapes). Anything else returns nil and takes the general path.
    private static func fastSGTIN(_ uri: String) -> String? {
        let prefix = "urn:epc:id:sgtin:".utf8
        var output: [UInt8] = Array("https://id.gs1.org/01/".utf8)
        return uri.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            guard bytes.count > prefix.count + 16, bytes.starts(with: prefix) else { return nil }
            var index = prefix.count
            let companyStart = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            let companyEnd = index
            guard index < bytes.count, bytes[index] == UInt8(ascii: "."), companyEnd > companyStart else { return nil }
            index += 1
            let itemStart = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "."), index > itemStart,
                (companyEnd - companyStart) + (index - itemStart) == 13
            else { return nil }
            // GTIN-14: indicator digit, company prefix, item reference, check digit.
            var digits: [UInt8] = [bytes[itemStart]]
            digits += bytes[companyStart..<companyEnd]
            digits += bytes[(itemStart + 1)..<index]
            digits.append(GS1CheckDigit.compute(digits: digits))
            output += digits
            output += "/21/".utf8
            let serialStart = index + 1
            guard serialStart < bytes.count else { return nil }
            for byte in bytes[serialStart...] {
                let unreserved =
                    (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                guard unreserved else { return nil }
                output.append(byte)
            }
            return String(decoding: output, as: UTF8.self)
        } ?? nil
    }

    private static func fromURN(_ uri: String) -> String? {
        // The scheme is everything up to the fourth colon (`urn:epc:id:sgtin:`).
        var colons = 0
        guard
            let end = uri.utf8.firstIndex(where: { byte in
                if byte == UInt8(ascii: ":") { colons += 1 }
                return colons == 4
            })
        else { return nil }
        let prefix = String(uri[...end]).lowercased()
        guard let shape = schemes[prefix] else { return nil }
        let parts = uri.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false).map { unescape(String($0)) }
        guard let companyPrefix = parts.first, companyPrefix.isDigits else { return nil }
        func withCheck(_ digits: String) -> String { digits + String(GS1CheckDigit.compute(for: digits)) }
        switch shape {
        case .gtin(let qualifier):
            guard parts.count == 3, parts[1].isDigits else { return nil }
            let gtin = withCheck(String(parts[1].prefix(1)) + companyPrefix + parts[1].dropFirst())
            guard gtin.count == 14 else { return nil }
            if let qualifier { return "\(base)/01/\(gtin)/\(qualifier)/\(encode(parts[2]))" }
            return parts[2] == "*" ? "\(base)/01/\(gtin)" : nil
        case .number(let ai, let check, let leading, let pad):
            guard parts.count == 2 else { return nil }
            let reference = parts[1]
            let digits = pad + (leading ? String(reference.prefix(1)) + companyPrefix + reference.dropFirst() : companyPrefix + reference)
            if check {
                guard digits.isDigits else { return nil }
                return "\(base)/\(ai)/\(withCheck(digits))"
            }
            return "\(base)/\(ai)/\(encode(digits))"
        case .numberWithSerial(let ai, let pad):
            guard parts.count == 3, parts[1].isDigits else { return nil }
            return "\(base)/\(ai)/\(withCheck(pad + companyPrefix + parts[1]))\(encode(parts[2]))"
        case .cpi:
            guard parts.count == 3 else { return nil }
            return "\(base)/8010/\(encode(companyPrefix + parts[1]))/8011/\(encode(parts[2]))"
        case .sgln:
            guard parts.count == 3, parts[1].isDigits else { return nil }
            let gln = withCheck(companyPrefix + parts[1])
            return parts[2] == "0" ? "\(base)/414/\(gln)" : "\(base)/414/\(gln)/254/\(encode(parts[2]))"
        case .itip:
            guard parts.count == 5, parts[1].count >= 1 else { return nil }
            let gtin = withCheck(String(parts[1].prefix(1)) + companyPrefix + parts[1].dropFirst())
            return "\(base)/8006/\(gtin)\(parts[2])\(parts[3])/21/\(encode(parts[4]))"
        }
    }

    // MARK: - Digital Links on any domain

    /// Primary keys and the qualifiers kept with each, in the order they are written.
    private static let keys: [String: [String]] = [
        "00": [], "01": ["235", "10", "21"], "253": [], "255": [], "401": [], "402": [], "414": ["254"], "417": [],
        "8003": [], "8004": [], "8006": ["10", "21"], "8010": ["8011"], "8017": [], "8018": [],
    ]

    /// The short names GS1 Digital Link 1.0 allowed in place of AI numbers.
    private static let shortNames: [String: String] = [
        "sscc": "00", "gtin": "01", "lot": "10", "ser": "21", "cpv": "22", "tpx": "235", "gdti": "253", "glnx": "254", "gcn": "255",
        "ginc": "401", "gsin": "402", "gln": "414", "party": "417", "grai": "8003", "giai": "8004", "itip": "8006", "cpid": "8010",
        "cpsn": "8011", "gsrnp": "8017", "gsrn": "8018",
    ]

    private static func fromDigitalLink(_ uri: String) -> String? {
        var text = Substring(uri)
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        guard let schemeEnd = text.range(of: "://") else { return nil }
        var segments = text[schemeEnd.upperBound...].split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        for index in segments.indices { if let code = shortNames[segments[index]] { segments[index] = code } }
        // The key may follow a path prefix on the resolver's domain; take the first place where
        // the rest pairs up as AI/value with a primary key first.
        for start in segments.indices where keys[segments[start]] != nil && (segments.count - start) % 2 == 0 {
            var pairs: [String: String] = [:]
            var order: [String] = []
            for index in stride(from: start, to: segments.count, by: 2) {
                let ai = segments[index]
                guard ai.isDigits, !segments[index + 1].isEmpty else { return nil }
                pairs[ai] = segments[index + 1]
                order.append(ai)
            }
            let key = order[0]
            let allowed = keys[key] ?? []
            var out = "\(base)/\(key)/\(pairs[key]!)"
            // The finest qualifier identifies the object: a serial wins over a lot.
            if key == "01" || key == "8006", pairs["21"] != nil {
                out += "/21/\(pairs["21"]!)"
            } else {
                for qualifier in allowed { if let value = pairs[qualifier] { out += "/\(qualifier)/\(value)" } }
            }
            return out
        }
        return nil
    }

    // MARK: - Escapes

    /// EPC URN escapes (`%xx`) decoded.
    private static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Percent-encoding for a Digital Link path segment: everything but unreserved characters.
    private static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let keep =
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if keep {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension StringProtocol {
    /// Non-empty and ASCII digits only (checked on bytes: this runs for every identifier hashed).
    fileprivate var isDigits: Bool { !utf8.isEmpty && utf8.allSatisfy { (48...57).contains($0) } }
}
