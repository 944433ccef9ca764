internal import GS1

/// The GS1 identifiers a document names, parsed by the GS1 module: EPCs, class URIs and
/// Digital Links in every event field that holds one, the master data ids, and the SBDH GLNs.
///
/// A URN of a scheme the GS1 module reads (`sgtin`, `sscc`, `sgln`, `pgln`, `lgtin`,
/// `idpat:sgtin`) or an `http(s)` Digital Link must parse, and must be the kind of identifier
/// its field holds (an item where items go, a location where locations go). Other URIs (a
/// GRAI, a private URN) are left alone: EPCIS allows them, and the GS1 module does not read
/// them. Results are data: each finding is an issue with the rule `gs1:…`, the field, the
/// value and the reason.
enum IdentifierRules {
    /// What a field may hold.
    enum Kind: String {
        /// An instance: any EPC, not a class (epcList, parentID, childEPCs, inputs, outputs).
        case instance
        /// A class: an LGTIN or an SGTIN pattern (quantity lists, EPCClass master data).
        case productClass = "class"
        /// A location: an SGLN (readPoint, bizLocation, location sources and destinations).
        case location
        /// A party: a PGLN or an SGLN (owning and possessing parties).
        case party
    }

    /// The findings for event `index` (1-based); `path` makes a field's location text.
    /// `cache` makes a document of a million SGTINs of a few products cheap to check.
    static func issues(_ event: EPCISEvent, index: Int, cache: inout SGTINURICache, path: (String) -> String) -> [EPCISIssue] {
        var found: [EPCISIssue] = []
        func check(_ value: String?, _ kind: Kind, _ field: String) {
            guard let value, let problem = problem(value, kind, cache: &cache) else { return }
            found.append(issue(problem, field: field, value: value, kind: kind, at: path(field), event: index))
        }
        check(event.parentID, .instance, "parentID")
        for (list, name) in [
            (event.epcList, event.type == .aggregation || event.type == .association ? "childEPCs" : "epcList"),
            (event.inputEPCList, "inputEPCList"), (event.outputEPCList, "outputEPCList"),
        ] {
            for (position, value) in list.enumerated() { check(value, .instance, "\(name)[\(position)]") }
        }
        for (list, name) in [
            (event.quantityList, event.type == .aggregation || event.type == .association ? "childQuantityList" : "quantityList"),
            (event.inputQuantityList, "inputQuantityList"), (event.outputQuantityList, "outputQuantityList"),
        ] {
            for (position, element) in list.enumerated() { check(element.epcClass, .productClass, "\(name)[\(position)].epcClass") }
        }
        check(event.readPoint, .location, "readPoint")
        check(event.bizLocation, .location, "bizLocation")
        for (references, name) in [(event.sources, "sourceList"), (event.destinations, "destinationList")] {
            for (position, reference) in references.enumerated() {
                let kind: Kind = reference.type.map { $0.hasSuffix("location") } == true ? .location : .party
                check(reference.value, kind, "\(name)[\(position)]")
            }
        }
        return found
    }

    /// The findings in the header: master data ids of the EPCClass, Location and Party
    /// vocabularies, and the SBDH sender and receiver identifiers.
    static func issues(_ header: EPCISHeader) -> [EPCISIssue] {
        var found: [EPCISIssue] = []
        var cache = SGTINURICache()
        for vocabulary in header.vocabularies {
            let kind: Kind? =
                vocabulary.type.hasSuffix("EPCClass")
                ? .productClass
                : vocabulary.type.hasSuffix("Location") ? .location : vocabulary.type.hasSuffix("Party") ? .party : nil
            guard let kind else { continue }
            for (position, element) in vocabulary.elements.enumerated() {
                guard let problem = problem(element.id, kind, cache: &cache) else { continue }
                let field = "masterData \(vocabulary.type.split(separator: ":").last.map(String.init) ?? vocabulary.type) id[\(position)]"
                found.append(issue(problem, field: field, value: element.id, kind: kind, at: field, event: nil))
            }
        }
        if let sbdh = header.sbdh {
            for (identifiers, role) in [(sbdh.senders, "Sender"), (sbdh.receivers, "Receiver")] {
                for (position, identifier) in identifiers.enumerated() {
                    guard let problem = sbdhProblem(identifier) else { continue }
                    let field = "StandardBusinessDocumentHeader \(role)[\(position)] Identifier (Authority \(identifier.authority))"
                    found.append(
                        EPCISIssue(
                            .error, rule: "gs1:sbdh-identifier", message: "\(field) '\(identifier.value)' \(problem)", path: field,
                            hint: "write the partner's 13-digit GLN with its check digit (Authority GS1 or GLN), or its SGLN URN (Authority SGLN)"))
                }
            }
        }
        return found
    }

