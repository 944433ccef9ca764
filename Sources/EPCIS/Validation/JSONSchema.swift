internal import Foundation
public import GatewayCore

/// A JSON Schema (draft-07) compiled for validation: the keywords EPCIS schemas use.
///
/// Supported: `type`, `enum`, `const`, `required`, `properties`, `additionalProperties`,
/// `propertyNames`, `minProperties`, `items` (one schema), `minItems`, `uniqueItems`, `pattern`,
/// `format` (`uri` per RFC 3986, `date-time` per RFC 3339), `allOf`, `anyOf`, `oneOf`, `not`,
/// `if`/`then`/`else`, and `$ref` to `#/…` pointers inside the same schema. A schema that uses any
/// other assertion keyword is refused when it is compiled, so that nothing is silently unchecked.
///
/// `format` is asserted, not only annotated, and `pattern` is searched anywhere in the string (as
/// the JSON Schema specification says): the verdicts are those of the python `jsonschema` package
/// with its format checker, which the differential tests compare against.
public final class JSONSchema: Sendable {
    private let nodes: [Node]

    /// Compiles the schema in the file at `path`.
    ///
    /// - Throws: ``EPCISError`` (`input`) when the file cannot be read or parsed, or the schema
    ///   uses a keyword this validator does not enforce.
    public convenience init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EPCISError(.input, "cannot read the JSON schema \(path): check that the file exists and is readable")
        }
        do {
            try self.init(schema: try JSONParser.parse([UInt8](data)))
        } catch let error as JSONError {
            throw EPCISError(.input, "the JSON schema \(path) is not JSON: \(error.message)", location: error.location)
        } catch let error as EPCISError {
            throw EPCISError(.input, "the JSON schema \(path) cannot be used: \(error.message)", location: error.location)
        }
    }

    /// Compiles a schema given as a parsed JSON value.
    public init(schema: JSONValue) throws {
        var compiler = Compiler(root: schema)
        _ = try compiler.compile(schema, pointer: "#")
        nodes = compiler.nodes
    }

    /// `true` when `value` satisfies the schema.
    public func isValid(_ value: JSONValue) -> Bool { valid(value, 0) }

    /// The reasons `value` does not satisfy the schema, as issues with the JSON path of the
    /// offending value, a message and a fix hint (rule `json-schema`); empty when it does.
    public func validate(_ value: JSONValue) -> [EPCISIssue] {
        guard !valid(value, 0) else { return [] }
        return explain(value, 0, path: "$").map {
            EPCISIssue(.error, rule: "json-schema", message: "\($0.path): \($0.message)", path: $0.path, hint: $0.hint)
        }
    }

    // MARK: - Compiled form

    /// One schema object. Children are indices into `nodes`, so `$ref` cycles cost nothing.
    fileprivate struct Node: Sendable {
        var alwaysFalse = false
        var types: [String]?
        var allowed: [JSONValue]?
        var required: [String] = []
        var properties: [String: Int] = [:]
        var additionalProperties: Int?
        var propertyNames: Int?
        var minProperties: Int?
        var items: Int?
        var minItems: Int?
        var uniqueItems = false
        var pattern: Pattern?
        var format: String?
        var allOf: [Int] = []
        var anyOf: [Int] = []
        var oneOf: [Int] = []
        var not: Int?
        var condition: (if: Int, then: Int?, else: Int?)?
        var reference: Int?
    }

    fileprivate struct Pattern: @unchecked Sendable {
        // Regex values are immutable once built; matching does not mutate them.
        let source: String
        let regex: Regex<AnyRegexOutput>
    }

    fileprivate struct Compiler {
        let root: JSONValue
        var nodes: [Node] = []
        var byPointer: [String: Int] = [:]

        static let annotations: Set<String> = ["$schema", "$id", "$comment", "title", "description", "definitions", "examples", "default"]

        mutating func compile(_ schema: JSONValue, pointer: String) throws -> Int {
            if let known = byPointer[pointer] { return known }
            let index = nodes.count
            nodes.append(Node())
            byPointer[pointer] = index
            var node = Node()
            switch schema {
            case .bool(let accept): node.alwaysFalse = !accept
            case .object(let members):
                for member in members {
                    node = try apply(member, to: node, pointer: pointer + "/" + member.key)
                }
            default:
                throw EPCISError(.input, "\(pointer) is \(schema.kind), but a schema must be an object or a boolean")
            }
            nodes[index] = node
            return index
        }

        private mutating func apply(_ member: JSONMember, to node: Node, pointer: String) throws -> Node {
            var node = node
            let value = member.value
            func count() throws -> Int {
                guard case .number(let text) = value, let number = Int(text), number >= 0 else {
                    throw EPCISError(.input, "\(pointer) must be a non-negative whole number")
                }
                return number
            }
            func list() throws -> [Int] {
                guard case .array(let schemas) = value else { throw EPCISError(.input, "\(pointer) must be an array of schemas") }
                return try schemas.enumerated().map { try compile($0.element, pointer: "\(pointer)/\($0.offset)") }
            }
            switch member.key {
            case "type":
                node.types = try value.elements.map {
                    guard let name = $0.string else { throw EPCISError(.input, "\(pointer) must name JSON types") }
                    return name
                }
            case "enum": node.allowed = value.elements
            case "const": node.allowed = [value]
            case "required": node.required = value.elements.compactMap(\.string)
            case "properties":
                for property in value.members ?? [] {
                    node.properties[property.key] = try compile(property.value, pointer: pointer + "/" + property.key)
                }
            case "additionalProperties": node.additionalProperties = try compile(value, pointer: pointer)
            case "propertyNames": node.propertyNames = try compile(value, pointer: pointer)
            case "minProperties": node.minProperties = try count()
            case "items":
                if case .array = value { throw EPCISError(.input, "\(pointer): tuple-form items are not supported") }
                node.items = try compile(value, pointer: pointer)
            case "minItems": node.minItems = try count()
            case "uniqueItems": node.uniqueItems = value == .bool(true)
            case "pattern":
                guard let source = value.string else { throw EPCISError(.input, "\(pointer) must be a string") }
                do {
                    node.pattern = Pattern(source: source, regex: try Regex(source))
                } catch {
                    throw EPCISError(.input, "\(pointer): the pattern \(source) does not compile: \(error)")
                }
            case "format": node.format = value.string
            case "allOf": node.allOf = try list()
            case "anyOf": node.anyOf = try list()
            case "oneOf": node.oneOf = try list()
            case "not": node.not = try compile(value, pointer: pointer)
            case "if":
                node.condition = (try compile(value, pointer: pointer), node.condition?.then, node.condition?.else)
            case "then", "else":
                let branch = try compile(value, pointer: pointer)
                var condition = node.condition ?? (-1, nil, nil)
                if member.key == "then" { condition.then = branch } else { condition.else = branch }
                node.condition = condition
            case "$ref":
                guard let target = value.string, target.hasPrefix("#") else {
                    throw EPCISError(.input, "\(pointer): only references inside the schema (#/…) are supported")
                }
                node.reference = try compile(try resolve(target), pointer: target)
            case let key where Self.annotations.contains(key):
                break
            default:
                throw EPCISError(.input, "\(pointer): the keyword '\(member.key)' is not supported by this validator")
            }
            return node
        }

        private func resolve(_ pointer: String) throws -> JSONValue {
            var current = root
            for part in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
                let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                guard let next = current[key] else { throw EPCISError(.input, "the reference \(pointer) points at nothing") }
                current = next
            }
            return current
        }
    }

    // MARK: - Verdict

    private func valid(_ value: JSONValue, _ index: Int) -> Bool {
        let node = nodes[index]
        if node.alwaysFalse { return false }
        if let reference = node.reference, !valid(value, reference) { return false }
        if let types = node.types, !types.contains(where: { Self.has(value, type: $0) }) { return false }
        if let allowed = node.allowed, !allowed.contains(where: { Self.same($0, value) }) { return false }
        switch value {
        case .object(let members):
            if !node.required.isEmpty {
                let keys = Set(members.map(\.key))
                if node.required.contains(where: { !keys.contains($0) }) { return false }
            }
            if let minimum = node.minProperties, Set(members.map(\.key)).count < minimum { return false }
            for member in members {
                if let child = node.properties[member.key] {
                    if !valid(member.value, child) { return false }
                } else if let extra = node.additionalProperties, !valid(member.value, extra) {
                    return false
                }
                if let names = node.propertyNames, !valid(.string(member.key), names) { return false }
            }
        case .array(let items):
            if let minimum = node.minItems, items.count < minimum { return false }
            if let child = node.items, items.contains(where: { !valid($0, child) }) { return false }
            if node.uniqueItems, Self.firstDuplicate(items) != nil { return false }
        case .string(let text):
            if let pattern = node.pattern, (try? pattern.regex.firstMatch(in: text)) == nil { return false }
            if let format = node.format, !Self.conforms(text, format: format) { return false }
        default:
            break
        }
        if node.allOf.contains(where: { !valid(value, $0) }) { return false }
        if !node.anyOf.isEmpty, !node.anyOf.contains(where: { valid(value, $0) }) { return false }
        if !node.oneOf.isEmpty, node.oneOf.filter({ valid(value, $0) }).count != 1 { return false }
        if let not = node.not, valid(value, not) { return false }
        if let condition = node.condition, condition.if >= 0 {
            if valid(value, condition.if) {
                if let then = condition.then, !valid(value, then) { return false }
            } else if let otherwise = condition.else, !valid(value, otherwise) {
                return false
            }
        }
        return true
    }

    // MARK: - Explanation

    private struct Failure {
        var path: String
        var message: String
        var hint: String?
    }

    /// Why `value` fails node `index`; called only for values that fail it.
    private func explain(_ value: JSONValue, _ index: Int, path: String) -> [Failure] {
        let node = nodes[index]
        var failures: [Failure] = []
        if node.alwaysFalse {
            return [Failure(path: path, message: "this member is not allowed here", hint: "remove it")]
        }
        if let reference = node.reference, !valid(value, reference) {
            failures += explain(value, reference, path: path)
        }
        if let types = node.types, !types.contains(where: { Self.has(value, type: $0) }) {
            return failures + [
                Failure(path: path, message: "is \(value.kind), but must be \(types.map(Self.article).joined(separator: " or "))", hint: nil)
            ]
        }
        if let allowed = node.allowed, !allowed.contains(where: { Self.same($0, value) }) {
            let listed = allowed.prefix(12).map(Self.show).joined(separator: ", ") + (allowed.count > 12 ? ", … (\(allowed.count) values)" : "")
            failures.append(Failure(path: path, message: "\(Self.show(value)) is not one of \(listed)", hint: "use one of the listed values"))
        }
        switch value {
        case .object(let members):
            let keys = Set(members.map(\.key))
            for name in node.required where !keys.contains(name) {
                failures.append(Failure(path: path, message: "the member '\(name)' is missing", hint: "add '\(name)'; EPCIS requires it here"))
            }
            if let minimum = node.minProperties, keys.count < minimum {
                failures.append(Failure(path: path, message: "has \(keys.count) members, at least \(minimum) required", hint: nil))
            }
            for member in members {
                let childPath = Self.join(path, member.key)
                if let child = node.properties[member.key] {
                    if !valid(member.value, child) { failures += explain(member.value, child, path: childPath) }
                } else if let extra = node.additionalProperties, !valid(member.value, extra) {
                    failures.append(
                        Failure(
                            path: childPath, message: "the member '\(member.key)' is not allowed here",
                            hint: "remove it, or check its spelling against the EPCIS field names"))
                }
                if let names = node.propertyNames, !valid(.string(member.key), names) {
                    failures.append(
                        Failure(
                            path: childPath, message: "'\(member.key)' is not an EPCIS field of this object",
                            hint:
                                "check the spelling; a user extension must be named by a URI or a CURIE such as 'example:\(member.key)' whose prefix the @context defines"
                        ))
                }
            }
        case .array(let items):
            if let minimum = node.minItems, items.count < minimum {
                failures.append(
                    Failure(
                        path: path, message: "has \(items.count) items, at least \(minimum) required",
                        hint: "add the missing items or leave the list out"))
            }
            if let child = node.items {
                for (offset, item) in items.enumerated() where !valid(item, child) {
                    failures += explain(item, child, path: "\(path)[\(offset)]")
                }
            }
            if node.uniqueItems, let (first, second) = Self.firstDuplicate(items) {
                failures.append(
                    Failure(path: "\(path)[\(second)]", message: "repeats item \(first) (\(Self.show(items[second])))", hint: "list each value once"))
            }
        case .string(let text):
            if let pattern = node.pattern, (try? pattern.regex.firstMatch(in: text)) == nil {
                failures.append(Failure(path: path, message: "\(Self.show(value)) does not match the pattern \(pattern.source)", hint: nil))
            }
            if let format = node.format, !Self.conforms(text, format: format) {
                failures.append(Self.formatFailure(text, format: format, path: path))
            }
        default:
            break
        }
        for part in node.allOf where !valid(value, part) {
            failures += explain(value, part, path: path)
        }
        if !node.anyOf.isEmpty, !node.anyOf.contains(where: { valid(value, $0) }) {
            failures += explainAlternatives(value, node.anyOf, path: path)
        }
        if !node.oneOf.isEmpty {
            let matching = node.oneOf.filter { valid(value, $0) }
            if matching.isEmpty {
                failures += explainAlternatives(value, node.oneOf, path: path)
            } else if matching.count > 1 {
                failures.append(
                    Failure(path: path, message: "matches \(matching.count) of the forms allowed here, but must match exactly one", hint: nil))
            }
        }
        if let not = node.not, valid(value, not) {
            failures.append(Failure(path: path, message: "this member is not allowed here", hint: "remove it"))
        }
        if let condition = node.condition, condition.if >= 0 {
            let branch = valid(value, condition.if) ? condition.then : condition.else
            if let branch, !valid(value, branch) { failures += explain(value, branch, path: path) }
        }
        if failures.isEmpty {
            failures.append(Failure(path: path, message: "does not satisfy the schema", hint: nil))
        }
        return failures
    }

    /// When no alternative fits: if every alternative fails on the value itself, one combined
    /// message; otherwise the reasons of the alternative that got furthest into the value.
    private func explainAlternatives(_ value: JSONValue, _ alternatives: [Int], path: String) -> [Failure] {
        let reasons = alternatives.map { explain(value, $0, path: path) }
        if reasons.allSatisfy({ $0.allSatisfy { $0.path == path } }) {
            let messages = reasons.map { $0.map(\.message).joined(separator: " and ") }
            var unique: [String] = []
            for message in messages where !unique.contains(message) { unique.append(message) }
            return [Failure(path: path, message: unique.joined(separator: "; or "), hint: reasons.lazy.flatMap { $0 }.compactMap(\.hint).first)]
        }
        let depth = { (failures: [Failure]) in failures.map(\.path.count).max() ?? 0 }
        return reasons.max { depth($0) < depth($1) || (depth($0) == depth($1) && $0.count > $1.count) } ?? []
    }

    private static func formatFailure(_ text: String, format: String, path: String) -> Failure {
        switch format {
        case "uri":
            Failure(
                path: path, message: "\(show(.string(text))) is not an absolute URI (RFC 3986)",
                hint:
                    "write a URI with a scheme, such as urn:epc:id:sgtin:… or https://…, with no spaces or non-ASCII characters (percent-encode them)"
            )
        case "date-time":
            Failure(
                path: path, message: "\(show(.string(text))) is not an RFC 3339 date-time",
                hint: "write YYYY-MM-DDThh:mm:ss[.fff] followed by Z or an offset such as +01:00")
        default:
            Failure(path: path, message: "\(show(.string(text))) is not a valid \(format)", hint: nil)
        }
    }

    // MARK: - JSON semantics

    private static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let text)): Double(text).map { $0 == $0.rounded() } ?? false
        default: false
        }
    }

    /// JSON equality: numbers by value (1 equals 1.0), objects regardless of member order,
    /// booleans never equal to numbers.
    static func same(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.number(let a), .number(let b)):
            a == b || (Decimal(string: a).flatMap { x in Decimal(string: b).map { x == $0 } } ?? false)
        case (.array(let a), .array(let b)):
            a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (.object(let a), .object(let b)):
            Set(a.map(\.key)) == Set(b.map(\.key))
                && a.allSatisfy { member in b.last { $0.key == member.key }.map { same(member.value, $0.value) } ?? false }
        default:
            left == right
        }
    }

    private static func firstDuplicate(_ items: [JSONValue]) -> (Int, Int)? {
        // Strings (EPC lists) by hashing; anything else pairwise.
        if items.allSatisfy({ $0.string != nil }) {
            var seen: [String: Int] = [:]
            for (offset, item) in items.enumerated() {
                if let earlier = seen.updateValue(offset, forKey: item.string!) { return (earlier, offset) }
            }
            return nil
        }
        for second in items.indices {
            for first in 0..<second where same(items[first], items[second]) { return (first, second) }
        }
        return nil
    }

    private static func show(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "'" + (text.count > 80 ? text.prefix(80) + "…" : text) + "'"
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        default: value.kind
        }
    }

    private static func article(_ type: String) -> String {
        ["array": "an array", "object": "an object", "integer": "an integer", "null": "null"][type] ?? "a \(type)"
    }

    private static func join(_ path: String, _ key: String) -> String {
        key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) ? "\(path).\(key)" : "\(path)['\(key)']"
    }

    // MARK: - Formats

    /// Whether `text` has the given format; unknown formats pass (as JSON Schema says).
    /// Like the python checkers the verdicts are compared with, one final line feed is ignored
    /// (their patterns end in `$`).
    static func conforms(_ text: String, format: String) -> Bool {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        switch format {
        case "uri": return URISyntax.isURI(bytes)
        case "date-time": return isDateTime(bytes)
        default: return true
        }
    }

    /// RFC 3339 `date-time` (see ``EPCISTime/isDateTime(_:)``).
    static func isDateTime(_ bytes: [UInt8]) -> Bool { EPCISTime.isDateTime(bytes) }
}
