/// Writes a pinned SFTP host key into a profile's text, keeping every other line (comments
/// included) as it was. Pure: text in, text out.
public enum HostKeyPinning {
    /// The profile text cannot be edited safely; the message says what to write by hand.
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// `text` with `hostKeyFingerprint` and `hostKeyType` set in its `transport.sftp` block.
    public static func pin(_ key: SFTPSettings.HostKey, in text: String) throws(Refused) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        func isContent(_ line: String) -> Bool {
            let trimmed = line.drop { $0 == " " }
            return !trimmed.isEmpty && !trimmed.hasPrefix("#")
        }
        let byHand = "add these lines to the sftp block by hand:\n  hostKeyFingerprint: \"\(key.fingerprint)\"\n  hostKeyType: \(key.type)"
        guard let transport = lines.firstIndex(where: { $0.hasPrefix("transport:") }) else {
            throw Refused(description: "the profile has no top-level `transport:` line; \(byHand)")
        }
        guard
            let sftp = lines[(transport + 1)...].firstIndex(where: {
                $0.drop { $0 == " " }.hasPrefix("sftp:") && indent($0) > 0
            })
        else { throw Refused(description: "the profile's transport block has no `sftp:` line; \(byHand)") }
        let rest = lines[sftp].drop { $0 == " " }.dropFirst("sftp:".count).trimmingPrefix(" ")
        guard rest.isEmpty || rest.hasPrefix("#") else {
            throw Refused(description: "the sftp block is written on one line (flow style), which this command does not rewrite; \(byHand)")
        }
        // The block is every following line indented deeper than `sftp:` (blank lines and comments included).
        var end = sftp + 1
        while end < lines.count && (!isContent(lines[end]) || indent(lines[end]) > indent(lines[sftp])) { end += 1 }
        while end > sftp + 1 && !isContent(lines[end - 1]) { end -= 1 }
        let children = lines[(sftp + 1)..<end].filter(isContent)
        let width = children.first.map(indent) ?? indent(lines[sftp]) + 2
        let pad = String(repeating: " ", count: width)
        let wanted = [("hostKeyFingerprint", "\"\(key.fingerprint)\""), ("hostKeyType", key.type)]
        var insertAt = sftp + 1
        for (name, value) in wanted {
            let replacement = "\(pad)\(name): \(value)"
            if let existing = lines[(sftp + 1)..<end].firstIndex(where: { indent($0) == width && $0.drop { $0 == " " }.hasPrefix("\(name):") }) {
                lines[existing] = replacement
                insertAt = existing + 1
            } else {
                lines.insert(replacement, at: insertAt)
                insertAt += 1
                end += 1
            }
        }
        return lines.joined(separator: "\n")
    }
}
