internal import CCurl
internal import CGatewayShims
internal import Foundation
internal import GatewayCore
internal import Synchronization

/// One HTTP exchange for libcurl.
struct HTTPRequest: Sendable {
    enum Body: Sendable {
        case none
        /// Streamed from a file by libcurl's own `fread`; never loaded whole.
        case file(path: String, size: Int64)
        case text(String)
    }
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: Body
    var tls: TLSOptions
    var proxy: String?
    var connectTimeoutMilliseconds: Int
    var timeoutMilliseconds: Int
}

/// How to check the server and present ourselves.
struct TLSOptions: Sendable {
    var verify = true
    var caFile: String?
    var clientCertificate: String?
    var clientKey: String?
}

struct HTTPResponse: Sendable {
    var status: Int
    /// Header names lower-cased, in arrival order (the last response's headers only).
    var headers: [(String, String)]
    /// At most ``CurlClient/bodyLimit`` bytes of the body.
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.last { $0.0 == name.lowercased() }?.1 }

    /// The status line and the start of the body, for the attempt log.
    var summary: String {
        let text = String(decoding: body.prefix(600), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return "HTTP \(status)" + (text.isEmpty ? "" : ": \(text)")
    }
}

/// A libcurl failure before any HTTP status: connection, TLS, timeout.
struct CurlFailure: Error, Sendable, CustomStringConvertible {
    var code: Int
    var message: String
    var description: String { "\(message) (libcurl error \(code))" }
}

/// Runs HTTP requests with libcurl on the shared blocking pool, reusing easy handles (each
/// request opens a connection of its own; see ``perform(_:)``).
final class CurlClient: Sendable {
    static let bodyLimit = 256 * 1024
    private static let globalInit: Bool = { curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK }()

    private let handles = Mutex<[Handle]>([])

