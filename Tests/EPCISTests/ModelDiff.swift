import EPCIS
import Testing

/// Names the fields in which two models differ, so a failed round trip says what changed.
func differences<T>(_ a: T, _ b: T, path: String = "") -> [String] {
    let left = Mirror(reflecting: a)
    let right = Mirror(reflecting: b)
    if left.displayStyle == .enum, left.children.count == 1, right.children.count == 1, left.children.first?.label == right.children.first?.label {
        return differences(left.children.first!.value, right.children.first!.value, path: path + "." + (left.children.first?.label ?? ""))
    }
    if left.children.isEmpty || left.displayStyle == .enum || left.displayStyle == .optional && left.children.count != right.children.count {
        let l = String(reflecting: a)
        let r = String(reflecting: b)
        return l == r ? [] : ["\(path): \(l.prefix(400)) ≠ \(r.prefix(400))"]
    }
    if left.displayStyle == .collection && left.children.count != right.children.count {
        return [
            "\(path): \(left.children.count) elements ≠ \(right.children.count) elements; \(String(reflecting: a).prefix(300)) ≠ \(String(reflecting: b).prefix(300))"
        ]
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
