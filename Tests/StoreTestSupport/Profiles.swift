import Foundation
public import Partners

/// A profile for tests: an HTTPS capture partner at `url`.
public func testProfile(
    id: String = "sink", url: String, caFile: String? = nil, schedule: [Duration] = [.seconds(1)], extra: (inout HTTPSSettings) -> Void = { _ in }
)
    -> PartnerProfile
{
    var https = HTTPSSettings(
        url: url, mode: .capture, pollInterval: .seconds(1), caFile: caFile, connectTimeout: .seconds(5), requestTimeout: .seconds(20))
    extra(&https)
    return PartnerProfile(
        id: id, name: "Test sink", glns: [], epcis: EPCISSettings(version: .v2_0, format: .jsonLD), transport: .https(https),
        retry: RetryPolicy(schedule: schedule, giveUpAfter: .seconds(7200)), file: "\(id).yaml")
}

/// A small document file with unique content.
public func documentFile(_ name: String, events: Int = 1) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("doc-\(name)-\(UUID().uuidString).json").path
    let list = (0..<events).map {
        #"{"type":"ObjectEvent","eventTime":"2026-11-21T10:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":["urn:epc:id:sgtin:0614141.107346.\#($0)"]}"#
    }
    let text =
        #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-21T10:00:00Z","instanceIdentifier":"\#(name)","epcisBody":{"eventList":[\#(list.joined(separator: ","))]}}"#
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
