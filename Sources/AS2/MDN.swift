internal import Foundation

/// A message disposition notification (RFC 8098, AS2 profile RFC 4130 §7), as the partner sent
/// it: the fields of its `message/disposition-notification` part and its human-readable text.
public struct MDN: Hashable, Sendable {
    public var originalMessageID: String?
    public var disposition: Disposition
    /// `Received-Content-MIC`: the digest (base64, compared exactly) and its algorithm.
    public var receivedMIC: ReceivedMIC?
    public var finalRecipient: String?
    public var reportingUA: String?
    /// The first text part, bounded.
    public var text: String

    /// The `Disposition` field: `automatic-action/MDN-sent-automatically; processed/error: text`.
    public struct Disposition: Hashable, Sendable, CustomStringConvertible {
        /// `processed`, `failed`, … (lower-cased).
        public var type: String
        /// `error`, `warning`, `failure`, or nil (lower-cased).
        public var modifier: String?
        /// What follows the modifier's colon, e.g. `authentication-failed`.
        public var modifierText: String?
        /// The field as received.
        public var raw: String

        public init(_ raw: String) {
            self.raw = raw
            let afterModes = raw.split(separator: ";", maxSplits: 1).dropFirst().first.map(String.init) ?? raw
            var text = afterModes.trimmingCharacters(in: .whitespaces)
            var detail: String?
            if let colon = text.firstIndex(of: ":") {
                detail = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                text = String(text[..<colon])
            }
            let pieces = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            type = pieces.first ?? ""
            modifier = pieces.count > 1 ? pieces[1] : nil
            modifierText = detail
        }

        public var description: String { raw }
    }

    public struct ReceivedMIC: Hashable, Sendable {
        public var digest: String
        /// As the partner spelled it.
        public var algorithmName: String
        public var algorithm: MICAlgorithm? { MICAlgorithm(liberal: algorithmName) }
    }

    /// Reads the report entity (`multipart/report; report-type=disposition-notification`).
    public static func parse(report: MIMEEntity) -> Result<MDN, MIMEError> {
        guard report.contentType?.mediaType == "multipart/report" else {
            return .failure(MIMEError(.unexpectedType, "the MDN is \(report.contentType?.mediaType ?? "untyped"), not multipart/report"))
        }
        let parts: [[UInt8]]
        switch report.parts() {
        case .failure(let error): return .failure(error)
        case .success(let value): parts = value
        }
        var text = ""
        var fields: MIMEHeaders?
        for raw in parts {
            guard case .success(let part) = MIMEEntity.parse(raw) else { continue }
            let type = part.contentType?.mediaType ?? "text/plain"
            if type == "message/disposition-notification", fields == nil {
                guard case .success(let body) = part.decodedBody() else { continue }
                fields = try? MIMEHeaders.parse(String(decoding: body, as: UTF8.self)).get()
            } else if type.hasPrefix("text/plain"), text.isEmpty {
                text = String(String(decoding: part.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).prefix(2000))
            }
        }
        guard let fields else {
            return .failure(MIMEError(.missingField, "the MDN has no message/disposition-notification part"))
        }
        guard let disposition = fields["Disposition"] else {
            return .failure(MIMEError(.missingField, "the MDN's disposition-notification part has no Disposition field"))
        }
        var mic: ReceivedMIC?
        if let value = fields["Received-Content-MIC"] {
            let pieces = value.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            mic = ReceivedMIC(digest: pieces.first ?? "", algorithmName: pieces.count > 1 ? pieces[1] : "")
        }
        return .success(
            MDN(
                originalMessageID: fields["Original-Message-ID"], disposition: Disposition(disposition), receivedMIC: mic,
                finalRecipient: fields["Final-Recipient"], reportingUA: fields["Reporting-UA"], text: text))
    }
}
