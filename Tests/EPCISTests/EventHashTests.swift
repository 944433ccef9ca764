import EPCIS
import Foundation
import Testing

struct EventHashTests {
    static let mda = EPCISNamespace.cbvmda

    /// The commissioning event of `hash-test-vectors/derived/dscsa_commission_ship` (notes §4.2),
    /// built from its JSON-LD: local time with offset, URN EPCs, bare CBV words.
    static var commissioning: EPCISEvent {
        var event = EPCISEvent(type: .object, eventTime: "2024-03-01T09:30:00.000+01:00", eventTimeZoneOffset: "+01:00", action: .add)
        event.epcList = ["urn:epc:id:sgtin:0614141.107346.2018", "urn:epc:id:sgtin:0614141.107346.2017"]
        event.bizStep = "commissioning"
        event.disposition = "active"
        event.readPoint = "urn:epc:id:sgln:0614141.07346.1234"
        event.ilmd = [
            XMLElement(namespace: mda, prefix: "cbvmda", name: "lotNumber", text: "LOT123"),
            XMLElement(namespace: mda, prefix: "cbvmda", name: "itemExpirationDate", text: "2026-12-31"),
        ]
        return event
    }

    @Test func commissioningEventMatchesTheReferenceVector() throws {
        let event = Self.commissioning
        #expect(
            try EventHash.preHashString(of: event)
                == "eventType=ObjectEventeventTime=2024-03-01T08:30:00.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/01/10614141073464/21/2017epc=https://id.gs1.org/01/10614141073464/21/2018action=ADDbizStep=https://ref.gs1.org/cbv/BizStep-commissioningdisposition=https://ref.gs1.org/cbv/Disp-activereadPointid=https://id.gs1.org/414/0614141073467/254/1234ilmd{urn:epcglobal:cbv:mda}itemExpirationDate=2026-12-31{urn:epcglobal:cbv:mda}lotNumber=LOT123"
        )
        #expect(try EventHash.id(of: event) == "ni:///sha-256;c4fee0d6ea7b20d2ed0fefa1eb4241090cc85fb4dddf566a89814351a7a27b30?ver=CBV2.0")
    }

    @Test func theSameEventInAnySpellingHasTheSameID() throws {
        var urnSpelling = Self.commissioning
        urnSpelling.eventTime = "2024-03-01T08:30:00Z"
        urnSpelling.bizStep = "urn:epcglobal:cbv:bizstep:commissioning"
        urnSpelling.disposition = "https://ref.gs1.org/cbv/Disp-active"
        urnSpelling.epcList.reverse()
        urnSpelling.ilmd.reverse()
        urnSpelling.eventID = "urn:uuid:ignored-by-the-hash"
        #expect(try EventHash.id(of: urnSpelling) == EventHash.id(of: Self.commissioning))
        var changed = Self.commissioning
        changed.ilmd[0] = XMLElement(namespace: Self.mda, prefix: "cbvmda", name: "lotNumber", text: "LOT124")
        #expect(try EventHash.id(of: changed) != EventHash.id(of: Self.commissioning))
    }

    /// The reference tool sorts sourceList after destinationList (notes §4.4 item 1); the written
    /// algorithm puts sourceList first, and so do we. Everything else matches its vector.
    @Test func shippingEventFollowsTheWrittenOrderOfSourceAndDestination() throws {
        var event = EPCISEvent(type: .object, eventTime: "2024-03-02T08:00:00.000Z", eventTimeZoneOffset: "-05:00", action: .observe)
        event.epcList = ["urn:epc:id:sscc:0614141.1234567890"]
        event.bizStep = "shipping"
        event.disposition = "in_transit"
        event.readPoint = "urn:epc:id:sgln:0614141.07346.1234"
        event.bizTransactions = [
            TypedReference(type: "po", value: "urn:epcglobal:cbv:bt:0614141000005:PO-4711"),
            TypedReference(type: "desadv", value: "urn:epcglobal:cbv:bt:0614141000005:ASN-1"),
        ]
        event.sources = [TypedReference(type: "owning_party", value: "urn:epc:id:sgln:0614141.00000.0")]
        event.destinations = [TypedReference(type: "owning_party", value: "urn:epc:id:sgln:0012345.00000.0")]
        let common =
            "eventType=ObjectEventeventTime=2024-03-02T08:00:00.000ZeventTimeZoneOffset=-05:00epcListepc=https://id.gs1.org/00/106141412345678908action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-shippingdisposition=https://ref.gs1.org/cbv/Disp-in_transitreadPointid=https://id.gs1.org/414/0614141073467/254/1234bizTransactionListtype=https://ref.gs1.org/cbv/BTT-desadvbizTransaction=urn:epcglobal:cbv:bt:0614141000005:ASN-1type=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:epcglobal:cbv:bt:0614141000005:PO-4711"
        let source = "sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=https://id.gs1.org/414/0614141000005"
        let destination = "destinationListtype=https://ref.gs1.org/cbv/SDT-owning_partydestination=https://id.gs1.org/414/0012345000003"
        #expect(try EventHash.preHashString(of: event) == common + source + destination)
        // With the reference tool's order our canonical values give exactly its vector.
        #expect(
            EventHash.id(forPreHashString: common + destination + source)
                == "ni:///sha-256;e7549bacb4920a474b0d4157615b053bd970eee2e67d0ef2f909813a10c41339?ver=CBV2.0")
        #expect(try EventHash.id(of: event) != EventHash.id(forPreHashString: common + destination + source))
    }

    @Test(arguments: [
        ("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00.000Z"),
        ("2023-12-31T23:59:59.5-00:30", "2024-01-01T00:29:59.500Z"),
        ("2024-03-01T08:30:00.123456Z", "2024-03-01T08:30:00.123456Z"), ("2024-03-01T08:30:00.120000Z", "2024-03-01T08:30:00.120Z"),
    ])
    func timesAreNormalisedToUTC(input: String, expected: String) throws {
        var event = Self.commissioning
        event.eventTime = input
        #expect(try EventHash.preHashString(of: event).contains("eventTime=\(expected)eventTimeZoneOffset"))
    }

    /// The reference-tool profile rounds to milliseconds, carrying through the calendar.
    @Test(arguments: [
        ("2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"), ("2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"),
        ("2023-12-31T23:59:59.9996Z", "2024-01-01T00:00:00.000Z"), ("2024-03-01T08:30:00Z", "2024-03-01T08:30:00.000Z"),
    ])
    func referenceToolProfileRoundsToMilliseconds(input: String, expected: String) throws {
        var event = Self.commissioning
        event.eventTime = input
        #expect(try EventHash.preHashString(of: event, profile: .referenceTool).contains("eventTime=\(expected)eventTimeZoneOffset"))
        #expect(try EventHash.preHashString(of: event).contains("eventTime=\(input.replacingOccurrences(of: "Z", with: ""))"))
    }

    @Test func unreadableTimesAreRefused() throws {
        var event = Self.commissioning
        event.eventTime = "2024-03-01 08:30"
        #expect(throws: EPCISError.self) { try EventHash.id(of: event) }
        event.eventTime = "2024-03-01T08:30:00"
        #expect(throws: EPCISError.self) { try EventHash.id(of: event) }
        var sensor = Self.commissioning
        sensor.sensorElements = [
            XMLElement(
                name: "sensorElement",
                children: [.element(XMLElement(name: "sensorReport", attributes: [XMLAttribute(name: "time", value: "yesterday")]))])
        ]
        #expect(throws: EPCISError.self) { try EventHash.id(of: sensor) }
    }
}
