internal import Foundation
internal import Yams

/// The `transport.sftp` block: login, the pinned host key, names, acknowledgement files and
/// pickup.
extension ProfileReader {
    static let sftpKeys = [
        "host", "port", "user", "password", "privateKey", "passphraseEnv", "passphraseFile", "passphrase", "hostKeyFingerprint", "hostKeyType",
        "directory", "fileName", "temporaryName", "ackFiles", "pickup", "connectTimeout", "timeout",
    ]
    /// The host key types libssh2 1.10 can verify.
    static let hostKeyTypes = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]

    func sftp(_ fields: Fields) -> SFTPSettings? {
        fields.rejectUnknown(Self.sftpKeys)
        let start = log.problems.count
        if fields.has("password") {
            log.add(
                "inline-secret", at: fields.value("password"), key: fields.keyPath("password"), "puts a password in the profile",
                hint: "log in with a key: give privateKey (an Ed25519 key file)")
        }
        let host = fields.string("host", required: true, hint: "add the SFTP server's host name")
        var port = 22
        if let text = fields.string("port") {
            if let value = Int(text), (1...65_535).contains(value) {
                port = value
            } else {
                log.add(
                    "bad-value", at: fields.value("port"), key: fields.keyPath("port"), "'\(text)' is not a TCP port",
                    hint: "write a number from 1 to 65535")
            }
        }
        let user = fields.string("user", required: true, hint: "add the user name the partner created")
        let passphrase =
            ["passphrase", "passphraseEnv", "passphraseFile"].contains(where: fields.has) ? secret(fields, "passphrase") : nil
        let key = requiredPath(fields, "privateKey", hint: "add our private key file (Ed25519 recommended: ssh-keygen -t ed25519)")
        if let key { checkPrivateKey(key, fields: fields, hasPassphrase: passphrase != nil) }
        let hostKey = pinnedHostKey(fields, host: host ?? "HOST", port: port)
        let directory = fields.string("directory") ?? "."
        let fileName = namePattern(
            fields, "fileName", default: "{shipment}_{timestamp}_{delivery}.{extension}",
            allowed: ["shipment", "document", "delivery", "timestamp", "extension"], unique: ["delivery", "document", "timestamp"])
        let temporaryName = namePattern(fields, "temporaryName", default: "{name}.part", allowed: ["name"], unique: ["name"])
        if temporaryName == "{name}" {
            log.add(
                "bad-value", at: fields.value("temporaryName"), key: fields.keyPath("temporaryName"),
                "is the final name itself, so the partner could pick up a half-written file",
                hint: "add a prefix or suffix the partner's poller ignores, for example {name}.part or .{name}")
        }
        let ackFiles = fields.value("ackFiles").flatMap { ackFilesSettings($0, path: fields.keyPath("ackFiles")) }
        let pickup = fields.value("pickup").flatMap { pickupSettings($0, path: fields.keyPath("pickup")) }
        let connectTimeout = fields.duration("connectTimeout") ?? .seconds(20)
        let timeout = fields.duration("timeout") ?? .seconds(120)
        guard !log.problems[start...].contains(where: { $0.severity == .error }), let host, let user, let key, let fileName, let temporaryName
        else { return nil }
        return SFTPSettings(
            host: host, port: port, user: user, privateKey: key, passphrase: passphrase, hostKey: hostKey ?? nil, directory: directory,
            fileName: fileName, temporaryName: temporaryName, ackFiles: ackFiles, pickup: pickup, connectTimeout: connectTimeout, timeout: timeout)
    }

    /// The pinned key; `.some(nil)` for a partner pending onboarding, nil after an error.
    func pinnedHostKey(_ fields: Fields, host: String, port: Int) -> SFTPSettings.HostKey?? {
        let id = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let trust = "run `epcis-gateway partners trust-host \(id)`, which connects once, shows the key and pins it"
        let fingerprint = fields.string("hostKeyFingerprint")
        let type = fields.string("hostKeyType")
        guard let fingerprint else {
            if type != nil {
                log.add(
                    "missing-key", at: fields.value("hostKeyType"), key: fields.keyPath("hostKeyFingerprint"),
                    "is missing, though hostKeyType is given", hint: "add the fingerprint, or \(trust)")
                return nil
            }
            log.add(
                "pending-onboarding", .warning, at: fields.node, key: fields.keyPath("hostKeyFingerprint"),
                "is not pinned yet, so this partner is pending onboarding: its deliveries wait, other partners are not affected",
                hint: "\(trust); or ask the partner for it (ssh-keyscan -p \(port) -t ed25519 \(host) | ssh-keygen -lf -)")
            return .some(nil)
        }
        guard Self.isSHA256Fingerprint(fingerprint) else {
            log.add(
                "bad-fingerprint", at: fields.value("hostKeyFingerprint"), key: fields.keyPath("hostKeyFingerprint"),
                "'\(fingerprint)' is not a SHA-256 host key fingerprint",
                hint: "write it as ssh-keygen -lf prints it: SHA256: and the base64 of 32 bytes (43 characters); or \(trust)")
            return nil
        }
        guard let type else {
            log.add(
                "missing-key", at: fields.value("hostKeyFingerprint"), key: fields.keyPath("hostKeyType"),
                "is required with hostKeyFingerprint: the connection asks the server for exactly that key type",
                hint: "add hostKeyType: ssh-ed25519 (ssh-keygen -lf prints the type in parentheses), or \(trust)")
            return nil
        }
        guard Self.hostKeyTypes.contains(type) else {
            log.add(
                "bad-value", at: fields.value("hostKeyType"), key: fields.keyPath("hostKeyType"), "'\(type)' is not an SSH host key type",
                hint: "write one of \(Self.hostKeyTypes.joined(separator: ", "))")
            return nil
        }
        if type == "ssh-rsa" {
            log.add(
                "rsa-host-key", .warning, at: fields.value("hostKeyType"), key: fields.keyPath("hostKeyType"),
                "pins an RSA host key, which this gateway's libssh2 verifies only with SHA-1 (ssh-rsa); servers since OpenSSH 8.8 refuse that",
                hint: "ask the partner for its Ed25519 or ECDSA host key fingerprint and pin that one")
        }
        return .some(SFTPSettings.HostKey(type: type, fingerprint: fingerprint))
    }

    /// `SHA256:` followed by the base64 (padded or not) of exactly 32 bytes.
    static func isSHA256Fingerprint(_ text: String) -> Bool {
        guard text.hasPrefix("SHA256:") else { return false }
        var body = String(text.dropFirst(7))
        while body.utf8.count % 4 != 0 { body += "=" }
        return Data(base64Encoded: body)?.count == 32
    }

    /// Refuses a public key, an encrypted key without a passphrase, and anything that is not a
    /// private key; warns about RSA keys and keys others can read.
    func checkPrivateKey(_ path: String, fields: Fields, hasPassphrase: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else { return }  // `path` warned already
        let node = fields.value("privateKey")
        let key = fields.keyPath("privateKey")
        let text = String(decoding: data.prefix(64 * 1024), as: UTF8.self)
        switch SSHPrivateKeyKind(text) {
        case .publicKey:
            log.add(
                "public-key-given", at: node, key: key, "names a public key; logging in needs the private key",
                hint: "name the private key file (the one without .pub)")
        case .unknown:
            log.add(
                "not-a-private-key", at: node, key: key, "names a file that is not a private key in OpenSSH or PEM form",
                hint: "make one with ssh-keygen -t ed25519 -f FILE and name FILE (give the partner FILE.pub)")
        case .privateKey(let type, let encrypted):
            if encrypted && !hasPassphrase {
                log.add(
                    "encrypted-key", at: node, key: key, "names a key protected by a passphrase, and no passphrase is given",
                    hint: "add passphraseEnv (an environment variable's name) or passphraseFile")
            }
            if type == "ssh-rsa" {
                log.add(
                    "rsa-client-key", .warning, at: node, key: key,
                    "is an RSA key, which this gateway's libssh2 signs only with SHA-1; servers since OpenSSH 8.8 refuse it",
                    hint: "make an Ed25519 key (ssh-keygen -t ed25519) and give the partner its .pub")
            }
        }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
        {
            log.add(
                "key-readable-by-others", .warning, at: node, key: key, "can be read by other users of this machine (mode \(String(mode, radix: 8)))",
                hint: "chmod 600 \(path)")
        }
    }

    /// A file name pattern with known placeholders, and at least one that makes names unique.
    func namePattern(_ fields: Fields, _ name: String, default fallback: String, allowed: [String], unique: [String]) -> String? {
        let pattern = fields.string(name) ?? fallback
        let placeholders = Self.placeholders(pattern)
        let node = fields.value(name)
        if let unknown = placeholders.first(where: { !allowed.contains($0) }) {
            log.add(
                "bad-value", at: node, key: fields.keyPath(name), "uses {\(unknown)}, which is not a placeholder here",
                hint: "use \(allowed.map { "{\($0)}" }.joined(separator: ", "))")
            return nil
        }
        if !placeholders.contains(where: unique.contains) {
            log.add(
                "name-not-unique", at: node, key: fields.keyPath(name),
                "'\(pattern)' gives every document the same name, and SFTP rename never overwrites",
                hint: "include \(unique.map { "{\($0)}" }.joined(separator: " or "))")
            return nil
        }
        if pattern.contains("/") || pattern.hasPrefix(".") && name == "fileName" {
            log.add(
                "bad-value", at: node, key: fields.keyPath(name), "'\(pattern)' is not a plain file name (a slash, or a leading dot that hides it)",
                hint: "give the folder in `directory` and a name without slashes here")
            return nil
        }
        return pattern
    }

    /// The `{…}` names in a pattern.
    static func placeholders(_ pattern: String) -> [String] {
        var names: [String] = []
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    func afterwards(_ fields: Fields) -> SFTPSettings.Afterwards? {
        guard let text = fields.string("afterwards") else {
            if fields.has("moveTo") {
                log.add(
                    "bad-value", at: fields.value("moveTo"), key: fields.keyPath("moveTo"), "is given without afterwards: move",
                    hint: "add afterwards: move")
                return nil
            }
            return .delete
        }
        switch text {
        case "delete": return .delete
        case "keep": return .keep
        case "move":
            guard let folder = fields.string("moveTo", required: true, hint: "name the folder files are moved into, for example /outbound/archive")
            else { return nil }
            return .move(folder)
        default:
            log.add(
                "bad-value", at: fields.value("afterwards"), key: fields.keyPath("afterwards"), "'\(text)' is not one of delete, move, keep",
                hint: "write delete, keep, or move (with moveTo)")
            return nil
        }
    }

    func ackFilesSettings(_ node: Node, path: String) -> SFTPSettings.AckFiles? {
        guard let fields = Fields(node, path: path, log: log) else { return nil }
        fields.rejectUnknown(["directory", "fileName", "status", "accept", "reject", "afterwards", "moveTo", "interval"])
        let start = log.problems.count
        let directory = fields.string("directory", required: true, hint: "name the folder the partner writes acknowledgement files to")
        let fileName = namePattern(fields, "fileName", default: "{name}.ack", allowed: ["name", "stem"], unique: ["name", "stem"])
        var status = SFTPSettings.AckStatus.presence
        if let statusNode = fields.value("status") {
            if let scalar = statusNode.scalar {
                if scalar.string != "presence" {
                    log.add(
                        "bad-value", at: statusNode, key: fields.keyPath("status"), "'\(scalar.string)' is not a way to read a status",
                        hint: "write presence, or one of { regex: '…' }, { json: field.path }, { xml: elementName }")
                }
            } else if let kinds = Fields(statusNode, path: fields.keyPath("status"), log: log) {
                kinds.rejectUnknown(["regex", "json", "xml"])
                let given = ["regex", "json", "xml"].filter(kinds.has)
                if given.count != 1 {
                    log.add(
                        "bad-value", at: statusNode, key: fields.keyPath("status"), "must name exactly one of regex, json, xml",
                        hint: "for example { json: status }")
                } else if let value = kinds.string(given[0], required: true) {
                    switch given[0] {
                    case "regex":
                        if (try? Regex(value)) == nil {
                            log.add(
                                "bad-regex", at: kinds.value("regex"), key: kinds.keyPath("regex"), "'\(value)' is not a regular expression",
                                hint: "check brackets and escapes; the first capture group is the status")
                        }
                        status = .regex(value)
                    case "json": status = .json(value)
                    default: status = .xml(value)
                    }
                }
            }
        }
        let accept = fields.strings("accept")?.map(\.0)
        let reject = fields.strings("reject")?.map(\.0)
        let afterwards = afterwards(fields)
        let interval = fields.duration("interval") ?? .seconds(60)
        guard !log.problems[start...].contains(where: { $0.severity == .error }), let directory, let fileName, let afterwards else { return nil }
        var settings = SFTPSettings.AckFiles(directory: directory, fileName: fileName, status: status, afterwards: afterwards, interval: interval)
        if let accept { settings.accept = accept }
        if let reject { settings.reject = reject }
        return settings
    }

    func pickupSettings(_ node: Node, path: String) -> SFTPSettings.Pickup? {
        guard let fields = Fields(node, path: path, log: log) else { return nil }
        fields.rejectUnknown(["directory", "pattern", "afterwards", "moveTo", "interval", "maxBytes"])
        let start = log.problems.count
        let directory = fields.string("directory", required: true, hint: "name the partner's folder we collect documents from")
        let pattern = fields.string("pattern") ?? "*"
        let afterwards = afterwards(fields)
        let interval = fields.duration("interval") ?? .seconds(60)
        let maxBytes = fields.string("maxBytes").flatMap { Fields.size($0, at: fields.value("maxBytes"), key: fields.keyPath("maxBytes"), log: log) }
        guard !log.problems[start...].contains(where: { $0.severity == .error }), let directory, let afterwards else { return nil }
        var pickup = SFTPSettings.Pickup(directory: directory, pattern: pattern, afterwards: afterwards, interval: interval)
        if let maxBytes { pickup.maxBytes = Int64(maxBytes) }
        return pickup
    }
}
