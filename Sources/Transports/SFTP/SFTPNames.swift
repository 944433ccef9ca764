internal import Foundation
public import Partners

/// The names an SFTP delivery uses on the server, all derived from the final name fixed at
/// `queue add`: a retry finds what the last attempt left by these names.
public struct SFTPNames: Hashable, Sendable {
    /// The metadata key the final name is stored under with the delivery.
    public static let metadataKey = "sftp.file-name"

    public var directory: String
    public var final: String
    public var temporary: String

    public init(settings: SFTPSettings, final: String) {
        directory = settings.directory
        self.final = final
        temporary = settings.temporaryName.replacingOccurrences(of: "{name}", with: final)
    }

    public var finalPath: String { Self.join(directory, final) }
    public var temporaryPath: String { Self.join(directory, temporary) }

    /// The acknowledgement file's name for an uploaded file.
    public static func ackName(_ ack: SFTPSettings.AckFiles, for final: String) -> String {
        let stem = final.lastIndex(of: ".").map { String(final[..<$0]) } ?? final
        return ack.fileName.replacingOccurrences(of: "{name}", with: final).replacingOccurrences(of: "{stem}", with: stem)
    }

    /// `directory/name`, without doubling slashes; `.` is the login folder.
    public static func join(_ directory: String, _ name: String) -> String {
        if directory == "." || directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Whether `name` matches a shell pattern with `*` and `?`.
    public static func matches(_ name: String, pattern: String) -> Bool {
        let text = Array(name.unicodeScalars)
        let glob = Array(pattern.unicodeScalars)
        var t = 0
        var g = 0
        var star: Int?
        var mark = 0
        while t < text.count {
            if g < glob.count && (glob[g] == "?" || glob[g] == text[t]) {
                t += 1
                g += 1
            } else if g < glob.count && glob[g] == "*" {
                star = g
                mark = t
                g += 1
            } else if let star {
                g = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while g < glob.count && glob[g] == "*" { g += 1 }
        return g == glob.count
    }

    /// Names partners' and our own uploads use while a file is incomplete.
    public static func isTemporary(_ name: String) -> Bool {
        let lower = name.lowercased()
        return name.hasPrefix(".") || lower.hasSuffix(".part") || lower.hasSuffix(".tmp") || lower.hasSuffix(".filepart")
            || lower.hasSuffix(".partial")
    }
}