    /// An easy handle; used by one request at a time.
    final class Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        init?() {
            guard CurlClient.globalInit, let pointer = curl_easy_init() else { return nil }
            self.pointer = pointer
        }
        deinit { curl_easy_cleanup(pointer) }
    }

    init() {}

    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let handle = handles.withLock { $0.popLast() } ?? Handle()
        guard let handle else { throw CurlFailure(code: -1, message: "libcurl could not start") }
        let result = try await BlockingPool.run { Self.perform(request, on: handle) }
        handles.withLock { $0.append(handle) }
        return try result.get()
    }

    /// Collects the response while libcurl runs.
    private final class Collector {
        var headers: [(String, String)] = []
        var body: [UInt8] = []
    }

    private static func perform(_ request: HTTPRequest, on handle: Handle) -> Result<HTTPResponse, CurlFailure> {
        let curl = handle.pointer
        curl_easy_reset(curl)
        let collector = Collector()
        let box = Unmanaged.passRetained(collector)
        defer { box.release() }
        var list: UnsafeMutablePointer<curl_slist>?
        // An empty Expect stops libcurl waiting for 100-continue, which many servers never send.
        for line in request.headers.map({ "\($0.0): \($0.1)" }) + ["Expect:"] { list = curl_slist_append(list, line) }
        defer { curl_slist_free_all(list) }
        var file: UnsafeMutablePointer<FILE>?
        defer { if let file { fclose(file) } }

        var failures: [String] = []
        func set(_ option: CURLoption, _ value: Int) {
            if CGatewayShims_curl_easy_setopt_long(curl, option, value) != CURLE_OK { failures.append("\(option)") }
        }
        func set(_ option: CURLoption, _ value: String) {
            if CGatewayShims_curl_easy_setopt_string(curl, option, value) != CURLE_OK { failures.append("\(option)") }
        }

        set(CURLOPT_URL, request.url)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_PROTOCOLS_STR, "https,http")
        set(CURLOPT_FOLLOWLOCATION, 0)
        // Every request on a connection of its own. On a reused connection that the server had
        // closed, libcurl silently sends the request again within one transfer, and the partner
        // would see a request the delivery log does not (one request on the wire is one
        // recorded attempt). The price is a TLS handshake per request.
        set(CURLOPT_FRESH_CONNECT, 1)
        set(CURLOPT_FORBID_REUSE, 1)
        set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds)
        set(CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds)
        set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        set(CURLOPT_SSL_VERIFYPEER, request.tls.verify ? 1 : 0)
        set(CURLOPT_SSL_VERIFYHOST, request.tls.verify ? 2 : 0)
        if let ca = request.tls.caFile { set(CURLOPT_CAINFO, ca) }
        if let certificate = request.tls.clientCertificate { set(CURLOPT_SSLCERT, certificate) }
        if let key = request.tls.clientKey { set(CURLOPT_SSLKEY, key) }
        if let proxy = request.proxy { set(CURLOPT_PROXY, proxy) }
        _ = CGatewayShims_curl_easy_setopt_pointer(curl, CURLOPT_HTTPHEADER, list.map { UnsafeMutableRawPointer($0) })
        switch request.body {
        case .none:
            if request.method == "GET" { set(CURLOPT_HTTPGET, 1) } else { set(CURLOPT_CUSTOMREQUEST, request.method) }
        case .file(let path, let size):
            guard let opened = fopen(path, "rb") else { return .failure(CurlFailure(code: -1, message: "cannot open \(path) to send it")) }
            file = opened
            set(CURLOPT_POST, 1)
            _ = CGatewayShims_curl_easy_setopt_off(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(size))
            // Without a read function libcurl freads this FILE itself.
            _ = CGatewayShims_curl_easy_setopt_pointer(curl, CURLOPT_READDATA, UnsafeMutableRawPointer(opened))
        case .text(let text):
            set(CURLOPT_POST, 1)
            set(CURLOPT_POSTFIELDSIZE, text.utf8.count)
            set(CURLOPT_COPYPOSTFIELDS, text)
        }
        _ = CGatewayShims_curl_easy_setopt_write(
            curl, CURLOPT_WRITEFUNCTION,
            { data, size, count, user in
                let collector = Unmanaged<Collector>.fromOpaque(user!).takeUnretainedValue()
                let length = size * count
                let room = max(0, CurlClient.bodyLimit - collector.body.count)
                if room > 0, let data {
                    data.withMemoryRebound(to: UInt8.self, capacity: length) {
                        collector.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(room, length)))
                    }
                }
                return length
            })
        _ = CGatewayShims_curl_easy_setopt_pointer(curl, CURLOPT_WRITEDATA, box.toOpaque())
        _ = CGatewayShims_curl_easy_setopt_write(
            curl, CURLOPT_HEADERFUNCTION,
            { data, size, count, user in
                let collector = Unmanaged<Collector>.fromOpaque(user!).takeUnretainedValue()
                let length = size * count
                guard let data else { return length }
                let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                // A new status line (after a 100 Continue or a redirect) starts a new header set.
                if line.hasPrefix("HTTP/") { collector.headers.removeAll() }
                if let colon = line.firstIndex(of: ":") {
                    let name = line[..<colon].lowercased()
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                    collector.headers.append((name, value))
                }
                return length
            })
        _ = CGatewayShims_curl_easy_setopt_pointer(curl, CURLOPT_HEADERDATA, box.toOpaque())
        guard failures.isEmpty else {
            return .failure(CurlFailure(code: -1, message: "libcurl refused the options \(failures.joined(separator: ", "))"))
        }

        let code = curl_easy_perform(curl)
        guard code == CURLE_OK else {
            let message = curl_easy_strerror(code).map { String(cString: $0) } ?? "unknown error"
            return .failure(CurlFailure(code: Int(code.rawValue), message: message))
        }
        var status = 0
        _ = CGatewayShims_curl_easy_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: collector.headers, body: collector.body))
    }
}
