/// Why a request is refused before any lookup: a 400 (or 414) with no JSON body. Data, not an
/// error: the responder logs it and says it in a header, so the requestor can fix the request.
public struct VerificationRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The HTTP status: 400, or 414 for a request line over the limit.
    public var status: Int
    /// The path segment or query parameter at fault (`gtin`, `exp`, `corrUUID`, …).
    public var field: String
    /// What is wrong, without echoing the value (it may hold anything).
    public var reason: String
    /// How to fix the request.
    public var fix: String

    public init(status: Int = 400, field: String, reason: String, fix: String) {
        self.status = status
        self.field = field
        self.reason = reason
        self.fix = fix
    }

    public var description: String { "\(field): \(reason); \(fix)" }
}
