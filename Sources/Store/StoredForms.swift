internal import GS1
internal import Records

/// Typed records rebuilt from stored columns (both engines store the same text).
enum StoredForms {
    /// A stored value of a closed set; an unknown one is corruption, never a default (a
    /// wrong phase could make a unit shippable, a wrong status hide a recall).
    ///
    /// - Parameters:
    ///   - what: the row and column in words, for the message (`unit … phase`).
    ///   - fix: what an operator should do.
    static func known<Value: RawRepresentable & CaseIterable>(_ raw: Value.RawValue, _ what: String, fix: String) throws -> Value {
        guard let value = Value(rawValue: raw) else {
            let known = Value.allCases.map { "\($0.rawValue)" }.joined(separator: ", ")
            throw StoreError(.corrupt, "\(what) is the unknown value '\(raw)' (known: \(known)); nothing was read from the row: \(fix)")
        }
        return value
    }

    /// A unit's stored phase.
    /// A stored 0/1 flag; anything else is corruption.
    static func flag(_ value: Int64?, _ what: String) throws -> Bool? {
        guard let value else { return nil }
        guard value == 0 || value == 1 else { throw StoreError(.corrupt, "a stored \(what) is \(value), not 0 or 1; restore the database") }
        return value == 1
    }

    static func phase(_ raw: Int, gtin: String, serial: String) throws -> UnitPhase {
        try known(raw, "the phase of unit \(gtin) \(serial)", fix: "restore the row from a backup or re-ingest its records")
    }

    /// A unit's container, from its two stored columns: both or neither.
    static func parent(gtin: String?, serial: String?, of key: String) throws -> UnitKey? {
        switch (gtin, serial) {
        case (nil, nil): return nil
        case (let gtin?, let serial?): return UnitKey(gtinColumn: gtin, serialColumn: serial)
        default:
            throw StoreError(
                .corrupt, "unit \(key) names half a container (GTIN \(gtin ?? "none"), serial \(serial ?? "none")); restore the row from a backup")
        }
    }

    /// A stored status.
    static func status(_ raw: String, record: String) throws -> StatusRecord.Status {
        try known(raw, "the status of status record \(record)", fix: "restore the row from a backup or re-ingest the record")
    }

    static func product(
        _ gtin: String, _ ndc: String, _ name: String, _ dosageForm: String, _ strength: String, _ containerSize: String, _ manufacturer: String,
        _ companyPrefixLength: Int
    ) throws -> ProductRecord {
        do {
            return ProductRecord(
                gtin: try GTIN(gtin), ndc: try NDC(ndc), name: name, dosageForm: dosageForm, strength: strength, containerSize: containerSize,
                manufacturer: manufacturer, companyPrefixLength: companyPrefixLength)
        } catch {
            throw StoreError(.corrupt, "the stored product \(gtin) no longer parses", cause: StoreError.Detail(error))
        }
    }

    static func location(_ gln: String, _ glnExtension: String, _ companyPrefixLength: Int, _ name: String, _ address: Address) throws
        -> LocationRecord
    {
        do {
            return LocationRecord(
                gln: try GLN(gln), glnExtension: glnExtension, companyPrefixLength: companyPrefixLength, name: name, address: address)
        } catch {
            throw StoreError(.corrupt, "the stored location \(gln) no longer parses", cause: StoreError.Detail(error))
        }
    }

    static func shipment(
        id: String, recordID: String, time: FeedTime, glns: [String], purchaseOrder: String, despatchAdvice: String?, dropShipment: Bool,
        unitCount: Int, items: [UnitKey], eventRecords: [String]
    ) throws -> StoredShipment {
        do {
            let parsed = try glns.map { try GLN($0) }
            let record = ShipRecord(
                time: time, shipment: id, from: PartyAndPlace(party: parsed[0], location: parsed[1]),
                to: PartyAndPlace(party: parsed[2], location: parsed[3]),
                purchaseOrder: purchaseOrder, despatchAdvice: despatchAdvice, dropShipment: dropShipment, items: items)
            return StoredShipment(id: id, recordID: recordID, record: record, unitCount: unitCount, eventRecords: eventRecords)
        } catch {
            throw StoreError(.corrupt, "the stored shipment \(id) has an unreadable GLN", cause: StoreError.Detail(error))
        }
    }
}

/// Keyset paging over a shipment's units: each page continues after the last row of the one
/// before, along an index, so memory and time per page stay constant.
enum ShipmentPaging {
    /// The SQL and its arguments; `placeholder(n)` spells the n-th parameter (`?` or `$n`).
    static func query(
        _ shipment: String, order: ShipmentUnitOrder, after cursor: UnitRow?, limit: Int, placeholder: (Int) -> String
    ) -> (sql: String, arguments: [String?]) {
        var arguments: [String?] = [shipment]
        func next(_ value: String?) -> String {
            arguments.append(value)
            return placeholder(arguments.count)
        }
        let keys: [String]
        var sql = "SELECT \(Schema.unitColumns) FROM units WHERE shipment = \(placeholder(1))"
        switch order {
        case .commissioning:
            keys = ["commission_utc", "commission_record", "gtin", "serial"]
            if let cursor {
                sql +=
                    " AND (commission_utc, commission_record, gtin, serial) > (\(next(cursor.commissionUTC)), \(next(cursor.commissionRecord)), \(next(cursor.key.gtinColumn)), \(next(cursor.key.serialColumn)))"
            }
        case .packing:
            keys = ["pack_utc", "pack_record", "parent_gtin", "parent_serial", "gtin", "serial"]
            sql += " AND parent_serial IS NOT NULL"
            if let cursor {
                sql +=
                    " AND (pack_utc, pack_record, parent_gtin, parent_serial, gtin, serial) > (\(next(cursor.packUTC)), \(next(cursor.packRecord)), \(next(cursor.parent?.gtinColumn)), \(next(cursor.parent?.serialColumn)), \(next(cursor.key.gtinColumn)), \(next(cursor.key.serialColumn)))"
            }
        }
        sql += " ORDER BY " + keys.joined(separator: ", ") + " LIMIT \(limit)"
        return (sql, arguments)
    }
}
