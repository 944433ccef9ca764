import GS1
import Testing

/// The cache gives the full parse's answer, and its message, for every kind of URI.
struct SGTINURICacheTests {
    static let uris = [
        "urn:epc:id:sgtin:030001.0012345.11", "urn:epc:id:sgtin:030001.0012345.12", "urn:epc:id:sgtin:030001.1012345.110",
        "urn:epc:id:sgtin:030001.012345.11", "urn:epc:id:sgtin:0300010.012345.11", "urn:epc:id:sgtin:030001.0012345.",
        "urn:epc:id:sgtin:030001.0012345.ABCDEFGHIJKLMNOPQRSTU", "urn:epc:id:sgtin:030001.0012345.A%2FB", "urn:epc:id:sgtin:030001.0012345.A%41",
        "urn:epc:id:sgtin:030001.0012345.A/B", "urn:epc:id:sgtin:030001.0012345.a.b:c", "urn:epc:id:sgtin:03000X.0012345.1",
        "urn:epc:id:sgtin:030001.0012345", "urn:epc:id:sscc:030001.41234567890", "URN:EPC:ID:SGTIN:030001.0012345.11",
        "urn:epc:id:sgtin:030001.0012345.1 2", "urn:epc:id:sgtin:030001.0012345.é",
    ]

    @Test func everyAnswerIsTheFullParsesAnswer() {
        var cache = SGTINURICache()
        // Twice, so the second round reads the cached prefixes.
        for _ in 0..<2 {
            for uri in Self.uris {
                let fast = cache.read(uri)
                let expected: (String?, String?)
                do {
                    if case .sgtin(let value) = try EPC(uri: uri) { expected = (value.gtin.value, nil) } else { expected = (nil, nil) }
                } catch let error as GS1Error {
                    expected = (nil, error.message)
                } catch {
                    expected = (nil, "\(error)")
                }
                #expect(fast.gtin?.value == expected.0 && fast.error?.message == expected.1, "\(uri): \(fast) vs \(expected)")
            }
        }
    }
}
