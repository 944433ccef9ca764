internal import GS1
internal import GatewayCore

/// CSV records: a header row naming the columns, then one row per record, or per serial, child
/// or item of a record. Consecutive rows with the same `id` form one record; their other columns
/// must agree (or be empty after the first row).
enum CSVFeed {
    /// Columns that hold one element of a record's list, with the list and the element's field.
    static let listColumns: [String: (list: String, field: String?)] = [
        "serial": ("serials", nil), "sscc": ("ssccs", nil),
        "child.gtin": ("children", "gtin"), "child.serial": ("children", "serial"), "child.sscc": ("children", "sscc"),
        "item.gtin": ("items", "gtin"), "item.serial": ("items", "serial"), "item.sscc": ("items", "sscc"),
    ]
    /// Columns holding numbers or booleans rather than text.
    static let numberColumns: Set<String> = ["companyPrefixLength"]
    static let booleanColumns: Set<String> = ["dropShipment"]

    /// The CSV column for a JSON path (`items[3].serial` → `item.serial`, `serials[2]` → `serial`).
    static func column(forPath path: String) -> String {
        let base = String(path.prefix { $0 != "[" })
        let rest = path.drop { $0 != "]" }.dropFirst()
        switch base {
        case "serials": return "serial"
        case "ssccs": return "sscc"
        case "children": return "child" + rest
        case "items": return "item" + rest
        default: return path
        }
    }

    static func records(_ bytes: [UInt8], _ records: inout [FeedRecord], _ issues: inout [RecordIssue]) {
        var rows = CSVRows(bytes)
        guard let header = rows.next(issues: &issues) else {
            issues.append(
                RecordIssue(
                    .malformed, line: 1, field: "", reason: "the CSV file has no header row",
                    hint: "start with a row naming the columns, for example id,kind,time,site,gtin,lot,expiry,serial"))
            return
        }
        let columns = header.cells.map { $0.trimmingCharacters() }
        let known = Set(RecordDecoder.fields.values.flatMap { $0 }).union(["id", "kind"]).union(listColumns.keys)
            .union([
                "address.street1", "address.street2", "address.city", "address.state", "address.postalCode", "address.country",
                "from.party", "from.location", "to.party", "to.location", "parent.gtin", "parent.serial", "parent.sscc",
            ])
            .subtracting(["address", "from", "to", "parent", "children", "items", "serials", "ssccs"])
        var headerOK = true
        for (index, column) in columns.enumerated() where !known.contains(column) || columns.firstIndex(of: column) != index {
            headerOK = false
            let duplicate = known.contains(column)
            issues.append(
                RecordIssue(
                    .malformed, line: header.line, field: column, value: column,
                    reason: duplicate ? "the column '\(column)' appears twice" : "'\(column)' is not a records-feed column",
                    hint: duplicate
                        ? "keep one of them" : "see the CSV columns in README.md (id, kind, time, site, gtin, serial, child.gtin, item.sscc, …)"))
        }
        guard headerOK else { return }
        var current: Group?
        func close(_ group: Group?) {
            guard let group else { return }
            var decoder = RecordDecoder(object: group.object(), line: group.line, elementLines: group.elementLines, csv: true)
            if let record = decoder.decode() { records.append(record) } else { issues += decoder.issues }
        }
        while let row = rows.next(issues: &issues) {
            if row.cells.allSatisfy({ $0.isEmpty }) { continue }
            guard row.cells.count == columns.count else {
                issues.append(
                    RecordIssue(
                        .malformed, line: row.line, field: "",
                        reason: "the row has \(row.cells.count) cells but the header has \(columns.count) columns",
                        hint: "give every row one cell per column (quote cells that contain commas)"))
                continue
            }
            var scalars: [(String, String)] = [], element: [String: [(String, String)]] = [:]
            var id = ""
            for (column, cell) in zip(columns, row.cells) where !cell.isEmpty {
                if column == "id" { id = cell }
                if let target = listColumns[column] {
                    element[target.list, default: []].append((target.field ?? "", cell))
                } else {
                    scalars.append((column, cell))
                }
            }
            if current?.id != id || id.isEmpty {
                close(current)
                current = Group(id: id, line: row.line, scalars: scalars)
            } else if let conflict = current!.merge(scalars) {
                issues.append(
                    RecordIssue(
                        .malformed, line: row.line, recordID: id, field: conflict.column, value: conflict.value,
                        reason:
                            "this row of record \(id) says \(conflict.column) = '\(conflict.value)' but line \(current!.line) says '\(conflict.first)'",
                        hint: "rows of one record must agree in every column except the list columns; leave the cell empty or split the record"))
            }
            for (list, fields) in element { current!.append(list, fields, line: row.line) }
        }
        close(current)
    }

