public import EPCIS

/// The verdict the inbound store keeps for a document a partner sent (AS2, SFTP or the
/// capture interface): EPCIS validity (schema, EPCIS rules, identifiers) and, for a DSCSA
/// shipment, the DSCSA rules too.
///
/// A document with a shipping event is a shipment, and a DSCSA finding makes it invalid. One
/// without (a partner's receiving events, a 3PL's observations) is not a shipment: the DSCSA
/// rules are not applied, and the summary says so.
public enum InboundVerdict {
    public static func of(path: String, schemas: EPCISSchemas?) async throws -> (valid: Bool, summary: String) {
        var report = try await EPCISValidator.validateOffThePool(path: path, schemas: schemas, rules: { DSCSAProfile() })
        let shipment = !report.issues.contains { $0.rule == DSCSARule.shippingEvent.id }
        if !shipment { report.issues.removeAll { $0.rule.hasPrefix("dscsa:") } }
        let dscsa = report.issues.filter { $0.rule.hasPrefix("dscsa:") }
        let note =
            !shipment
            ? "; DSCSA rules not applied: no shipping event, so not a shipment"
            : dscsa.isEmpty ? "; DSCSA shipment rules: no finding" : "; DSCSA shipment rules: \(dscsa.count) finding(s)"
        return (report.valid, report.summary + note)
    }
}
