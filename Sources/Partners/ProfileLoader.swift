internal import Foundation
internal import GS1
internal import Yams

/// Reads partner profiles: one YAML file per partner, every problem reported with file, line
/// and key.
public struct ProfileLoader: Sendable {
    /// The environment secrets are looked up in (only whether a variable is set is checked).
    public var environment: [String: String]

    /// - Parameter environment: the variables to check secrets against; nil means this
    ///   process's environment.
    public init(environment: [String: String]? = nil) {
        self.environment = environment ?? ProcessInfo.processInfo.environment
    }

    /// The result of loading a directory.
    public struct Loaded: Sendable {
        /// The profiles that loaded without errors, by id.
        public var profiles: [String: PartnerProfile]
        /// Every problem, errors and warnings, in file order.
        public var problems: [ProfileProblem]
        /// The files read.
        public var files: [String]

        public var errors: [ProfileProblem] { problems.filter { $0.severity == .error } }
    }

    /// Loads every `*.yaml` / `*.yml` file in `directory`.
    ///
    /// A profile with errors is left out of ``Loaded/profiles``; ids, and VRS requestor GLNs,
    /// must be unique across files (the later file in name order is refused).
    public func load(directory: String) -> Loaded {
        var files: [String] = []
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { (directory as NSString).appendingPathComponent($0) }
        } catch {
            let problem = ProfileProblem(
                code: "no-directory", file: directory, line: 0, column: 0, key: "", message: "cannot read the profile directory",
                hint: "create it, or point --profiles (EPCIS_GATEWAY_PROFILES) at the directory holding the partner YAML files")
            return Loaded(profiles: [:], problems: [problem], files: [])
        }
        var profiles: [String: PartnerProfile] = [:]
        var problems: [ProfileProblem] = []
        var seen: [String: String] = [:]
        // Which partner (and file) first claimed each VRS requestor GLN.
        var requestors: [String: (id: String, file: String)] = [:]
        for file in files {
            let (profile, fileProblems) = load(file: file)
            problems += fileProblems
            guard let profile else { continue }
            if let other = seen[profile.id] {
                problems.append(
                    ProfileProblem(
                        code: "duplicate-id", file: file, line: 1, column: 1, key: "id",
                        message: "the id '\(profile.id)' is already used by \(other)",
                        hint: "give each partner its own id (and file name)"))
                profiles[profile.id] = nil
                continue
            }
            // A requestor GLN names one partner: two claimants would leave the responder
            // choosing whose credential and ATP rules apply to a query.
            if let gln = profile.verification.requestorGLNs.first(where: { requestors[$0.value] != nil }), let other = requestors[gln.value] {
                problems.append(
                    ProfileProblem(
                        code: "duplicate-requestor-gln", file: file, line: 1, column: 1, key: "verification.requestorGLNs",
                        message: "the requestor GLN \(gln.value) is already claimed by partner '\(other.id)' in \(other.file)",
                        hint: "a GLN sends verification requests for one partner only: remove it here or there"))
                continue
            }
            for gln in profile.verification.requestorGLNs { requestors[gln.value] = (profile.id, file) }
            seen[profile.id] = file
            profiles[profile.id] = profile
        }
        return Loaded(profiles: profiles, problems: problems, files: files)
    }

    /// Loads one profile file.
    public func load(file: String) -> (PartnerProfile?, [ProfileProblem]) {
        let log = ProblemLog(file: file)
        guard let data = FileManager.default.contents(atPath: file) else {
            log.add("unreadable", at: nil, key: "", "cannot read the file", hint: "check it exists and is readable")
            return (nil, log.problems)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            log.add("not-utf8", at: nil, key: "", "is not UTF-8 text", hint: "save the file as UTF-8")
            return (nil, log.problems)
        }
        let profile = parse(text, file: file, log: log)
        return (log.hasErrors ? nil : profile, log.problems)
    }

    /// Parses profile text; `file` names it in problems and anchors relative paths.
    public func parse(_ text: String, file: String) -> (PartnerProfile?, [ProfileProblem]) {
        let log = ProblemLog(file: file)
        let profile = parse(text, file: file, log: log)
        return (log.hasErrors ? nil : profile, log.problems)
    }

    private func parse(_ text: String, file: String, log: ProblemLog) -> PartnerProfile? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            Self.report(error, log: log)
            return nil
        } catch {
            log.add("yaml-syntax", at: nil, key: "", "is not valid YAML: \(error)", hint: "fix the YAML syntax")
            return nil
        }
        guard let root else {
            log.add(
                "empty-profile", at: nil, key: "", "is empty",
                hint: "write a profile: id, name, gln, epcis and transport at least (see PartnerProfiles/README.md)")
            return nil
        }
        let reader = ProfileReader(log: log, environment: environment, base: (file as NSString).deletingLastPathComponent, file: file)
        return reader.profile(root)
    }

    static func report(_ error: YamlError, log: ProblemLog) {
        let hint = "fix the YAML syntax at that spot (indentation uses spaces; quote values containing ': ' or '#')"
        func add(_ problem: String, _ mark: Mark?, _ code: ProfileProblem.Code = "yaml-syntax", _ fix: String = hint) {
            log.add(code, mark: mark, key: "", problem, hint: fix)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            add("is not valid YAML: \(problem)" + (context.map { " (\($0.text) that starts at line \($0.mark.line))" } ?? ""), mark)
        case .duplicatedKeysInMapping(let duplicates, let context):
            add(
                "repeats the key\(duplicates.count == 1 ? "" : "s") \(duplicates.sorted().joined(separator: ", ")) in one mapping; only one value can count",
                context.mark, "duplicate-key", "keep one of them")
        default:
            add("is not valid YAML: \(error)", nil)
        }
    }
}

