internal import GS1
internal import GatewayCore

/// Turns one JSON object of the feed into a typed ``FeedRecord``, collecting every problem
/// instead of stopping at the first. Pure.
struct RecordDecoder {
    private let object: [JSONMember]
    private let line: Int
    private let elementLines: [String: [Int]]
    private let csv: Bool
    private(set) var issues: [RecordIssue] = []
    private var recordID: String?

    /// Field names each kind accepts (besides `id` and `kind`).
    static let fields: [String: Set<String>] = [
        "product": ["gtin", "ndc", "name", "dosageForm", "strength", "containerSize", "manufacturer", "companyPrefixLength"],
        "location": ["gln", "extension", "companyPrefixLength", "name", "address"],
        "commission": ["time", "site", "gtin", "lot", "expiry", "serials", "ssccs"],
        "aggregate": ["time", "site", "parent", "children"],
        "disaggregate": ["time", "site", "parent", "children"],
        "ship": ["time", "shipment", "from", "to", "purchaseOrder", "despatchAdvice", "dropShipment", "items"],
        "receive": ["time", "site", "from", "returnAuthorization", "items"],
        "decommission": ["time", "site", "items", "reason"],
        "destroy": ["time", "site", "items", "reason"],
        "status": ["time", "status", "gtin", "lot", "items", "newExpiry", "reason"],
    ]

    init(object: [JSONMember], line: Int, elementLines: [String: [Int]] = [:], csv: Bool = false) {
        self.object = object
        self.line = line
        self.elementLines = elementLines
        self.csv = csv
    }

    /// Decodes the record; nil when it has issues (then ``issues`` says why).
    mutating func decode() -> FeedRecord? {
        let id = identifier("id", object)
        recordID = id
        guard let kind = string("kind", object) else { return nil }
        guard let allowed = RecordDecoder.fields[kind] else {
            issue(
                .invalidValue, "kind", kind, "'\(kind)' is not a record kind",
                "use one of: \(RecordDecoder.fields.keys.sorted().joined(separator: ", "))")
            return nil
        }
        for member in object where member.key != "id" && member.key != "kind" && !allowed.contains(member.key) {
            issue(
                .unknownField, member.key, nil, "a \(kind) record has no field '\(member.key)'",
                "remove it, or use one of: \(allowed.sorted().joined(separator: ", "))")
        }
        let body: FeedRecord.Body?
        switch kind {
        case "product": body = product().map { .product($0) }
        case "location": body = location().map { .location($0) }
        case "commission": body = commission().map { .commission($0) }
        case "aggregate", "disaggregate":
            let time = self.time(), site = gln("site", object), parent = unit("parent", object[key: "parent"], path: "parent")
            let children = units("children", required: kind == "aggregate")
            guard let time, let site, let parent, let children else { return nil }
            let packing = PackingRecord(time: time, site: site, parent: parent, children: children)
            body = kind == "aggregate" ? .aggregate(packing) : .disaggregate(packing)
        case "ship": body = ship().map { .ship($0) }
        case "receive":
            let time = self.time(), site = gln("site", object), items = units("items", required: true)
            // A bad `from` is an issue, and the check of `issues` below refuses the record.
            let from = object[key: "from"].flatMap { partyAndPlace("from", $0) }
            let rma = optionalText("returnAuthorization", object)
            guard let time, let site, let items else { return nil }
            body = .receive(ReceiveRecord(time: time, site: site, from: from, returnAuthorization: rma, items: items))
        case "decommission", "destroy":
            let time = self.time(), site = gln("site", object), items = units("items", required: true)
            let reason = optionalText("reason", object)
            guard let time, let site, let items else { return nil }
            let removal = RemovalRecord(time: time, site: site, items: items, reason: reason)
            body = kind == "destroy" ? .destroy(removal) : .decommission(removal)
        default: body = status().map { .status($0) }
        }
        guard let body, let id, issues.isEmpty else { return nil }
        return FeedRecord(
            id: id, line: line, digest: Digest.sha256Hex(Array(CanonicalJSON.encode(.object(object)).utf8)), body: body,
            elementLines: elementLines)
    }

