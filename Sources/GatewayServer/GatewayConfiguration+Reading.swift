internal import Foundation
public import GatewayCore
internal import Yams

extension GatewayConfiguration {
    /// The defaults, then `file` (YAML) if given, then the environment.
    ///
    /// File keys, each optional:
    /// - `store` (text): a SQLite path or `postgres://user:password@host:port/database`
    /// - `data` (text): the private data directory
    /// - `profiles` (text): the partner profile directory
    /// - `profileReloadSeconds` (integer)
    /// - `schemas` (text): the EPCIS schema directory received documents are validated against
    /// - `http`: `host` (text), `port` (integer), `maxRequestBytes` (integer), `tls`:
    ///   `certificate`, `key`, `clientCA` (PEM file paths), `captureBasePath` (text: the
    ///   EPCIS 2.0 capture interface is `{captureBasePath}/capture`)
    /// - `delivery`: `leaseSeconds`, `batch`, `pollBatch`, `idleMilliseconds` (integers),
    ///   `spool` (text)
    /// - `verification`: `responderGLN` (text), `companyPrefixes` (list of text), `basePath`
    ///   (text), `policy` (text: the policy file), `coolDown`: `failures`, `windowSeconds`,
    ///   `seconds` (integers)
    ///
    /// Environment variables: `EPCIS_GATEWAY_STORE`, `EPCIS_GATEWAY_DATA`,
    /// `EPCIS_GATEWAY_PROFILES`, `EPCIS_GATEWAY_HOST`, `EPCIS_GATEWAY_PORT`. A password belongs
    /// in `EPCIS_GATEWAY_STORE` rather than in a file others may read.
    ///
    /// - Throws: ``ConfigurationError`` naming the file, line, key and the fix.
    public init(file: String?, environment: [String: String]) throws {
        self.init()
        if let file { try read(file) }
        if let value = environment["EPCIS_GATEWAY_STORE"], !value.isEmpty { store = value }
        if let value = environment["EPCIS_GATEWAY_DATA"], !value.isEmpty { dataDirectory = value }
        if let value = environment["EPCIS_GATEWAY_PROFILES"], !value.isEmpty { profiles = value }
        if let value = environment["EPCIS_GATEWAY_HOST"], !value.isEmpty { http?.host = value }
        if let value = environment["EPCIS_GATEWAY_PORT"], !value.isEmpty {
            guard let port = Int(value), (1...65_535).contains(port) else {
                throw ConfigurationError(
                    .invalidValue, place: "EPCIS_GATEWAY_PORT", "is '\(value)', not a port number", fix: "set a number from 1 to 65535")
            }
            http?.port = port
        }
    }