/// Walks one profile's YAML into a ``PartnerProfile``.
struct ProfileReader {
    let log: ProblemLog
    let environment: [String: String]
    /// Relative file paths are taken from the profile's own directory.
    let base: String
    let file: String

    static let topKeys = ["id", "name", "gln", "epcis", "transport", "retry", "acknowledgement", "limits", "verification", "capture"]

    func profile(_ root: Node) -> PartnerProfile? {
        guard let fields = Fields(root, path: "", log: log) else { return nil }
        fields.rejectUnknown(Self.topKeys)
        let id = fields.string("id", required: true, hint: "add `id: partner-name` (lower-case letters, digits, hyphens), the same as the file name")
        if let id {
            let allowed = id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
            if !allowed || id.count < 2 || id.count > 64 || id.hasPrefix("-") {
                log.add(
                    "bad-id", at: fields.value("id"), key: "id", "'\(id)' is not a valid partner id",
                    hint: "use 2 to 64 lower-case letters, digits and hyphens, starting with a letter or digit")
            } else {
                let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                if stem != id {
                    log.add(
                        "id-file-mismatch", at: fields.value("id"), key: "id", "is '\(id)' but the file is named \(stem)",
                        hint: "rename the file to \(id).yaml, or change the id, so operators find a partner's file by its id")
                }
            }
        }
        let name = fields.string("name", required: true, hint: "add `name: Partner Legal Name`")
        let glns = glnList(fields, "gln", required: true)
        let epcis = epcisSettings(fields)
        let transport = transportSettings(fields)
        let retry = retryPolicy(fields)
        let acknowledgement = acknowledgementPolicy(fields)
        let limits = documentLimits(fields)
        let verification = verificationSettings(fields)
        let capture = captureSettings(fields)
        if let epcis, case .https(let https) = transport, https.mode == .capture, epcis.format != .jsonLD {
            log.add(
                "capture-needs-json", .warning, at: fields.value("epcis"), key: "epcis.format",
                "EPCIS 2.0 capture interfaces are only required to accept JSON-LD, and this partner gets XML",
                hint: "set epcis version \"2.0\" and format json-ld unless the partner confirmed it captures XML")
        }
        guard let id, let name, let glns, let epcis, let transport, let retry, let acknowledgement, let limits, let verification, let capture else {
            return nil
        }
        return PartnerProfile(
            id: id, name: name, glns: glns, epcis: epcis, transport: transport, retry: retry, acknowledgement: acknowledgement, limits: limits,
            verification: verification, capture: capture, file: file)
    }

    func glnList(_ fields: Fields, _ key: String, required: Bool) -> [GLN]? {
        guard fields.has(key) else {
            if required { _ = fields.require(key, hint: "add the partner's 13-digit GLN in quotes, for example `gln: \"0614141000005\"`") }
            return required ? nil : []
        }
        guard let values = fields.strings(key) else { return nil }
        var glns: [GLN] = []
        var ok = true
        for (text, node) in values {
            do {
                glns.append(try GLN(text))
            } catch {
                ok = false
                log.add(
                    "bad-gln", at: node, key: fields.keyPath(key), "'\(text)' is not a valid GLN: \(error)",
                    hint: "write the 13-digit GLN with its check digit, in quotes so YAML keeps leading zeros")
            }
        }
        if ok && glns.isEmpty && required {
            log.add("missing-key", at: fields.value(key), key: fields.keyPath(key), "lists no GLN", hint: "give at least one GLN")
            return nil
        }
        return ok ? glns : nil
    }

