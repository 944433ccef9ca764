/// One problem with one record of a feed: where (line, record, field), what (value), why
/// (reason) and how to fix it (hint).
///
/// Issues are data: a batch with problems yields all of them at once, so the sender can fix the
/// whole file in one go.
public struct RecordIssue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A stable, machine-readable category.
    public enum Code: String, Hashable, Sendable, Codable {
        /// The line is not valid JSON, or a CSV row is malformed.
        case malformed = "malformed"
        /// A required field is missing.
        case missingField = "missing-field"
        /// A field has the wrong JSON type.
        case wrongType = "wrong-type"
        /// A field's value is not acceptable (bad check digit, bad date, unknown word, …).
        case invalidValue = "invalid-value"
        /// A field this record kind does not have.
        case unknownField = "unknown-field"
        /// A record id was used before with different content.
        case conflictingRecord = "conflicting-record"
        /// A referenced GTIN, location or party has no master data.
        case unknownMasterData = "unknown-master-data"
        /// A serial, SSCC or container is not in a state that allows the record.
        case illegalTransition = "illegal-transition"
        /// The same serial or SSCC is commissioned twice.
        case duplicateSerial = "duplicate-serial"
        /// The aggregation would make a container contain itself.
        case aggregationCycle = "aggregation-cycle"
        /// The shipment id or another unique reference is already taken.
        case duplicateReference = "duplicate-reference"
    }

    /// The category.
    public var code: Code
    /// The 1-based line of the feed (for CSV, the row's line; 0 when not tied to one line).
    public var line: Int
    /// The record id, when the record had one.
    public var recordID: String?
    /// The field as a path (`serials[3]`, `address.city`) or, for CSV, the column name.
    public var field: String
    /// The offending value as written, if any.
    public var value: String?
    /// Why it is refused.
    public var reason: String
    /// How to fix it.
    public var hint: String

    /// Creates an issue.
    public init(_ code: Code, line: Int, recordID: String? = nil, field: String, value: String? = nil, reason: String, hint: String) {
        self.code = code
        self.line = line
        self.recordID = recordID
        self.field = field
        self.value = value
        self.reason = reason
        self.hint = hint
    }

    /// One line for logs and terminals: `line 12, record c-7, field serials[3] = "AB|C": reason; hint`.
    public var description: String {
        var text = line > 0 ? "line \(line)" : "batch"
        if let recordID { text += ", record \(recordID)" }
        if !field.isEmpty { text += ", field \(field)" }
        if let value { text += " = \"\(value.count > 80 ? String(value.prefix(77)) + "..." : value)\"" }
        return text + ": \(reason) (\(code.rawValue)); \(hint)"
    }
}

/// A batch refused as a whole: every issue found, and the promise that nothing was stored.
public struct BatchRejected: Error, Sendable, CustomStringConvertible {
    /// Every problem, in line order.
    public var issues: [RecordIssue]

    /// Creates the error; issues are sorted by line so reports read top to bottom.
    public init(issues: [RecordIssue]) {
        self.issues = issues.sorted { ($0.line, $0.field) < ($1.line, $1.field) }
    }

    public var description: String {
        "the batch was refused and nothing was stored: \(issues.count) problem\(issues.count == 1 ? "" : "s")\n"
            + issues.map { "  " + $0.description }.joined(separator: "\n")
    }
}
