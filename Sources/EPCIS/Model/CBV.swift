/// The Core Business Vocabulary value lists that EPCIS documents name in three spellings:
/// URNs in 1.2 and (by default) 2.0 XML, Web URIs, and bare words in JSON-LD.
public enum CBVVocabulary: Sendable, CaseIterable {
    /// `bizStep` values such as `commissioning`.
    case bizStep
    /// `disposition` values such as `in_transit`.
    case disposition
    /// Business transaction types such as `po`, `desadv`.
    case bizTransactionType
    /// Source/destination types such as `owning_party`, `location`.
    case sourceDestinationType
    /// Error declaration reasons such as `incorrect_data`.
    case errorReason

    /// The URN prefix, for example `urn:epcglobal:cbv:bizstep:`.
    public var urnPrefix: String {
        switch self {
        case .bizStep: return "urn:epcglobal:cbv:bizstep:"
        case .disposition: return "urn:epcglobal:cbv:disp:"
        case .bizTransactionType: return "urn:epcglobal:cbv:btt:"
        case .sourceDestinationType: return "urn:epcglobal:cbv:sdt:"
        case .errorReason: return "urn:epcglobal:cbv:er:"
        }
    }

    /// The Web URI prefix, for example `https://ref.gs1.org/cbv/BizStep-`.
    public var webPrefix: String {
        switch self {
        case .bizStep: return "https://ref.gs1.org/cbv/BizStep-"
        case .disposition: return "https://ref.gs1.org/cbv/Disp-"
        case .bizTransactionType: return "https://ref.gs1.org/cbv/BTT-"
        case .sourceDestinationType: return "https://ref.gs1.org/cbv/SDT-"
        case .errorReason: return "https://ref.gs1.org/cbv/ER-"
        }
    }

    /// The compact IRI prefix JSON-LD documents may use, for example `cbv:BizStep-`.
    public var curiePrefix: String { "cbv:" + webPrefix.dropFirst("https://ref.gs1.org/cbv/".count) }

    /// The bare word for a standard value in any spelling, or `nil` for a user-defined URI.
    public func bareWord(_ value: String) -> String? {
        if value.hasPrefix(urnPrefix) { return String(value.dropFirst(urnPrefix.count)) }
        if value.hasPrefix(webPrefix) { return String(value.dropFirst(webPrefix.count)) }
        if value.hasPrefix(curiePrefix) { return String(value.dropFirst(curiePrefix.count)) }
        if !value.utf8.contains(UInt8(ascii: ":")) { return value }
        return nil
    }

    /// The spelling readers store in the model: the bare word for a standard value, the URI
    /// itself for a user-defined one. It makes models read from any format compare equal.
    public func canonical(_ value: String) -> String { bareWord(value) ?? value }

    /// The URN spelling of a standard value; user-defined URIs pass through unchanged.
    public func urn(_ value: String) -> String { bareWord(value).map { urnPrefix + $0 } ?? value }
}