    func epcisSettings(_ root: Fields) -> EPCISSettings? {
        guard let node = root.require("epcis", hint: "add an `epcis:` block with version and format (see PartnerProfiles/README.md)"),
            let fields = Fields(node, path: "epcis", log: log)
        else { return nil }
        fields.rejectUnknown(["version", "format", "identifiers", "dscsa"])
        var settings = EPCISSettings()
        let errorsBefore = log.problems.count
        if let version = fields.choice("version", EPCISSettings.Version.self) {
            settings.version = version
        } else if !fields.has("version") {
            _ = fields.require("version", hint: "write version: \"1.2\" (GS1 US DSCSA guideline) or \"2.0\"")
        }
        if let format = fields.choice("format", EPCISSettings.Format.self) {
            settings.format = format
        } else if !fields.has("format") {
            _ = fields.require("format", hint: "write format: xml or json-ld")
        }
        if let identifiers = fields.choice("identifiers", EPCISSettings.Identifiers.self) { settings.identifiers = identifiers }
        if let node = fields.value("dscsa"), let dscsa = Fields(node, path: "epcis.dscsa", log: log) {
            dscsa.rejectUnknown(["transactionStatement", "transactionHistory", "ndcCodeType", "sbdhIdentifier"])
            if dscsa.bool("transactionStatement") == false {
                log.add(
                    "ts-required", at: dscsa.value("transactionStatement"), key: "epcis.dscsa.transactionStatement",
                    "cannot be false: DSCSA requires the transaction statement with every change of ownership",
                    hint: "remove the key or set it to true")
            }
            if let history = dscsa.bool("transactionHistory") { settings.transactionHistory = history }
            if let type = dscsa.choice("ndcCodeType", EPCISSettings.NDCCodeType.self) { settings.ndcCodeType = type }
            if let form = dscsa.choice("sbdhIdentifier", EPCISSettings.SBDHIdentifier.self) { settings.sbdhIdentifier = form }
        }
        if settings.version == .v2_0 && settings.format == .xml && fields.has("format") {
            log.add(
                "incompatible-options", at: fields.value("format"), key: "epcis.format",
                "EPCIS 2.0 XML has no place for the GS1 US transaction statement, so the gateway cannot compose it",
                hint: "use version \"1.2\" with xml, or version \"2.0\" with json-ld")
        }
        if settings.version == .v1_2 && settings.format == .jsonLD {
            log.add(
                "incompatible-options", at: fields.value("format"), key: "epcis.format", "JSON-LD exists only for EPCIS 2.0",
                hint: "use version \"2.0\" with json-ld, or format xml with version \"1.2\"")
        }
        return log.problems[errorsBefore...].contains { $0.severity == .error } ? nil : settings
    }

    func transportSettings(_ root: Fields) -> TransportSettings? {
        guard let node = root.require("transport", hint: "add a `transport:` block with exactly one of https, as2 or sftp"),
            let fields = Fields(node, path: "transport", log: log)
        else { return nil }
        fields.rejectUnknown(["https", "as2", "sftp"])
        let kinds = fields.keys.filter { ["https", "as2", "sftp"].contains($0) }
        guard kinds.count == 1, let kind = kinds.first, let block = fields.value(kind) else {
            log.add(
                kinds.isEmpty ? "no-transport" : "several-transports", at: node, key: "transport",
                kinds.isEmpty
                    ? "names no transport" : "names \(kinds.count) transports (\(kinds.joined(separator: ", "))); a partner is reached one way",
                hint: "keep exactly one of https, as2 or sftp")
            return nil
        }
        guard let settings = Fields(block, path: "transport.\(kind)", log: log) else { return nil }
        switch kind {
        case "https": return https(settings).map(TransportSettings.https)
        case "as2": return as2(settings).map(TransportSettings.as2)
        default: return sftp(settings).map(TransportSettings.sftp)
        }
    }

