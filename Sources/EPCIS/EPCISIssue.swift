/// One finding about a document: a validation error, or a warning about a real-world variant
/// that a reader accepted. Results are data, so that the CLI, the API and the audit log can all
/// show them without parsing text.
public struct EPCISIssue: Hashable, Sendable, CustomStringConvertible, Codable {
    /// How serious a finding is.
    public enum Severity: String, Hashable, Sendable, Codable {
        /// The document breaks a rule; it is not valid.
        case error
        /// The document was accepted, but a partner may not accept it.
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// A stable rule identifier, for example `xml-doctype`, `xsd` or `json-schema:required`.
    public var rule: String
    /// What is wrong.
    public var message: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// The element path (XML) or JSON path (`$.epcisBody.eventList[3].bizStep`), when known.
    public var path: String?
    /// How to fix it.
    public var hint: String?

    /// Creates a finding.
    public init(
        _ severity: Severity, rule: String, message: String, line: Int? = nil, column: Int? = nil, path: String? = nil, hint: String? = nil
    ) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column
        self.path = path
        self.hint = hint
    }

    /// `line:column`, `line`, or the path; `nil` when nothing is known.
    public var location: String? {
        if let line { return column.map { "\(line):\($0)" } ?? "\(line)" }
        return path
    }

    public var description: String {
        var text = "\(severity.rawValue)"
        if let location { text += " at \(location)" }
        text += " [\(rule)] \(message)"
        if let hint { text += " — \(hint)" }
        return text
    }
}