    // MARK: Kinds

    private mutating func product() -> ProductRecord? {
        let gtin = self.gtin("gtin", object)
        let ndcText = string("ndc", object)
        let name = text("name", object), dosageForm = text("dosageForm", object), strength = text("strength", object)
        let containerSize = text("containerSize", object), manufacturer = text("manufacturer", object)
        let cpl = companyPrefixLength()
        var ndc: NDC?
        if let ndcText {
            do { ndc = try NDC(ndcText) } catch let error as GS1Error {
                issue(.invalidValue, "ndc", ndcText, error.message, error.expected ?? "write the NDC with hyphens, for example 0001-0123-45")
            } catch {}
        }
        if let gtin, let ndc, gtin.isNDCBased, !ndc.matches(gtin) {
            issue(
                .invalidValue, "ndc", ndcText,
                "NDC \(ndc.hyphenated) is not the NDC inside GTIN \(gtin.value) (digits 4–13 are \(gtin.value.dropFirst(3).prefix(10)))",
                "correct the GTIN or the NDC; for a US drug the GTIN is 0 + 3 + the 10 NDC digits + check digit")
        }
        if let gtin, let ndc, let cpl, gtin.isNDCBased, cpl != ndc.companyPrefixLength {
            issue(
                .invalidValue, "companyPrefixLength", String(cpl),
                "an NDC-based GTIN's company prefix is 03 + the labeler code (\(ndc.labeler)), \(ndc.companyPrefixLength) digits, not \(cpl)",
                "set companyPrefixLength to \(ndc.companyPrefixLength)")
        }
        guard let gtin, let ndc, let name, let dosageForm, let strength, let containerSize, let manufacturer, let cpl else { return nil }
        return ProductRecord(
            gtin: gtin, ndc: ndc, name: name, dosageForm: dosageForm, strength: strength, containerSize: containerSize,
            manufacturer: manufacturer, companyPrefixLength: cpl)
    }

