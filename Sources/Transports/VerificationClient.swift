internal import Foundation

/// A requestor's side of VRS: sends a correct `verify` or `checkConnectivity` request to a
/// responder (a partner's, or ours) with libcurl, TLS verified. What the answer should have
/// been is judged by `Verification.VerificationResponseCheck`.
public struct VerificationClient: Sendable {
    /// One request and its answer.
    public struct Exchange: Sendable {
        public var url: String
        public var status: Int
        /// Names lower-cased.
        public var headers: [String: String]
        public var body: [UInt8]
    }

    /// Extra headers (an API key, `Authorization`, `GS1US-Version`), sent as given.
    public var headers: [(String, String)]
    public var caFile: String?
    public var clientCertificate: String?
    public var clientKey: String?
    public var timeoutMilliseconds: Int
    private let curl = CurlClient()

    public init(
        headers: [(String, String)] = [], caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil,
        timeoutMilliseconds: Int = 10_000
    ) {
        self.headers = headers
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// `GET {base}/verify/gtin/{gtin}/lot/{lot}/ser/{serial}?exp=…&linkType=…&context=…&reqGLN=…&corrUUID=…`,
    /// lot and serial percent-encoded once.
    public func verify(base: String, gtin: String, lot: String, serial: String, expiry: String, requestor: String, correlationID: String)
        async throws -> Exchange
    {
        let url =
            "\(Self.trimmed(base))/verify/gtin/\(Self.encode(gtin))/lot/\(Self.encode(lot))/ser/\(Self.encode(serial))?exp=\(Self.encode(expiry))"
            + "&linkType=verificationService&context=dscsaSaleableReturn&reqGLN=\(Self.encode(requestor))&corrUUID=\(Self.encode(correlationID))"
        return try await get(url)
    }

    /// `GET {base}/checkConnectivity?gtin=…&reqGLN=…&linkType=…&context=…`.
    public func checkConnectivity(base: String, gtin: String, requestor: String) async throws -> Exchange {
        try await get(
            "\(Self.trimmed(base))/checkConnectivity?gtin=\(Self.encode(gtin))&reqGLN=\(Self.encode(requestor))"
                + "&linkType=verificationService&context=dscsaSaleableReturn")
    }

    private func get(_ url: String) async throws -> Exchange {
        let response = try await curl.perform(
            HTTPRequest(
                method: "GET", url: url, headers: [("Accept", "application/json")] + headers, body: .none,
                tls: TLSOptions(verify: true, caFile: caFile, clientCertificate: clientCertificate, clientKey: clientKey), proxy: nil,
                connectTimeoutMilliseconds: min(timeoutMilliseconds, 10_000), timeoutMilliseconds: timeoutMilliseconds))
        var fields: [String: String] = [:]
        for (name, value) in response.headers { fields[name] = value }
        return Exchange(url: url, status: response.status, headers: fields, body: response.body)
    }

    /// RFC 3986: everything but the unreserved characters, byte by byte.
    public static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                result += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 0x0F)])"
            }
        }
        return result
    }

    static func trimmed(_ base: String) -> String { base.hasSuffix("/") ? String(base.dropLast()) : base }
}