    private static func issue(_ problem: String, field: String, value: String, kind: Kind, at path: String, event: Int?) -> EPCISIssue {
        let subject = event.map { "event \($0) \(field)" } ?? field
        let hint: String
        switch kind {
        case .instance:
            hint =
                "write an SGTIN (urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial) or an SSCC URN, or a Digital Link with /01/…/21/… or /00/…"
        case .productClass:
            hint =
                "write an LGTIN (urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot) or an SGTIN pattern (urn:epc:idpat:sgtin:CompanyPrefix.IndicatorItemRef.*)"
        case .location: hint = "write an SGLN (urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension, with both dots) or a Digital Link with /414/"
        case .party: hint = "write a PGLN (urn:epc:id:pgln:CompanyPrefix.PartyRef) or an SGLN, or a Digital Link with /417/ or /414/"
        }
        return EPCISIssue(.error, rule: "gs1:\(kind.rawValue)", message: "\(subject) '\(value.prefix(120))' \(problem)", path: path, hint: hint)
    }

    /// Why `value` is not a valid identifier of `kind`; nil when it is, or when it is a URI
    /// the GS1 module does not read.
    static func problem(_ value: String, _ kind: Kind, cache: inout SGTINURICache) -> String? {
        if kind == .instance && value.hasPrefix("urn:epc:id:sgtin:") {
            return cache.read(value).error.map { "is not a valid EPC URI: \($0.message)" }
        }
        let lower = value.prefix(24).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            // Only a URI with a GS1 key the GS1 module reads is taken as a Digital Link; other
            // web URIs (a company's own vocabulary, a GRAI's /8003/) are valid EPCIS and not ours to judge.
            guard ["/01/", "/00/", "/414/", "/417/"].contains(where: { value.contains($0) }) else { return nil }
            let parsed: GS1DigitalLink.Parsed
            do { parsed = try GS1DigitalLink.parse(value) } catch let error as GS1Error {
                return "is not a valid GS1 Digital Link: \(error.message)"
            } catch {
                return "is not a valid GS1 Digital Link: \(error)"
            }
            let message = parsed.message
            let fits: Bool
            switch kind {
            case .instance:
                fits =
                    (message[.gtin] != nil && message[.serial] != nil) || message[.sscc] != nil || message[.locationGLN] != nil
                    || message[.partyGLN] != nil
            case .productClass: fits = message[.gtin] != nil && message[.serial] == nil
            case .location: fits = message[.locationGLN] != nil
            case .party: fits = message[.partyGLN] != nil || message[.locationGLN] != nil
            }
            return fits ? nil : "is a Digital Link, but not of \(description(kind))"
        }
        guard readable.contains(where: { lower.hasPrefix($0) }) else { return nil }
        let epc: EPC
        do { epc = try EPC(uri: value) } catch let error as GS1Error {
            return "is not a valid EPC URI: \(error.message)"
        } catch {
            return "is not a valid EPC URI: \(error)"
        }
        let fits: Bool
        switch (kind, epc) {
        // An instance field may name any EPC (an AssociationEvent's parent may be a location).
        case (.instance, .sgtin), (.instance, .sscc), (.instance, .sgln), (.instance, .pgln), (.productClass, .lgtin), (.productClass, .gtinPattern),
            (.location, .sgln),
            (.party, .pgln), (.party, .sgln):
            fits = true
        default: fits = false
        }
        return fits ? nil : "is a valid EPC URI, but not of \(description(kind))"
    }

    /// The schemes `EPC(uri:)` reads; other `urn:epc:` schemes are not checked here.
    private static let readable = [
        "urn:epc:id:sgtin:", "urn:epc:id:sscc:", "urn:epc:id:sgln:", "urn:epc:id:pgln:", "urn:epc:class:lgtin:", "urn:epc:idpat:sgtin:",
    ]

    private static func description(_ kind: Kind) -> String {
        switch kind {
        case .instance: "an instance (an EPC such as an SGTIN or SSCC, not a class), which this field holds"
        case .productClass: "a product class (LGTIN or SGTIN pattern), which this field holds"
        case .location: "a location (SGLN), which this field holds"
        case .party: "a party (PGLN or SGLN), which this field holds"
        }
    }

    /// Why an SBDH identifier is wrong; nil when it is right or of an authority we do not read.
    /// Real files pair the authorities and forms in several ways (`GS1` with an SGLN URN or a
    /// GLN, `SGLN` with a URN, `GLN` with 13 digits), so the form is read from the value.
    private static func sbdhProblem(_ identifier: StandardBusinessDocumentHeader.PartnerIdentifier) -> String? {
        guard ["GS1", "GLN", "SGLN"].contains(identifier.authority.uppercased()) else { return nil }
        if identifier.value.lowercased().hasPrefix("urn:") {
            var cache = SGTINURICache()
            return problem(identifier.value, .location, cache: &cache)
        }
        do {
            _ = try GLN(identifier.value)
            return nil
        } catch let error as GS1Error {
            return "is not a GLN: \(error.message)"
        } catch {
            return "is not a GLN: \(error)"
        }
    }
}
