internal import GS1
public import GatewayCore

/// The ERP count file `reconcile --erp` reads: CSV with the header
/// `gtin,lot,shipment,quantity`. A row without a shipment is the quantity of the lot made; a
/// row with one is the quantity of the lot that shipment (delivery) carried.
///
/// ```
/// gtin,lot,shipment,quantity
/// 00300010123455,B7,,6
/// 00300010123455,B7,SHIP-A,2
/// ```
public enum ERPCountFile {
    /// The rows of `bytes` (UTF-8).
    /// - Throws: ``ERPCountError`` naming the line, the column, what is wrong and how to fix it.
    public static func parse(_ bytes: [UInt8]) throws -> [Reconciliation.Expectation] {
        let text = String(decoding: bytes, as: UTF8.self)
        // "\r\n" is one Character in Swift, so both line ends are named.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else {
            throw ERPCountError(.empty, line: 1, "the file is empty", fix: "start it with the header gtin,lot,shipment,quantity")
        }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces.lowercased() }
        guard columns == ["gtin", "lot", "shipment", "quantity"] else {
            throw ERPCountError(.header, line: 1, "the header is '\(header)'", fix: "the first line must be exactly gtin,lot,shipment,quantity")
        }
        var rows: [Reconciliation.Expectation] = []
        var seen: [String: Int] = [:]
        for (index, raw) in lines.enumerated().dropFirst() where !raw.trimmingSpaces.isEmpty {
            let line = index + 1
            let fields = raw.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard fields.count == 4 else {
                throw ERPCountError(
                    .row, line: line, "has \(fields.count) fields", fix: "write gtin,lot,shipment,quantity (leave shipment empty for the lot's total)"
                )
            }
            let gtin: String
            do { gtin = try GTIN(fields[0]).value } catch {
                throw ERPCountError(
                    .row, line: line, "gtin '\(fields[0])' is not a GTIN: \(error)", fix: "write the 14-digit GTIN with its check digit")
            }
            guard !fields[1].isEmpty else { throw ERPCountError(.row, line: line, "has no lot", fix: "write the lot as printed on the pack") }
            guard let quantity = Int(fields[3]), quantity >= 0 else {
                throw ERPCountError(
                    .row, line: line, "quantity '\(fields[3])' is not a whole number of units", fix: "write the count, for example 1200")
            }
            let shipment = fields[2].isEmpty ? nil : fields[2]
            let key = "\(gtin) \(fields[1]) \(shipment ?? "")"
            if let first = seen[key] {
                throw ERPCountError(
                    .row, line: line, "repeats the row of line \(first) for lot \(fields[1])\(shipment.map { " and shipment \($0)" } ?? "")",
                    fix: "give each lot (and each of its shipments) one row")
            }
            seen[key] = line
            rows.append(Reconciliation.Expectation(gtin: gtin, lot: fields[1], shipment: shipment, quantity: quantity, line: line))
        }
        return rows
    }
}

/// A refused ERP count file: where, what, and how to fix it.
public struct ERPCountError: CodedError {
    public typealias Code = ErrorCode<ERPCountError>
    public var code: Code
    public var line: Int
    public var message: String
    public var fix: String

    init(_ code: Code, line: Int, _ message: String, fix: String) {
        self.code = code
        self.line = line
        self.message = message
        self.fix = fix
    }

    public var description: String { "[\(code)] line \(line) \(message); \(fix)" }
}

extension ErrorCode where Domain == ERPCountError {
    public static let empty = Self("erp-file-empty")
    public static let header = Self("erp-file-header")
    public static let row = Self("erp-file-row")
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
