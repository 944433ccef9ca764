import Delivery
import Foundation
import Partners
import StoreTestSupport
import Testing

/// The running gateway's view of the profile directory: refuse to start on errors, keep the
/// last good profiles when an edit breaks one, take a fixed edit.
@Suite struct PartnerDirectoryTests {
    static func profile(name: String, url: String = "https://example.test/capture") -> String {
        """
        id: acme
        name: \(name)
        gln: "0614141000005"
        epcis: { version: "2.0", format: json-ld }
        transport: { https: { url: "\(url)" } }
        """
    }

    @Test func aBrokenEditKeepsTheLastGoodProfilesAndAFixedOneIsTaken() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("directory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("acme.yaml")
        try Self.profile(name: "ACME One").write(to: file, atomically: true, encoding: .utf8)
        let partners = try PartnerDirectory(directory: directory.path, loader: ProfileLoader(environment: [:]))
        #expect(partners.current["acme"]?.name == "ACME One")
        #expect(partners.reload().isEmpty, "nothing changed, nothing to report")

        try Self.profile(name: "ACME Two", url: "http://example.test/capture").write(to: file, atomically: true, encoding: .utf8)
        let problems = partners.reload()
        #expect(problems.map(\.code) == ["bad-url"])
        #expect(partners.current["acme"]?.name == "ACME One", "the last good profile stays in force")

        try Self.profile(name: "ACME Three").write(to: file, atomically: true, encoding: .utf8)
        #expect(partners.reload().isEmpty)
        #expect(partners.current["acme"]?.name == "ACME Three")
    }

    @Test func startingWithABrokenProfileIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("directory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "id: acme\nname: x\n".write(to: directory.appendingPathComponent("acme.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: ProfilesRejected.self) { try PartnerDirectory(directory: directory.path) }
        #expect(error?.problems.contains { $0.code == "missing-key" && $0.key == "gln" } == true)
    }
}
