import Foundation
import GS1

/// What `gs1 parse` says about one code: every field it carries and every form it converts to.
struct CodeReport: Encodable {
    struct DateField: Encodable {
        let yymmdd: String
        let date: String
        let endOfMonth: Bool
    }

    let input: String
    let form: String
    var symbology: String?
    var gtin: String?
    var ndc: String?
    var ndc11: String?
    var sscc: String?
    var gln: String?
    var glnExtension: String?
    var partyGLN: String?
    var lot: String?
    var serial: String?
    var expiry: DateField?
    var productionDate: DateField?
    var companyPrefixLength: Int?
    var epcURI: String?
    var lotClassURI: String?
    var digitalLink: String?
    var elementString: String?
    var humanReadable: String?
    var notes: [String] = []

    init(input: String, referenceYear: Int, companyPrefixLength explicitLength: Int?, storedNDC: String?, digitalLinkBase: String) throws {
        self.input = input
        let code = try GS1Code.recognize(input, referenceYear: referenceYear)
        var cpl = explicitLength
        switch code {
        case .epc(let epc):
            form = "EPC URI"
            if let explicitLength, explicitLength != epc.companyPrefixLength {
                notes.append("the URI's company prefix has \(epc.companyPrefixLength) digits, not \(explicitLength); the URI wins")
            }
            cpl = epc.companyPrefixLength
        case .digitalLink(let parsed):
            form = "GS1 Digital Link"
            if !parsed.otherQueryParameters.isEmpty {
                notes.append("non-GS1 query parameters kept aside: \(parsed.otherQueryParameters.joined(separator: "&"))")
            }
        case .elementString(let parsed):
            form = parsed.humanReadable ? "GS1 element string (human-readable)" : "GS1 element string"
            symbology = parsed.symbology.map { "\($0.rawValue) (\($0.name))" }
        case .gtin: form = "GTIN"
        case .sscc: form = "SSCC"
        case .ndc(let ndc):
            form = "NDC"
            self.ndc = ndc.hyphenated
            self.ndc11 = ndc.ndc11Hyphenated
            gtin = try ndc.gtin().value
            companyPrefixLength = ndc.companyPrefixLength
            notes.append("GTIN-12 (UPC-A) \(ndc.gtin12); case GTINs use indicator 1-8 with the same digits")
            return
        }
        guard let message = code.message else { return }
        gtin = message.gtin?.value
        sscc = message.sscc?.value
        gln = message.locationGLN?.value
        glnExtension = message.glnExtension
        partyGLN = message.partyGLN?.value
        lot = message.lot?.value
        serial = message.serial?.value
        expiry = message.expiry.map { DateField(yymmdd: $0.yymmdd, date: $0.iso8601, endOfMonth: $0.isEndOfMonth) }
        productionDate = message.productionDate.map { DateField(yymmdd: $0.yymmdd, date: $0.iso8601, endOfMonth: $0.isEndOfMonth) }
        if let gtin = message.gtin, let storedNDC {
            let ndc = try NDC(gtin: gtin, stored: storedNDC)
            self.ndc = ndc.hyphenated
            self.ndc11 = ndc.ndc11Hyphenated
            if let explicitLength, explicitLength != ndc.companyPrefixLength {
                notes.append("--company-prefix-length \(explicitLength) differs from the NDC's \(ndc.companyPrefixLength) (03 + labeler)")
            }
            cpl = cpl ?? ndc.companyPrefixLength
        } else if let gtin = message.gtin, gtin.isNDCBased {
            notes.append("this GTIN holds NDC digits; give --ndc with the hyphenated NDC from master data to show it")
        }
        if let cpl {
            companyPrefixLength = cpl
            let epc = try EPC(message, companyPrefixLength: cpl)
            epcURI = epc.uri
            if let gtin = message.gtin, let lot = message.lot, message.serial != nil {
                lotClassURI = try LGTIN(gtin: gtin, lot: lot, companyPrefixLength: cpl).uri
            }
        } else {
            notes.append("EPC URI needs the GS1 Company Prefix length: give --company-prefix-length, or --ndc for an NDC-based GTIN")
        }
        digitalLink = try GS1DigitalLink.encode(message, base: digitalLinkBase)
        elementString = GS1ElementString.encode(message)
        humanReadable = GS1ElementString.humanReadable(message)
    }

    /// The report for a person.
    var text: String {
        var rows: [(String, String)] = [("Form", form)]
        func add(_ label: String, _ value: String?) { if let value { rows.append((label, value)) } }
        add("Symbology", symbology)
        add("GTIN", gtin)
        add("NDC", ndc.map { "\($0) (NDC-11 \(ndc11 ?? ""))" })
        add("SSCC", sscc)
        add("GLN", gln)
        add("GLN extension", glnExtension)
        add("Party GLN", partyGLN)
        add("Lot", lot)
        add("Serial", serial)
        add("Expiry", expiry.map { "\($0.date) (YYMMDD \($0.yymmdd)\($0.endOfMonth ? ", day 00 = last day of month" : ""))" })
        add("Production date", productionDate.map { "\($0.date) (YYMMDD \($0.yymmdd))" })
        add("Company prefix", companyPrefixLength.map { "\($0) digits" })
        add("EPC URI", epcURI)
        add("Lot class URI", lotClassURI)
        add("Digital Link", digitalLink)
        add("Element string", elementString.map { $0.replacingOccurrences(of: "\u{1D}", with: "<GS>") })
        add("Human-readable", humanReadable)
        let width = rows.map(\.0.count).max() ?? 0
        var out = rows.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }.joined(separator: "\n")
        for note in notes { out += "\nnote: \(note)" }
        return out
    }
}
