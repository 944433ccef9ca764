import EPCIS
import Testing

/// Names the fields in which two models differ, so a failed round trip says what changed.
func differences<T>(_ a: T, _ b: T, path: String = "") -> [String] {
    let left = Mirror(reflecting: a)
    let right = Mirror(reflecting: b)
    if left.children.isEmpty || left.displayStyle == .enum || left.displayStyle == .optional && left.children.count != right.children.count {
        let l = String(reflecting: a)
        let r = String(reflecting: b)
        return l == r ? [] : ["\(path): \(l.prefix(300)) ≠ \(r.prefix(300))"]
    }
    if left.displayStyle == .collection && left.children.count != right.children.count {
        return ["\(path): \(left.children.count) elements ≠ \(right.children.count) elements; \(String(reflecting: a).prefix(300)) ≠ \(String(reflecting: b).prefix(300))"]
    }
    var found: [String] = []
    for (index, (l, r)) in zip(left.children, right.children).enumerated() {
        found += differences(l.value, r.value, path: path + "." + (l.label ?? "\(index)"))
    }
    return found
}

/// Expects equality and, when it fails, lists the differing fields.
func expectSame<T: Equatable>(_ a: T, _ b: T, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard a != b else { return }
    let listed = differences(a, b).prefix(5).joined(separator: "\n")
    Issue.record("\(context): models differ\n\(listed.isEmpty ? "(no field difference found)" : listed)", sourceLocation: sourceLocation)
}
