internal import Foundation
internal import GS1
public import Verification
internal import Yams

/// Reads the verification policy file (`Schemas/verification-policy.schema.json`): how
/// recalled, expired and withheld product is answered, per GTIN, lot or serial.
///
/// ```yaml
/// discloseReasons: true
/// default: { recalled: not-verified, expired: not-verified }
/// rules:
///   - { gtin: "00300010123455", recalled: verified }
///   - { gtin: "00300010123455", lot: L2, expired: ignore }
///   - { gtin: "00300010123455", serial: S7, withhold: true }
/// ```
public struct VerificationPolicyLoader: Sendable {
    public init() {}

    /// The policy, or nil with the problems that stop it from loading.
    public func load(file: String) -> (VerificationPolicy?, [ProfileProblem]) {
        let log = ProblemLog(file: file)
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            log.add(
                "unreadable", at: nil, key: "", "cannot be read as UTF-8 text", hint: "check the path, that this user may read it, and its encoding")
            return (nil, log.problems)
        }
        return parse(text, file: file)
    }

    /// Parses policy text; `file` names it in problems.
    public func parse(_ text: String, file: String) -> (VerificationPolicy?, [ProfileProblem]) {
        let log = ProblemLog(file: file)
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            ProfileLoader.report(error, log: log)
            return (nil, log.problems)
        } catch {
            log.add("yaml-syntax", at: nil, key: "", "is not valid YAML: \(error)", hint: "fix the YAML syntax")
            return (nil, log.problems)
        }
        guard let root, let fields = Fields(root, path: "", log: log) else {
            if root == nil { log.add("empty-policy", at: nil, key: "", "is empty", hint: "write at least `default:`, or remove the policy setting") }
            return (nil, log.problems)
        }
        fields.rejectUnknown(["discloseReasons", "default", "rules"])
        var policy = VerificationPolicy()
        policy.discloseReasons = fields.bool("discloseReasons") ?? true
        if let node = fields.value("default"), let block = Fields(node, path: "default", log: log) {
            block.rejectUnknown(["recalled", "expired", "withhold"])
            let rule = Self.rule(block)
            policy.defaults = VerificationPolicy.Rule(
                recalled: rule.recalled ?? policy.defaults.recalled, expired: rule.expired ?? policy.defaults.expired,
                withhold: rule.withhold ?? policy.defaults.withhold)
        }
        if let node = fields.value("rules") {
            guard let sequence = node.sequence else {
                log.add("wrong-type", at: node, key: "rules", "must be a list of rules", hint: "write each rule as a `- gtin: …` item")
                return (nil, log.problems)
            }
            for (index, item) in sequence.enumerated() {
                let path = "rules[\(index)]"
                guard let block = Fields(item, path: path, log: log) else { continue }
                block.rejectUnknown(["gtin", "lot", "serial", "recalled", "expired", "withhold"])
                guard let text = block.string("gtin", required: true, hint: "name the GTIN the rule is for, in quotes") else { continue }
                let gtin: GTIN
                do { gtin = try GTIN(text) } catch {
                    log.add(
                        "bad-gtin", at: block.value("gtin"), key: block.keyPath("gtin"), "'\(text)' is not a valid GTIN: \(error)",
                        hint: "write the 14-digit GTIN with its check digit, in quotes")
                    continue
                }
                let rule = Self.rule(block)
                if rule == VerificationPolicy.Rule() {
                    log.add("empty-rule", at: item, key: path, "sets nothing", hint: "set recalled, expired or withhold, or remove the rule")
                }
                let lot = block.string("lot")
                let serial = block.string("serial")
                switch (lot, serial) {
                case (nil, nil): Self.add(rule, to: &policy.gtins, key: gtin.value, at: item, path: path, log: log)
                case (let lot?, nil):
                    Self.add(rule, to: &policy.lots, key: VerificationPolicy.LotKey(gtin: gtin.value, lot: lot), at: item, path: path, log: log)
                case (nil, let serial?):
                    Self.add(
                        rule, to: &policy.serials, key: VerificationPolicy.SerialKey(gtin: gtin.value, serial: serial), at: item, path: path, log: log
                    )
                case (.some, .some):
                    log.add(
                        "lot-and-serial", at: item, key: path, "names both a lot and a serial; a serial rule needs no lot",
                        hint: "keep serial for one unit, or lot for the whole lot")
                }
            }
        }
        return (log.hasErrors ? nil : policy, log.problems)
    }

    private static func rule(_ block: Fields) -> VerificationPolicy.Rule {
        VerificationPolicy.Rule(
            recalled: block.choice("recalled", VerificationPolicy.RecallAnswer.self),
            expired: block.choice("expired", VerificationPolicy.ExpiryAnswer.self),
            withhold: block.bool("withhold"))
    }

    private static func add<Key: Hashable>(
        _ rule: VerificationPolicy.Rule, to rules: inout [Key: VerificationPolicy.Rule], key: Key, at node: Node, path: String, log: ProblemLog
    ) {
        if rules[key] != nil {
            log.add("duplicate-rule", at: node, key: path, "repeats a rule for the same product, lot or serial", hint: "merge the two rules into one")
        }
        rules[key] = rule
    }
}