    /// The rows of one record being assembled.
    struct Group {
        let id: String
        let line: Int
        var scalars: [(String, String)]
        var lists: [String: [JSONValue]] = [:]
        var elementLines: [String: [Int]] = [:]

        init(id: String, line: Int, scalars: [(String, String)]) {
            self.id = id
            self.line = line
            self.scalars = scalars
        }

        /// Adds later scalars; returns the first one that contradicts the record's first row.
        mutating func merge(_ more: [(String, String)]) -> (column: String, value: String, first: String)? {
            for (column, value) in more {
                if let first = scalars.first(where: { $0.0 == column }) {
                    if first.1 != value { return (column, value, first.1) }
                } else {
                    scalars.append((column, value))
                }
            }
            return nil
        }

        mutating func append(_ list: String, _ fields: [(String, String)], line: Int) {
            let value: JSONValue =
                fields.count == 1 && fields[0].0.isEmpty ? .string(fields[0].1) : .object(fields.map { JSONMember($0.0, .string($0.1)) })
            lists[list, default: []].append(value)
            elementLines[list, default: []].append(line)
        }

        /// The record as the JSON object a JSON Lines feed would hold.
        func object() -> [JSONMember] {
            var members: [JSONMember] = []
            var nested: [String: [JSONMember]] = [:]
            var order: [String] = []
            for (column, cell) in scalars {
                let value: JSONValue =
                    CSVFeed.numberColumns.contains(column) && Int(cell) != nil
                    ? .number(cell)
                    : CSVFeed.booleanColumns.contains(column) && (cell == "true" || cell == "false")
                        ? .bool(cell == "true")
                        : .string(cell)
                if let dot = column.firstIndex(of: ".") {
                    let outer = String(column[..<dot])
                    if nested[outer] == nil { order.append(outer) }
                    nested[outer, default: []].append(JSONMember(String(column[column.index(after: dot)...]), value))
                } else {
                    members.append(JSONMember(column, value))
                }
            }
            for outer in order { members.append(JSONMember(outer, .object(nested[outer]!))) }
            for list in lists.keys.sorted() { members.append(JSONMember(list, .array(lists[list]!))) }
            return members
        }
    }
}

/// RFC 4180 rows with the line each starts on. Quoted cells may hold commas, quotes (doubled)
/// and line breaks.
struct CSVRows {
    struct Row {
        var line: Int
        var cells: [String]
    }

    private let bytes: [UInt8]
    private var index: Int
    private var line = 1

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    mutating func next(issues: inout [RecordIssue]) -> Row? {
        guard index < bytes.count else { return nil }
        let startLine = line
        var cells: [String] = []
        var cell: [UInt8] = []
        var quoted = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == 0x22 {
                    if index < bytes.count && bytes[index] == 0x22 {
                        cell.append(0x22)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    cell.append(byte)
                }
            } else if byte == 0x22 && cell.isEmpty {
                quoted = true
            } else if byte == 0x2C {
                cells.append(String(decoding: cell, as: UTF8.self))
                cell.removeAll(keepingCapacity: true)
            } else if byte == 0x0A {
                line += 1
                break
            } else if byte != 0x0D {
                cell.append(byte)
            }
        }
        if quoted {
            issues.append(
                RecordIssue(
                    .malformed, line: startLine, field: "", reason: "a quoted cell is never closed",
                    hint: "close the quote, and double any quote inside the cell (\"\")"))
        }
        cells.append(String(decoding: cell, as: UTF8.self))
        return Row(line: startLine, cells: cells)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingCharacters() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