    func https(_ fields: Fields) -> HTTPSSettings? {
        fields.rejectUnknown(["url", "mode", "pollInterval", "tls", "auth", "headers", "proxy", "timeouts"])
        let start = log.problems.count
        let address = url(fields, "url", schemes: ["https"])
        var settings = HTTPSSettings(url: address ?? "")
        if let mode = fields.choice("mode", HTTPSSettings.Mode.self) { settings.mode = mode }
        if let poll = fields.duration("pollInterval") { settings.pollInterval = poll }
        if let node = fields.value("tls"), let tls = Fields(node, path: fields.keyPath("tls"), log: log) {
            tls.rejectUnknown(["verify", "caFile", "clientCertificate", "clientKey"])
            if let verify = tls.bool("verify") {
                settings.verifyTLS = verify
                if !verify {
                    log.add(
                        "tls-unverified", .warning, at: tls.value("verify"), key: tls.keyPath("verify"),
                        "turns certificate checking off: anyone on the network path can read and alter documents",
                        hint: "give the partner's CA with caFile instead")
                }
            }
            settings.caFile = path(tls, "caFile")
            settings.clientCertificate = path(tls, "clientCertificate")
            settings.clientKey = path(tls, "clientKey")
            if tls.has("clientCertificate") != tls.has("clientKey") {
                let missing = tls.has("clientCertificate") ? "clientKey" : "clientCertificate"
                log.add(
                    "incomplete-mtls", at: tls.node, key: tls.keyPath(missing), "is missing: mutual TLS needs both the certificate and its key",
                    hint: "add \(missing), or remove the other one")
            }
        }
        if let node = fields.value("auth") { settings.authentication = authentication(node, path: fields.keyPath("auth")) ?? .none }
        if let node = fields.value("headers"), let headers = Fields(node, path: fields.keyPath("headers"), log: log) {
            for name in headers.keys {
                guard let value = headers.string(name) else { continue }
                let lower = name.lowercased()
                if ["authorization", "content-type", "content-length", "host", "proxy-authorization"].contains(lower) || lower.contains("token")
                    || lower.contains("key") || lower.contains("secret")
                {
                    log.add(
                        "reserved-header", at: headers.value(name), key: headers.keyPath(name),
                        "cannot be set here: the gateway sets it, or it would put a credential in the profile",
                        hint: "use the auth block (bearer, apiKey or oauth2) for credentials")
                } else if name.isEmpty || !name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3A }) {
                    log.add(
                        "bad-header", at: headers.value(name), key: headers.keyPath(name), "is not a valid HTTP header name",
                        hint: "use letters, digits and hyphens")
                } else {
                    settings.headers[name] = value
                }
            }
        }
        if fields.has("proxy") { settings.proxy = url(fields, "proxy", schemes: ["http", "https", "socks5"]) }
        if let node = fields.value("timeouts"), let timeouts = Fields(node, path: fields.keyPath("timeouts"), log: log) {
            timeouts.rejectUnknown(["connect", "request"])
            if let connect = timeouts.duration("connect") { settings.connectTimeout = connect }
            if let request = timeouts.duration("request") { settings.requestTimeout = request }
        }
        return log.problems[start...].contains { $0.severity == .error } ? nil : settings
    }

    func authentication(_ node: Node, path: String) -> HTTPSSettings.Authentication? {
        guard let fields = Fields(node, path: path, log: log) else { return nil }
        fields.rejectUnknown(["oauth2", "bearer", "apiKey"])
        guard fields.keys.count == 1, let kind = fields.keys.first, let block = fields.value(kind),
            let auth = Fields(block, path: fields.keyPath(kind), log: log)
        else {
            if fields.keys.count > 1 {
                log.add(
                    "several-auth", at: node, key: path, "names \(fields.keys.count) methods; the gateway uses one",
                    hint: "keep one of oauth2, bearer or apiKey")
            }
            return nil
        }
        switch kind {
        case "oauth2":
            auth.rejectUnknown(["tokenURL", "clientID", "clientSecret", "clientSecretEnv", "clientSecretFile", "scope"])
            let tokenURL = url(auth, "tokenURL", schemes: ["https"])
            let client = auth.string("clientID", required: true, hint: "add the client id the partner issued")
            let secret = self.secret(auth, "clientSecret")
            guard let tokenURL, let client, let secret else { return nil }
            return .oauth2(tokenURL: tokenURL, clientID: client, secret: secret, scope: auth.string("scope"))
        case "bearer":
            auth.rejectUnknown(["token", "tokenEnv", "tokenFile"])
            return self.secret(auth, "token").map(HTTPSSettings.Authentication.bearer)
        default:
            auth.rejectUnknown(["header", "value", "valueEnv", "valueFile"])
            let header = auth.string("header", required: true, hint: "add the header name the partner expects, for example X-API-Key")
            guard let header, let value = self.secret(auth, "value") else { return nil }
            return .apiKey(header: header, value: value)
        }
    }

    /// A secret given as `NAMEEnv` or `NAMEFile`, never inline as `NAME`.
    func secret(_ fields: Fields, _ name: String) -> SecretSource? {
        if fields.has(name) {
            log.add(
                "inline-secret", at: fields.value(name), key: fields.keyPath(name),
                "puts a secret in the profile, where it ends up in version control, reviews and logs",
                hint: "move it to an environment variable named by \(name)Env, or a file named by \(name)File")
            return nil
        }
        let env = fields.string("\(name)Env")
        let file = fields.has("\(name)File") ? path(fields, "\(name)File") : nil
        switch (env, file) {
        case (let env?, nil):
            if !env.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) {
                log.add(
                    "bad-value", at: fields.value("\(name)Env"), key: fields.keyPath("\(name)Env"), "'\(env)' is not an environment variable name",
                    hint: "use upper-case letters, digits and underscores")
                return nil
            }
            if environment[env] == nil {
                log.add(
                    "secret-unset", .warning, at: fields.value("\(name)Env"), key: fields.keyPath("\(name)Env"),
                    "names \(env), which is not set here; deliveries will fail until it is", hint: "set \(env) in the gateway's environment")
            }
            return .environment(env)
        case (nil, let file?): return .file(file)
        case (.some, .some):
            log.add(
                "several-secrets", at: fields.node, key: fields.keyPath(name), "is given both by \(name)Env and \(name)File", hint: "keep one of them"
            )
            return nil
        case (nil, nil):
            if !fields.has("\(name)File") {
                log.add(
                    "missing-key", at: fields.node, key: fields.keyPath("\(name)Env"), "is required (or \(name)File)",
                    hint: "name the environment variable or the file that holds the secret")
            }
            return nil
        }
    }

    /// A file path, made absolute against the profile's directory; a missing file is a warning
    /// (certificates are often installed after the profile is written).
    func path(_ fields: Fields, _ key: String) -> String? {
        guard let text = fields.string(key) else { return nil }
        let resolved = text.hasPrefix("/") ? text : (base as NSString).appendingPathComponent(text)
        if !FileManager.default.isReadableFile(atPath: resolved) {
            log.add(
                "missing-file", .warning, at: fields.value(key), key: fields.keyPath(key),
                "names \(text), which cannot be read here; deliveries will fail until it can",
                hint: "install the file, or correct the path (relative paths start at the profile's directory)")
        }
        return resolved
    }

    func url(_ fields: Fields, _ key: String, schemes: [String]) -> String? {
        guard let text = fields.string(key, required: true, hint: "add the \(schemes[0]) URL") else { return nil }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else {
            log.add(
                "bad-url", at: fields.value(key), key: fields.keyPath(key), "'\(text)' is not an absolute URL",
                hint: "write it as \(schemes[0])://host[:port]/path")
            return nil
        }
        guard schemes.contains(scheme) else {
            log.add(
                "bad-url", at: fields.value(key), key: fields.keyPath(key),
                "uses \(scheme):// but only \(schemes.joined(separator: ", ")) is allowed here",
                hint: scheme == "http"
                    ? "use https: documents carry trade data and must not cross networks in clear text" : "use a \(schemes[0]):// URL")
            return nil
        }
        return text
    }

    func as2(_ fields: Fields) -> AS2Settings? {
        fields.rejectUnknown([
            "url", "as2From", "as2To", "sign", "encrypt", "keyEncryption", "compress", "partnerCertificate", "partnerCertificates",
            "ourCertificate", "ourKey", "previousKeys", "mdn", "fileName", "caFile", "maxInboundBytes", "timeout",
        ])
        let start = log.problems.count
        let url = self.url(fields, "url", schemes: ["https", "http"])
        let from = fields.string("as2From", required: true, hint: "add our AS2 name as the partner configured it")
        let to = fields.string("as2To", required: true, hint: "add the partner's AS2 name")
        for (key, value) in [("as2From", from), ("as2To", to)] {
            if let value, value.count > 128 || !value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
                log.add(
                    "bad-value", at: fields.value(key), key: fields.keyPath(key), "'\(value)' is not a valid AS2 name",
                    hint: "use 1 to 128 printable ASCII characters (RFC 4130 §6.2); a name with spaces is quoted on the wire")
            }
        }
        let signs = ["sha-256", "sha-384", "sha-512", "sha-1"]
        let sign = fields.string("sign") ?? "sha-256"
        if !signs.contains(sign) && sign != "none" {
            log.add(
                "bad-value", at: fields.value("sign"), key: fields.keyPath("sign"), "'\(sign)' is not one of \(signs.joined(separator: ", ")), none",
                hint: "sha-256 is the default every AS2 product accepts")
        }
        let ciphers = ["aes-256-cbc", "aes-192-cbc", "aes-128-cbc", "des-ede3-cbc"]
        let encrypt = fields.string("encrypt") ?? "aes-256-cbc"
        if !ciphers.contains(encrypt) && encrypt != "none" {
            log.add(
                "bad-value", at: fields.value("encrypt"), key: fields.keyPath("encrypt"),
                "'\(encrypt)' is not one of \(ciphers.joined(separator: ", ")), none",
                hint: "aes-256-cbc is the default; AES-GCM is refused by common peers")
        }
        let keyEncryption = fields.choice("keyEncryption", AS2Settings.KeyEncryption.self) ?? .rsaPKCS1
        let compress = fields.bool("compress") ?? false
        var partnerCertificates: [String] = []
        switch (fields.has("partnerCertificate"), fields.has("partnerCertificates")) {
        case (true, true):
            log.add(
                "several-values", at: fields.node, key: fields.keyPath("partnerCertificates"), "is given together with partnerCertificate",
                hint: "list every certificate under partnerCertificates")
        case (true, false):
            if let path = path(fields, "partnerCertificate") { partnerCertificates = [path] }
        case (false, true):
            for (text, _) in fields.strings("partnerCertificates") ?? [] {
                partnerCertificates.append(text.hasPrefix("/") ? text : (base as NSString).appendingPathComponent(text))
            }
        case (false, false):
            log.add(
                "missing-key", at: fields.node, key: fields.keyPath("partnerCertificate"), "is required",
                hint: "add the partner's certificate (PEM) it encrypts and signs with, or several under partnerCertificates")
        }
        let ourCertificate = requiredPath(fields, "ourCertificate", hint: "add our certificate (PEM) the partner has")
        let ourKey = requiredPath(fields, "ourKey", hint: "add our private key file (PEM)")
        var previousKeys: [AS2Settings.KeyPair] = []
        if let node = fields.value("previousKeys") {
            if let list = node.sequence {
                for (index, item) in list.enumerated() {
                    guard let pair = Fields(item, path: "\(fields.keyPath("previousKeys"))[\(index)]", log: log) else { continue }
                    pair.rejectUnknown(["certificate", "key"])
                    if let certificate = requiredPath(pair, "certificate", hint: "add the earlier certificate (PEM)"),
                        let key = requiredPath(pair, "key", hint: "add the earlier certificate's private key (PEM)")
                    {
                        previousKeys.append(AS2Settings.KeyPair(certificate: certificate, key: key))
                    }
                }
            } else {
                log.add(
                    "wrong-type", at: node, key: fields.keyPath("previousKeys"), "must be a list of {certificate, key}",
                    hint: "write one `- { certificate: old.crt, key: old.key }` line per earlier key")
            }
        }
        var mode = AS2Settings.MDNMode.sync
        var signed = true
        var mdnURL: String?
        var allowList: [String] = []
        if let node = fields.value("mdn"), let mdn = Fields(node, path: fields.keyPath("mdn"), log: log) {
            mdn.rejectUnknown(["mode", "signed", "url", "allowAsyncTo"])
            for (text, node) in mdn.strings("allowAsyncTo") ?? [] {
                if let components = URLComponents(string: text), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
                    components.host != nil
                {
                    allowList.append(text)
                } else {
                    log.add(
                        "bad-url", at: node, key: mdn.keyPath("allowAsyncTo"), "'\(text)' is not an http(s) URL",
                        hint: "list the URL prefixes the partner's async MDNs may go to, e.g. https://as2.partner.example/mdn")
                }
            }
            mode = mdn.choice("mode", AS2Settings.MDNMode.self) ?? mode
            if let value = mdn.bool("signed") { signed = value }
            if mdn.has("url") { mdnURL = self.url(mdn, "url", schemes: ["https", "http"]) }
            if mode == .async && !mdn.has("url") {
                log.add(
                    "missing-key", at: node, key: mdn.keyPath("url"), "is required for async MDNs",
                    hint: "give the URL at which the partner reaches this gateway's /as2 endpoint")
            }
        }
        var maxInbound: Int64 = 1 << 30
        if let text = fields.string("maxInboundBytes"),
            let size = Fields.size(text, at: fields.value("maxInboundBytes"), key: fields.keyPath("maxInboundBytes"), log: log)
        {
            maxInbound = Int64(size)
        }
        let fileName = fields.string("fileName") ?? "{document}.{extension}"
        if fileName.contains("/") || fileName.contains("\"") || fileName.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            log.add(
                "bad-value", at: fields.value("fileName"), key: fields.keyPath("fileName"), "'\(fileName)' cannot be a file name",
                hint: "use letters, digits, `.`, `-`, `_` and the placeholders {document}, {shipment}, {extension}")
        }
        let caFile = fields.has("caFile") ? path(fields, "caFile") : nil
        let timeout = fields.duration("timeout") ?? .seconds(300)
        guard !log.problems[start...].contains(where: { $0.severity == .error }), let url, let from, let to, !partnerCertificates.isEmpty,
            let ourCertificate, let ourKey
        else { return nil }
        var settings = AS2Settings(
            url: url, as2From: from, as2To: to, sign: sign == "none" ? nil : sign, encrypt: encrypt == "none" ? nil : encrypt,
            keyEncryption: keyEncryption, compress: compress, partnerCertificates: partnerCertificates, ourCertificate: ourCertificate,
            ourKey: ourKey, mdnMode: mode, mdnSigned: signed, mdnURL: mdnURL, fileName: fileName, caFile: caFile, maxInboundBytes: maxInbound,
            requestTimeout: timeout)
        settings.asyncMDNAllowList = allowList
        settings.previousKeys = previousKeys
        return settings
    }

    func requiredPath(_ fields: Fields, _ key: String, hint: String) -> String? {
        guard fields.require(key, hint: hint) != nil else { return nil }
        return path(fields, key)
    }

    func retryPolicy(_ root: Fields) -> RetryPolicy? {
        var policy = RetryPolicy()
        guard let node = root.value("retry") else { return policy }
        guard let fields = Fields(node, path: "retry", log: log) else { return nil }
        fields.rejectUnknown(["schedule", "giveUpAfter"])
        let start = log.problems.count
        if let entries = fields.strings("schedule") {
            let schedule = entries.compactMap { Fields.duration($0.0, at: $0.1, key: "retry.schedule", log: log) }
            if entries.isEmpty {
                log.add(
                    "empty-schedule", at: fields.value("schedule"), key: "retry.schedule", "lists no wait",
                    hint: "give at least one wait, for example [1m, 5m, 15m, 1h]")
            } else if schedule.count == entries.count {
                policy.schedule = schedule
            }
        }
        if let giveUp = fields.duration("giveUpAfter") {
            policy.giveUpAfter = giveUp
            if let first = policy.schedule.first, giveUp < first {
                log.add(
                    "give-up-too-soon", at: fields.value("giveUpAfter"), key: "retry.giveUpAfter",
                    "is shorter than the first retry wait, so no retry would ever happen", hint: "make it longer than \(policy.schedule.first!)")
            }
        }
        return log.problems[start...].contains { $0.severity == .error } ? nil : policy
    }

    func acknowledgementPolicy(_ root: Fields) -> AcknowledgementPolicy? {
        guard let node = root.value("acknowledgement") else { return AcknowledgementPolicy() }
        guard let fields = Fields(node, path: "acknowledgement", log: log) else { return nil }
        fields.rejectUnknown(["timeout", "onLate"])
        let start = log.problems.count
        var policy = AcknowledgementPolicy()
        if fields.has("timeout") { policy.timeout = fields.duration("timeout") ?? policy.timeout }
        if fields.has("onLate") { policy.onLate = fields.choice("onLate", AcknowledgementPolicy.OnLate.self) }
        return log.problems[start...].contains { $0.severity == .error } ? nil : policy
    }

    func documentLimits(_ root: Fields) -> DocumentLimits? {
        var limits = DocumentLimits()
        guard let node = root.value("limits") else { return limits }
        guard let fields = Fields(node, path: "limits", log: log) else { return nil }
        fields.rejectUnknown(["maxDocumentBytes", "maxEventsPerDocument", "oversize"])
        let start = log.problems.count
        if let text = fields.string("maxDocumentBytes") {
            limits.maxDocumentBytes = Fields.size(text, at: fields.value("maxDocumentBytes"), key: "limits.maxDocumentBytes", log: log)
        }
        if let text = fields.string("maxEventsPerDocument") {
            if let value = Int(text), value > 0 {
                limits.maxEventsPerDocument = value
            } else {
                log.add(
                    "bad-value", at: fields.value("maxEventsPerDocument"), key: "limits.maxEventsPerDocument",
                    "'\(text)' is not a positive whole number", hint: "write a number of events, for example 10000")
            }
        }
        if let oversize = fields.choice("oversize", DocumentLimits.Oversize.self) { limits.oversize = oversize }
        return log.problems[start...].contains { $0.severity == .error } ? nil : limits
    }

    func verificationSettings(_ root: Fields) -> VerificationSettings? {
        guard let node = root.value("verification") else { return VerificationSettings() }
        guard let fields = Fields(node, path: "verification", log: log) else { return nil }
        fields.rejectUnknown(["requestorGLNs", "enabled", "auth", "atp"])
        guard let glns = glnList(fields, "requestorGLNs", required: false) else { return nil }
        var settings = VerificationSettings(requestorGLNs: glns, enabled: fields.bool("enabled") ?? true)
        if let node = fields.value("atp") {
            guard let atp = Fields(node, path: fields.keyPath("atp"), log: log) else { return nil }
            atp.rejectUnknown(["header", "issuerKeys"])
            let header = atp.string("header", required: true, hint: "name the header the requestor's VRS sends its ATP credential (JWT) in")
            guard atp.require("issuerKeys", hint: "name the PEM file with the credential issuers' public keys or certificates") != nil,
                let keys = path(atp, "issuerKeys"), let header
            else { return nil }
            settings.atp = VerificationSettings.ATPCheck(header: header, issuerKeys: keys)
        }
        if let auth = fields.value("auth") {
            guard let method = requestorAuthentication(auth, path: fields.keyPath("auth")) else { return nil }
            settings.authentication = method
        } else if !glns.isEmpty {
            log.add(
                "anonymous-requestor", at: fields.value("requestorGLNs"), key: fields.keyPath("auth"),
                "is missing, so anyone could ask in these GLNs' name",
                hint: "add auth: with apiKey: { header, valueEnv }, bearer: { tokenEnv } or clientCertificate: { certificate }")
            return nil
        }
        return settings
    }

    /// The `capture:` section: `.some(nil)` when there is none, nil when it has errors.
    func captureSettings(_ root: Fields) -> CaptureSettings?? {
        guard let node = root.value("capture") else { return .some(nil) }
        guard let fields = Fields(node, path: "capture", log: log) else { return nil }
        fields.rejectUnknown(["auth", "enabled", "maxBytes", "maxEvents"])
        let start = log.problems.count
        guard let auth = fields.value("auth") else {
            log.add(
                "anonymous-capture", at: node, key: fields.keyPath("auth"), "is missing, so anyone could push documents in this partner's name",
                hint: "add auth: with bearer: { tokenEnv }, apiKey: { header, valueEnv } or clientCertificate: { certificate }")
            return nil
        }
        guard let method = requestorAuthentication(auth, path: fields.keyPath("auth")) else { return nil }
        var settings = CaptureSettings(authentication: method, enabled: fields.bool("enabled") ?? true)
        if let text = fields.string("maxBytes"), let size = Fields.size(text, at: fields.value("maxBytes"), key: fields.keyPath("maxBytes"), log: log)
        {
            settings.maxBytes = size
        }
        if let text = fields.string("maxEvents") {
            if let value = Int(text), value > 0 {
                settings.maxEvents = value
            } else {
                log.add(
                    "bad-value", at: fields.value("maxEvents"), key: fields.keyPath("maxEvents"), "'\(text)' is not a positive whole number",
                    hint: "write a number of events, for example 10000")
            }
        }
        return log.problems[start...].contains { $0.severity == .error } ? nil : .some(settings)
    }

    /// `auth:` of a verification section: exactly one of `apiKey` or `bearer`.
    func requestorAuthentication(_ node: Node, path: String) -> VerificationSettings.Authentication? {
        guard let fields = Fields(node, path: path, log: log) else { return nil }
        fields.rejectUnknown(["apiKey", "bearer", "clientCertificate"])
        guard fields.keys.count == 1, let kind = fields.keys.first, let block = fields.value(kind),
            let auth = Fields(block, path: fields.keyPath(kind), log: log)
        else {
            log.add("several-auth", at: node, key: path, "must name exactly one method", hint: "keep one of apiKey, bearer or clientCertificate")
            return nil
        }
        if kind == "clientCertificate" {
            auth.rejectUnknown(["certificate"])
            guard auth.require("certificate", hint: "name the PEM file with the requestor's TLS client certificate(s)") != nil else { return nil }
            return self.path(auth, "certificate").map(VerificationSettings.Authentication.clientCertificate)
        }
        if kind == "bearer" {
            auth.rejectUnknown(["token", "tokenEnv", "tokenFile"])
            return secret(auth, "token").map(VerificationSettings.Authentication.bearer)
        }
        auth.rejectUnknown(["header", "value", "valueEnv", "valueFile"])
        let header = auth.string("header", required: true, hint: "add the header the requestor sends its key in, for example X-API-Key")
        guard let header, let value = secret(auth, "value") else { return nil }
        return .apiKey(header: header, value: value)
    }
}
