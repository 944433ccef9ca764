internal import Yams

/// Collects the problems of one file while its YAML is walked.
final class ProblemLog {
    let file: String
    private(set) var problems: [ProfileProblem] = []

    init(file: String) { self.file = file }

    func add(_ code: ProfileProblem.Code, _ severity: ProfileProblem.Severity = .error, at node: Node?, key: String, _ message: String, hint: String)
    {
        add(code, severity, mark: node?.mark, key: key, message, hint: hint)
    }

    func add(_ code: ProfileProblem.Code, _ severity: ProfileProblem.Severity = .error, mark: Mark?, key: String, _ message: String, hint: String) {
        problems.append(
            ProfileProblem(
                code: code, severity: severity, file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, key: key, message: message, hint: hint))
    }

    var hasErrors: Bool { problems.contains { $0.severity == .error } }
}

/// A YAML mapping being read: every key is looked up at most once, and what was never asked
/// for is reported as unknown (with the nearest known key), so typos never pass silently.
///
/// Scalars are read as the text written, so `gln: 0614141000005` keeps its leading zero and
/// `version: 1.2` stays the text "1.2".
struct Fields {
    let path: String
    let node: Node
    let log: ProblemLog
    private let entries: [(key: String, keyNode: Node, value: Node)]

    /// Nil (with a problem) when `node` is not a mapping.
    init?(_ node: Node, path: String, log: ProblemLog) {
        guard let mapping = node.mapping else {
            log.add(
                "wrong-type", at: node, key: path, "must be a mapping of keys to values, not \(Fields.kind(node))",
                hint: "write it as `key: value` lines indented under \(path.isEmpty ? "the top level" : "`\(path)`")")
            return nil
        }
        self.path = path
        self.node = node
        self.log = log
        entries = mapping.map { (key: $0.key.string ?? "", keyNode: $0.key, value: $0.value) }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    var keys: [String] { entries.map(\.key) }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

    /// Reports every key not in `known`.
    func rejectUnknown(_ known: [String]) {
        for entry in entries where !known.contains(entry.key) {
            let suggestion = Fields.nearest(entry.key, in: known).map { "did you mean `\($0)`? " } ?? ""
            log.add(
                "unknown-key", at: entry.keyNode, key: keyPath(entry.key), "is not a key the gateway knows here, so it would be ignored",
                hint: "\(suggestion)known keys: \(known.joined(separator: ", "))")
        }
    }

    /// A key that must be there.
    func require(_ key: String, hint: String) -> Node? {
        if let node = value(key) { return node }
        log.add("missing-key", at: node, key: keyPath(key), "is required", hint: hint)
        return nil
    }

    /// A text value (numbers and booleans are taken as written).
    func string(_ key: String, required: Bool = false, hint: String = "") -> String? {
        guard let node = required ? require(key, hint: hint) : value(key) else { return nil }
        guard let scalar = node.scalar else {
            log.add(
                "wrong-type", at: node, key: keyPath(key), "must be a single value, not \(Fields.kind(node))",
                hint: hint.isEmpty ? "write one value after the colon" : hint)
            return nil
        }
        if scalar.string.isEmpty && scalar.style == .plain {
            log.add(
                "empty-value", at: node, key: keyPath(key), "has no value",
                hint: hint.isEmpty ? "write a value after the colon, or remove the key" : hint)
            return nil
        }
        return scalar.string
    }

    /// `true` or `false` (YAML 1.1's yes/no/on/off are refused: they surprise people).
    func bool(_ key: String) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            log.add("wrong-type", at: value(key), key: keyPath(key), "must be true or false, not '\(text)'", hint: "write true or false")
            return nil
        }
    }

    /// One of a fixed set of values.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        if let value = T(rawValue: text) { return value }
        let allowed = T.allCases.map(\.rawValue)
        log.add(
            "bad-value", at: value(key), key: keyPath(key), "'\(text)' is not one of \(allowed.joined(separator: ", "))",
            hint: "write one of \(allowed.joined(separator: ", "))")
        return nil
    }

    /// A duration such as `90s`, `5m`, `1h30m` or `3d`.
    func duration(_ key: String) -> Duration? {
        guard let text = string(key) else { return nil }
        return Fields.duration(text, at: value(key), key: keyPath(key), log: log)
    }

    /// A list of scalars (a single scalar counts as a list of one).
    func strings(_ key: String) -> [(String, Node)]? {
        guard let node = value(key) else { return nil }
        if let scalar = node.scalar { return [(scalar.string, node)] }
        guard let sequence = node.sequence else {
            log.add(
                "wrong-type", at: node, key: keyPath(key), "must be a value or a list of values, not \(Fields.kind(node))",
                hint: "write [a, b] or one `- value` line per entry")
            return nil
        }
        var result: [(String, Node)] = []
        for (index, item) in sequence.enumerated() {
            guard let scalar = item.scalar else {
                log.add(
                    "wrong-type", at: item, key: "\(keyPath(key))[\(index)]", "must be a single value, not \(Fields.kind(item))",
                    hint: "write one value per list entry")
                continue
            }
            result.append((scalar.string, item))
        }
        return result
    }

    static func duration(_ text: String, at node: Node?, key: String, log: ProblemLog) -> Duration? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var seconds: Int64 = 0
        var number = ""
        var valid = !text.isEmpty
        for character in text {
            if character.isASCII && character.isNumber {
                number.append(character)
            } else if let unit = units[character], let value = Int64(number), value <= 1_000_000 {
                seconds += value * unit
                number = ""
            } else {
                valid = false
                break
            }
        }
        guard valid, number.isEmpty, seconds > 0 else {
            log.add(
                "bad-duration", at: node, key: key, "'\(text)' is not a positive duration",
                hint: "write a number and a unit (s, m, h, d), for example 90s, 15m, 1h30m or 3d")
            return nil
        }
        return .seconds(seconds)
    }

    /// A byte count such as `50MB`, `10MiB` or `2000000`.
    static func size(_ text: String, at node: Node?, key: String, log: ProblemLog) -> Int? {
        let units: [(String, Int)] = [
            ("KiB", 1024), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
        ]
        let unit = units.first { text.hasSuffix($0.0) }
        let digits = unit.map { String(text.dropLast($0.0.count)) } ?? text
        guard let value = Int(digits.trimmingSuffixSpaces), value > 0, value <= (1 << 40) / (unit?.1 ?? 1) else {
            log.add(
                "bad-size", at: node, key: key, "'\(text)' is not a positive size",
                hint: "write a number of bytes with an optional unit (KB, MB, GB, KiB, MiB, GiB), for example 50MB")
            return nil
        }
        return value * (unit?.1 ?? 1)
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The known key closest to a misspelt one (edit distance ≤ 2, or equal ignoring case).
    static func nearest(_ key: String, in known: [String]) -> String? {
        if let match = known.first(where: { $0.lowercased() == key.lowercased() }) { return match }
        let scored = known.map { ($0, editDistance(Array(key.lowercased()), Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    /// Levenshtein distance, one row at a time.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension String {
    fileprivate var trimmingSuffixSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