    private mutating func location() -> LocationRecord? {
        let gln = self.gln("gln", object)
        let glnExtension = object[key: "extension"] == nil ? "0" : gs1Text("extension", object, maxLength: 20)
        let cpl = companyPrefixLength()
        let name = text("name", object)
        var address: Address?
        if let value = required("address", object) {
            if let members = value.members {
                let street1 = text("street1", members, prefix: "address."), street2 = optionalText("street2", members, prefix: "address.")
                let city = text("city", members, prefix: "address."), state = text("state", members, prefix: "address.")
                let postalCode = text("postalCode", members, prefix: "address."), country = string("country", members, prefix: "address.")
                for member in members where !["street1", "street2", "city", "state", "postalCode", "country"].contains(member.key) {
                    issue(
                        .unknownField, "address.\(member.key)", nil, "an address has no field '\(member.key)'",
                        "use street1, street2, city, state, postalCode, country")
                }
                if let country, country.utf8.count != 2 || !country.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) {
                    issue(
                        .invalidValue, "address.country", country, "not an ISO 3166-1 alpha-2 country code",
                        "write two capital letters, for example US")
                }
                if let street1, let city, let state, let postalCode, let country {
                    address = Address(street1: street1, street2: street2, city: city, state: state, postalCode: postalCode, country: country)
                }
            } else {
                wrongType("address", value, "an object with street1, city, state, postalCode and country")
            }
        }
        if let gln, let cpl, let glnExtension, (try? SGLN(gln: gln, extension: glnExtension, companyPrefixLength: cpl)) == nil {
            issue(
                .invalidValue, "extension", glnExtension, "the GLN extension cannot be written in an SGLN",
                "use digits and letters of the GS1 character set")
        }
        guard let gln, let glnExtension, let cpl, let name, let address else { return nil }
        return LocationRecord(gln: gln, glnExtension: glnExtension, companyPrefixLength: cpl, name: name, address: address)
    }

    private mutating func commission() -> CommissionRecord? {
        let time = self.time(), site = gln("site", object)
        let hasItems = object[key: "serials"] != nil, hasSSCCs = object[key: "ssccs"] != nil
        var content: CommissionRecord.Content?
        if hasItems == hasSSCCs {
            issue(
                .missingField, hasItems ? "ssccs" : "serials", nil,
                hasItems
                    ? "a commission record lists serials or ssccs, not both" : "a commission record needs serials (with gtin, lot, expiry) or ssccs",
                "split it into one record for items and one for SSCCs")
        } else if hasItems {
            let gtin = self.gtin("gtin", object), lot = gs1Text("lot", object, maxLength: 20), expiry = date("expiry", object)
            let serials = list("serials", object)?.enumerated().compactMap { index, value in serial(value, field: "serials", index: index) }
            if let gtin, let lot, let expiry, let serials { content = .items(gtin: gtin, lot: lot, expiry: expiry, serials: serials) }
        } else {
            for field in ["gtin", "lot", "expiry"] where object[key: field] != nil {
                issue(.unknownField, field, nil, "SSCCs carry no \(field)", "remove \(field), or commission items in a separate record")
            }
            let ssccs = list("ssccs", object)?.enumerated().compactMap { index, value in sscc(value, field: "ssccs", index: index) }
            if let ssccs { content = .ssccs(ssccs) }
        }
        guard let time, let site, let content, issues.isEmpty else { return nil }
        return CommissionRecord(time: time, site: site, content: content)
    }

    private mutating func ship() -> ShipRecord? {
        let time = self.time(), shipment = identifier("shipment", object)
        let from = required("from", object).flatMap { partyAndPlace("from", $0) }
        let to = required("to", object).flatMap { partyAndPlace("to", $0) }
        let po = text("purchaseOrder", object), desadv = optionalText("despatchAdvice", object)
        var dropShipment = false
        if let value = object[key: "dropShipment"] {
            if case .bool(let flag) = value { dropShipment = flag } else { wrongType("dropShipment", value, "true or false") }
        }
        let items = units("items", required: true)
        guard let time, let shipment, let from, let to, let po, let items else { return nil }
        return ShipRecord(
            time: time, shipment: shipment, from: from, to: to, purchaseOrder: po, despatchAdvice: desadv, dropShipment: dropShipment,
            items: items)
    }

    private mutating func status() -> StatusRecord? {
        let time = self.time()
        let word = string("status", object)
        let status = word.flatMap { StatusRecord.Status(rawValue: $0) }
        if let word, status == nil {
            issue(
                .invalidValue, "status", word, "'\(word)' is not a status",
                "use one of: \(StatusRecord.Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let reason = optionalText("reason", object)
        var scope: StatusRecord.Scope?
        if object[key: "items"] != nil {
            for field in ["gtin", "lot"] where object[key: field] != nil {
                issue(
                    .unknownField, field, nil, "a serial-level status names its items only",
                    "remove \(field), or drop items for a lot- or product-level status")
            }
            scope = units("items", required: true).map { .serials($0) }
        } else if let gtin = gtin("gtin", object) {
            if object[key: "lot"] != nil {
                scope = gs1Text("lot", object, maxLength: 20).map { .lot(gtin, $0) }
            } else {
                scope = .product(gtin)
            }
        }
        var newExpiry: String?
        if status == .expiryExtended {
            newExpiry = date("newExpiry", object)
            if case .product = scope {
                issue(
                    .missingField, "lot", nil, "an expiry extension applies to a lot or to serials, not to a whole product",
                    "add the lot, or list the items")
            }
        } else if object[key: "newExpiry"] != nil {
            issue(.unknownField, "newExpiry", nil, "only an expiry-extension has newExpiry", "remove it, or set status to expiry-extension")
        }
        guard let time, let status, let scope, issues.isEmpty else { return nil }
        return StatusRecord(time: time, status: status, scope: scope, newExpiry: newExpiry, reason: reason)
    }

    // MARK: Fields

    private mutating func time() -> FeedTime? {
        guard let text = string("time", object) else { return nil }
        do {
            let utc = try EPCISTime.utcMilliseconds(text)
            return FeedTime(text: text, offset: EPCISTime.offset(of: text), utc: utc)
        } catch {
            issue(
                .invalidValue, "time", text, "not a date-time with a real calendar day and an explicit offset",
                "write it like 2026-11-21T09:30:00-05:00 (RFC 3339; Z or ±hh:mm is required so partners get eventTimeZoneOffset)")
            return nil
        }
    }

    private mutating func companyPrefixLength() -> Int? {
        guard let value = required("companyPrefixLength", object) else { return nil }
        guard case .number(let text) = value, let length = Int(text), (6...12).contains(length) else {
            issue(
                .invalidValue, "companyPrefixLength", value.string ?? numberText(value),
                "the GS1 Company Prefix length must be a whole number from 6 to 12", "look it up in your GS1 membership record")
            return nil
        }
        return length
    }

    private mutating func partyAndPlace(_ field: String, _ value: JSONValue) -> PartyAndPlace? {
        guard let members = value.members else {
            wrongType(field, value, "an object with party and location GLNs")
            return nil
        }
        for member in members where member.key != "party" && member.key != "location" {
            issue(.unknownField, "\(field).\(member.key)", nil, "\(field) has party and location only", "remove '\(member.key)'")
        }
        let party = gln("party", members, prefix: field + "."), location = gln("location", members, prefix: field + ".")
        guard let party, let location else { return nil }
        return PartyAndPlace(party: party, location: location)
    }

    /// A list of unit references: `{gtin, serial}`, `{gtin, serials: […]}` or `{sscc}`.
    private mutating func units(_ field: String, required: Bool) -> [UnitKey]? {
        guard object[key: field] != nil || required else { return [] }
        guard let list = list(field, object) else { return nil }
        var keys: [UnitKey] = []
        keys.reserveCapacity(list.count)
        var ok = true
        for (index, value) in list.enumerated() {
            let path = "\(field)[\(index)]"
            if let members = value.members, let serials = members[key: "serials"] {
                guard let gtin = gtin("gtin", members, prefix: path + ".") else { ok = false; continue }
                guard case .array(let values) = serials, !values.isEmpty else {
                    wrongType(path + ".serials", serials, "a non-empty array of serial numbers")
                    ok = false
                    continue
                }
                for (inner, serialValue) in values.enumerated() {
                    if let serial = serial(serialValue, field: path + ".serials", index: inner, elementIndex: index) {
                        keys.append(.sgtin(gtin: gtin.value, serial: serial))
                    } else {
                        ok = false
                    }
                }
            } else if let key = unit(field, value, path: path, index: index) {
                keys.append(key)
            } else {
                ok = false
            }
        }
        return ok ? keys : nil
    }

    private mutating func unit(_ field: String, _ value: JSONValue?, path: String, index: Int? = nil) -> UnitKey? {
        guard let value else {
            issue(.missingField, path, nil, "\(path) is required", "name the container as {\"gtin\": …, \"serial\": …} or {\"sscc\": …}")
            return nil
        }
        guard let members = value.members else {
            wrongType(path, value, "{\"gtin\": …, \"serial\": …} or {\"sscc\": …}", index: index)
            return nil
        }
        for member in members where !["gtin", "serial", "sscc"].contains(member.key) {
            issue(
                .unknownField, "\(path).\(member.key)", nil, "a unit reference has gtin and serial, or sscc", "remove '\(member.key)'", index: index,
                list: field)
        }
        if members[key: "sscc"] != nil {
            if members[key: "gtin"] != nil || members[key: "serial"] != nil {
                issue(.invalidValue, path, nil, "a unit is an SSCC or a GTIN with a serial, not both", "keep one of them", index: index, list: field)
                return nil
            }
            return sscc(members[key: "sscc"]!, field: path + ".sscc", index: nil, elementIndex: index, list: field).map { .sscc($0) }
        }
        let gtin = gtin("gtin", members, prefix: path + ".", index: index, list: field)
        guard let serialValue = members[key: "serial"] else {
            issue(
                .missingField, path + ".serial", nil, "\(path).serial is required", "add the serial number (AI 21) printed on the unit", index: index,
                list: field)
            return nil
        }
        let serial = self.serial(serialValue, field: path + ".serial", index: nil, elementIndex: index, list: field)
        guard let gtin, let serial else { return nil }
        return .sgtin(gtin: gtin.value, serial: serial)
    }

    private mutating func serial(_ value: JSONValue, field: String, index: Int?, elementIndex: Int? = nil, list: String? = nil) -> String? {
        let path = index.map { "\(field)[\($0)]" } ?? field
        let at = elementIndex ?? index
        guard let text = value.string else {
            wrongType(path, value, "a serial number as a string (\"0042\" keeps its leading zeros)", index: at, list: list ?? field)
            return nil
        }
        do { return try SerialNumber(text).value } catch let error as GS1Error {
            issue(.invalidValue, path, text, error.message, error.expected ?? "1 to 20 characters of the GS1 set", index: at, list: list ?? field)
        } catch {}
        return nil
    }

    private mutating func sscc(_ value: JSONValue, field: String, index: Int?, elementIndex: Int? = nil, list: String? = nil) -> String? {
        let path = index.map { "\(field)[\($0)]" } ?? field
        let at = elementIndex ?? index
        guard let text = value.string else {
            wrongType(path, value, "the 18-digit SSCC as a string", index: at, list: list ?? field)
            return nil
        }
        do { return try SSCC(text).value } catch let error as GS1Error {
            issue(.invalidValue, path, text, error.message, error.expected ?? "18 digits with a valid check digit", index: at, list: list ?? field)
        } catch {}
        return nil
    }

    private mutating func gtin(_ key: String, _ members: [JSONMember], prefix: String = "", index: Int? = nil, list: String? = nil) -> GTIN? {
        guard let text = string(key, members, prefix: prefix, index: index, list: list) else { return nil }
        do { return try GTIN(text) } catch let error as GS1Error {
            issue(.invalidValue, prefix + key, text, error.message, error.expected ?? "a GTIN of 8, 12, 13 or 14 digits", index: index, list: list)
        } catch {}
        return nil
    }

    private mutating func gln(_ key: String, _ members: [JSONMember], prefix: String = "") -> GLN? {
        guard let text = string(key, members, prefix: prefix) else { return nil }
        do { return try GLN(text) } catch let error as GS1Error {
            issue(.invalidValue, prefix + key, text, error.message, error.expected ?? "13 digits with a valid check digit")
        } catch {}
        return nil
    }

    /// An ISO date `YYYY-MM-DD` with a real day.
    private mutating func date(_ key: String, _ members: [JSONMember]) -> String? {
        guard let text = string(key, members) else { return nil }
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        if bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D, let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), day >= 1, day <= GS1Date.daysInMonth(year: year, month: month)
        {
            return text
        }
        issue(.invalidValue, key, text, "not a calendar date YYYY-MM-DD", "write it like 2027-03-31 (for a label's day 00, use the month's last day)")
        return nil
    }

    private mutating func identifier(_ key: String, _ members: [JSONMember]) -> String? {
        guard let text = string(key, members) else { return nil }
        let allowed = text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || "._:/-".utf8.contains(byte)
        }
        guard allowed, (1...128).contains(text.utf8.count) else {
            issue(
                .invalidValue, key, text, "\(key) must be 1 to 128 letters, digits or . _ : / -",
                "use the id your system gives the \(key == "id" ? "record" : key), without spaces")
            return nil
        }
        return text
    }

    private mutating func gs1Text(_ key: String, _ members: [JSONMember], maxLength: Int) -> String? {
        guard let text = string(key, members) else { return nil }
        do { try GS1CharacterSet.validate(text, name: key, maxLength: maxLength) } catch let error as GS1Error {
            issue(.invalidValue, key, text, error.message, error.expected ?? "1 to \(maxLength) characters of the GS1 set")
            return nil
        } catch {}
        return text
    }

    /// Free text: a non-empty string of at most 200 characters.
    private mutating func text(_ key: String, _ members: [JSONMember], prefix: String = "") -> String? {
        guard let text = string(key, members, prefix: prefix) else { return nil }
        guard !text.isEmpty, text.count <= 200, !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            issue(
                .invalidValue, prefix + key, text, "\(prefix + key) must be 1 to 200 characters without control characters",
                "shorten or clean the value")
            return nil
        }
        return text
    }

    private mutating func optionalText(_ key: String, _ members: [JSONMember], prefix: String = "") -> String? {
        members[key: key] == nil ? nil : text(key, members, prefix: prefix)
    }

    private mutating func string(_ key: String, _ members: [JSONMember], prefix: String = "", index: Int? = nil, list: String? = nil) -> String? {
        guard let value = required(key, members, prefix: prefix, index: index, list: list) else { return nil }
        guard let text = value.string else {
            wrongType(prefix + key, value, "a string", index: index, list: list)
            return nil
        }
        return text
    }

    private mutating func list(_ key: String, _ members: [JSONMember]) -> [JSONValue]? {
        guard let value = required(key, members) else { return nil }
        guard case .array(let values) = value, !values.isEmpty else {
            wrongType(key, value, "a non-empty array")
            return nil
        }
        return values
    }

    private mutating func required(_ key: String, _ members: [JSONMember], prefix: String = "", index: Int? = nil, list: String? = nil) -> JSONValue?
    {
        if let value = members[key: key], value != .null { return value }
        issue(.missingField, prefix + key, nil, "\(prefix + key) is required", "add \(prefix + key) to the record", index: index, list: list)
        return nil
    }

    private mutating func wrongType(_ path: String, _ value: JSONValue, _ expected: String, index: Int? = nil, list: String? = nil) {
        issue(
            .wrongType, path, value.string ?? numberText(value), "\(path) is \(value.kind), not \(expected)", "write \(path) as \(expected)",
            index: index, list: list)
    }

    private func numberText(_ value: JSONValue) -> String? {
        switch value {
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    private mutating func issue(
        _ code: RecordIssue.Code, _ path: String, _ value: String?, _ reason: String, _ hint: String, index: Int? = nil, list: String? = nil
    ) {
        var field = path, line = self.line
        let listName = list ?? String(path.prefix { $0 != "[" })
        if let index, let lines = elementLines[listName], index < lines.count { line = lines[index] }
        if csv { field = CSVFeed.column(forPath: path) }
        issues.append(RecordIssue(code, line: line, recordID: recordID, field: field, value: value, reason: reason, hint: hint))
    }
}

extension [JSONMember] {
    /// The value of member `key`.
    subscript(key key: String) -> JSONValue? { first { $0.key == key }?.value }
}

/// JSON with object members sorted by key and no insignificant space, so that the same record
/// sent twice (or once as JSON and once as CSV) has the same digest.
enum CanonicalJSON {
    static func encode(_ value: JSONValue) -> String {
        var out = ""
        write(value, &out)
        return out
    }

    private static func write(_ value: JSONValue, _ out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): string(text, &out)
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                write(element, &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out += "," }
                string(member.key, &out)
                out += ":"
                write(member.value, &out)
            }
            out += "}"
        }
    }

    private static func string(_ text: String, _ out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
