internal import CGatewayShims
internal import CLibXML2

/// Facts about the libxml2 the gateway parses and validates EPCIS XML with.
public enum XMLLibrary {
    /// The running libxml2's version, for example `2.9.14`.
    ///
    /// libxml2 reports it as an integer such as `20914` (major × 10000 + minor × 100 + patch).
    public static var version: String {
        initialize
        let raw = Int(String(cString: CGatewayShims_xmlParserVersion())) ?? 0
        return "\(raw / 10000).\(raw / 100 % 100).\(raw % 100)"
    }

    /// `xmlInitParser` must run once before any thread uses the library.
    static let initialize: Void = { xmlInitParser() }()
}
