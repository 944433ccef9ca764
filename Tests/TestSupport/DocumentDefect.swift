internal import Foundation

/// One defect made in a golden document: the first `find` replaced by `replace`, and the
/// rule and place a validation must report for it.
public struct DocumentDefect: CustomStringConvertible, Sendable {
    public var name: String
    public var find: String
    public var replace: String
    public var rule: String
    public var path: String
    /// The name, as test reports show a case.
    public var description: String { name }

    public init(name: String, find: String, replace: String, rule: String, path: String) {
        self.name = name
        self.find = find
        self.replace = replace
        self.rule = rule
        self.path = path
    }

    /// `text` with the defect made, or nil when `text` no longer holds `find`.
    public func apply(to text: String) -> String? {
        text.range(of: find).map { text.replacingCharacters(in: $0, with: replace) }
    }
}
