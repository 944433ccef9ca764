/// One thing wrong with a partner profile: where (file, line, key), what, why and how to fix it.
public struct ProfileProblem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Errors stop the profile from loading; warnings load it and are shown.
    public enum Severity: String, Hashable, Sendable, Codable { case error, warning }

    /// A stable, machine-readable category, for example `unknown-key` or `inline-secret`:
    /// opaque, compared and printed as its text (and written so in JSON).
    public struct Code: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
        private let value: String
        public init(stringLiteral value: String) { self.value = value }
        public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
        public var description: String { value }
    }

    public var code: Code
    public var severity: Severity
    public var file: String
    /// 1-based; 0 when the problem is about the whole file.
    public var line: Int
    public var column: Int
    /// The key path, for example `transport.https.auth.oauth2.clientSecretFile`; empty for the
    /// document itself.
    public var key: String
    /// What is wrong and why it matters.
    public var message: String
    /// How to fix it.
    public var hint: String

    public init(code: Code, severity: Severity = .error, file: String, line: Int, column: Int, key: String, message: String, hint: String) {
        self.code = code
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
        self.hint = hint
    }

    /// `FILE:LINE:COLUMN: error: KEY: message (code); hint`, the form editors jump to.
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        let subject = key.isEmpty ? "" : "\(key): "
        return "\(place): \(severity.rawValue): \(subject)\(message) [\(code)]; \(hint)"
    }
}

/// Profiles that failed to load: every problem found, errors and warnings alike.
public struct ProfilesRejected: Error, Sendable, CustomStringConvertible {
    public var problems: [ProfileProblem]
    public init(problems: [ProfileProblem]) { self.problems = problems }

    public var description: String {
        let errors = problems.filter { $0.severity == .error }.count
        return "partner profiles refused: \(errors) error\(errors == 1 ? "" : "s")\n" + problems.map { "  " + $0.description }.joined(separator: "\n")
    }
}
