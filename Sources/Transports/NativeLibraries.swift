internal import CCurl
internal import CGatewayShims
internal import CLibSSH2
internal import COpenSSL

/// The versions of the C libraries the transports run on, for `epcis-gateway version` and
/// support reports.
public enum NativeLibraries {
    /// libcurl's version and its TLS backend, for example `7.88.1 (OpenSSL/3.0.19)`.
    public static var curl: String {
        guard let info = CGatewayShims_curl_version_info_now() else { return "unknown" }
        let version = info.pointee.version.map { String(cString: $0) } ?? "unknown"
        let tls = info.pointee.ssl_version.map { String(cString: $0) } ?? "no TLS"
        return "\(version) (\(tls))"
    }

    /// OpenSSL's version text, for example `OpenSSL 3.0.19 27 Jan 2026`.
    public static var openSSL: String {
        CGatewayShims_openssl_version_text().map { String(cString: $0) } ?? "unknown"
    }

    /// libssh2's version, for example `1.10.0`.
    public static var libssh2: String {
        libssh2_version(0).map { String(cString: $0) } ?? "unknown"
    }
}