    private mutating func read(_ file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError(.unreadable, place: file, "cannot be read", fix: "check the path and that this user may read it")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) } catch {
            throw ConfigurationError(.unreadable, place: file, "is not YAML: \(error)", fix: "correct the YAML syntax")
        }
        guard let root else { return }
        let top = try Section(
            root, file: file, path: "", keys: ["store", "data", "profiles", "profileReloadSeconds", "http", "delivery", "schemas", "verification"])
        if let value = try top.text("store") { store = value }
        if let value = try top.text("data") { dataDirectory = value }
        if let value = try top.text("profiles") { profiles = value }
        if let value = try top.text("schemas") { schemas = value }
        if let value = try top.integer("profileReloadSeconds", 1...86_400) { profileReload = .seconds(value) }
        if let node = top.node("http") {
            let section = try Section(node, file: file, path: "http.", keys: ["host", "port", "maxRequestBytes", "tls", "captureBasePath"])
            var http = self.http ?? HTTP()
            if let node = section.node("tls") {
                let tls = try Section(node, file: file, path: "http.tls.", keys: ["certificate", "key", "clientCA"])
                guard let certificate = try tls.text("certificate"), let key = try tls.text("key") else {
                    throw ConfigurationError(
                        .invalidValue, place: "\(file):\(node.mark?.line ?? 0) http.tls", "needs certificate and key",
                        fix: "name the PEM files of the server's certificate chain and private key")
                }
                http.tls = TLS(certificateFile: certificate, keyFile: key, clientCAFile: try tls.text("clientCA"))
            }
            if let value = try section.text("host") { http.host = value }
            if let value = try section.integer("port", 1...65_535) { http.port = value }
            if let value = try section.integer("maxRequestBytes", 1...(1 << 40)) { http.maximumRequestBytes = value }
            if let value = try section.text("captureBasePath") {
                guard value.isEmpty || (value.hasPrefix("/") && !value.hasSuffix("/") && !value.contains(":") && !value.contains("*")) else {
                    throw ConfigurationError(
                        .invalidValue, place: "\(file) http.captureBasePath", "is '\(value)', not a path prefix",
                        fix: "write a path that starts with / and does not end with one, for example /epcis, or leave it out for /capture")
                }
                http.captureBasePath = value
            }
            self.http = http
        }
        if let node = top.node("delivery") {
            let section = try Section(node, file: file, path: "delivery.", keys: ["leaseSeconds", "batch", "pollBatch", "idleMilliseconds", "spool"])
            if let value = try section.integer("leaseSeconds", 5...86_400) { delivery.lease = .seconds(value) }
            if let value = try section.integer("batch", 1...1_000) { delivery.batch = value }
            if let value = try section.integer("pollBatch", 1...10_000) { delivery.pollBatch = value }
            if let value = try section.integer("idleMilliseconds", 1...600_000) { delivery.idleWait = .milliseconds(value) }
            if let value = try section.text("spool") { delivery.spoolDirectory = value }
        }
        if let node = top.node("verification") {
            let section = try Section(
                node, file: file, path: "verification.", keys: ["responderGLN", "companyPrefixes", "basePath", "policy", "coolDown"])
            guard let gln = try section.text("responderGLN") else {
                throw ConfigurationError(
                    .invalidValue, place: "\(file):\(node.mark?.line ?? 0) verification.responderGLN", "is missing",
                    fix: "give the GLN every verification answer carries, in quotes")
            }
            let prefixes = try section.texts("companyPrefixes")
            if prefixes.isEmpty
                || prefixes.contains(where: { !(6...12).contains($0.count) || !$0.allSatisfy(\.isASCII) || !$0.allSatisfy(\.isNumber) })
            {
                throw ConfigurationError(
                    .invalidValue, place: "\(file):\(node.mark?.line ?? 0) verification.companyPrefixes",
                    "must list 6- to 12-digit GS1 Company Prefixes",
                    fix: "list your company prefixes in quotes, for example [\"0300010\"]")
            }
            var verification = Verification(responderGLN: gln, companyPrefixes: prefixes)
            if let value = try section.text("basePath") {
                guard value.hasPrefix("/"), !value.hasSuffix("/"), !value.contains("?") else {
                    throw ConfigurationError(
                        .invalidValue, place: "\(file) verification.basePath", "is '\(value)', not a path such as /vrs",
                        fix: "start it with / and end it without one")
                }
                verification.basePath = value
            }
            verification.policyFile = try section.text("policy")
            if let coolDown = section.node("coolDown") {
                let limits = try Section(coolDown, file: file, path: "verification.coolDown.", keys: ["failures", "windowSeconds", "seconds"])
                if let value = try limits.integer("failures", 1...100_000) { verification.coolDownFailures = value }
                if let value = try limits.integer("windowSeconds", 1...86_400) { verification.coolDownWindowSeconds = value }
                if let value = try limits.integer("seconds", 1...604_800) { verification.coolDownSeconds = value }
            }
            self.verification = verification
        }
    }

    /// One mapping of the file, with its known keys.
    private struct Section {
        let mapping: Node.Mapping
        let file: String
        let path: String

        init(_ node: Node, file: String, path: String, keys: Set<String>) throws {
            guard let mapping = node.mapping else {
                throw ConfigurationError(
                    .invalidValue, place: "\(file):\(node.mark?.line ?? 0) \(path.isEmpty ? "(top)" : String(path.dropLast()))",
                    "must be a mapping of keys", fix: "write `key: value` lines")
            }
            for (key, _) in mapping where !keys.contains(key.string ?? "") {
                throw ConfigurationError(
                    .unknownKey, place: "\(file):\(key.mark?.line ?? 0) \(path)\(key.string ?? "?")", "is not a configuration key",
                    fix: "use one of \(keys.sorted().joined(separator: ", "))")
            }
            self.mapping = mapping
            self.file = file
            self.path = path
        }

        func node(_ key: String) -> Node? { mapping[key] }

        func text(_ key: String) throws -> String? {
            guard let node = mapping[key] else { return nil }
            guard let scalar = node.scalar, !scalar.string.isEmpty else {
                throw ConfigurationError(
                    .invalidValue, place: "\(file):\(node.mark?.line ?? 0) \(path)\(key)", "must be a non-empty text", fix: "write a value")
            }
            return scalar.string
        }

        /// A list of texts (one text counts as a list of one).
        func texts(_ key: String) throws -> [String] {
            guard let node = mapping[key] else { return [] }
            if let scalar = node.scalar { return [scalar.string] }
            guard let sequence = node.sequence else {
                throw ConfigurationError(
                    .invalidValue, place: "\(file):\(node.mark?.line ?? 0) \(path)\(key)", "must be a list", fix: "write [\"a\", \"b\"]")
            }
            return try sequence.map { item in
                guard let scalar = item.scalar else {
                    throw ConfigurationError(
                        .invalidValue, place: "\(file):\(item.mark?.line ?? 0) \(path)\(key)", "must list texts", fix: "quote each value")
                }
                return scalar.string
            }
        }

        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = try text(key) else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw ConfigurationError(
                    .invalidValue, place: "\(file):\(mapping[key]?.mark?.line ?? 0) \(path)\(key)",
                    "is '\(text)', not a whole number from \(range.lowerBound) to \(range.upperBound)",
                    fix: "write a number in that range")
            }
            return value
        }
    }
}

/// The gateway's configuration cannot be used; nothing was started.
///
/// Equality compares the ``code`` only.
public struct ConfigurationError: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<ConfigurationError>

    public var code: Code
    /// The file and line and key, or the environment variable.
    public var place: String
    public var message: String
    public var fix: String

    public init(_ code: Code, place: String, _ message: String, fix: String) {
        self.code = code
        self.place = place
        self.message = message
        self.fix = fix
    }

    public var description: String { "\(place) \(message) (\(code)); \(fix)" }
}

extension ErrorCode where Domain == ConfigurationError {
    /// The file cannot be read or is not YAML.
    public static let unreadable = Self("configuration-unreadable")
    /// A key the gateway does not know (a typo, most often).
    public static let unknownKey = Self("configuration-unknown-key")
    /// A value of the wrong form or out of range.
    public static let invalidValue = Self("configuration-invalid-value")
}
