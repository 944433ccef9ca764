internal import Foundation
internal import GS1

/// Checks a responder's answer against the rules a requestor relies on (LMS 1.1 §4, GS1 US
/// R1.3 §8-9): what `epcis-gateway verify ask` reports about a partner's responder, or ours.
/// Pure: the HTTP exchange is done by the caller.
public enum VerificationResponseCheck {
    /// The statuses the standard names.
    static let knownStatuses: Set<Int> = [200, 400, 401, 403, 404, 405, 408, 500, 502, 503, 504]

    /// Every rule the answer breaks, in words; empty when it is right.
    /// - Parameters:
    ///   - headers: names lower-cased.
    ///   - correlationID: the corrUUID sent (nil for checkConnectivity).
    public static func findings(status: Int, headers: [String: String], body: [UInt8], correlationID: String?) -> [String] {
        var found: [String] = []
        guard status == 200 else {
            if !knownStatuses.contains(status) { found.append("status \(status) is none the standard names (400, 401, 403, 404, 405, 408, 5xx)") }
            if !body.isEmpty { found.append("a \(status) carries a body of \(body.count) bytes; only a 200 may carry a JSON payload") }
            return found
        }
        if headers["content-type"]?.lowercased().hasPrefix("application/json") != true {
            found.append("Content-Type is '\(headers["content-type"] ?? "")', not application/json")
        }
        let cache = (headers["cache-control"] ?? "").lowercased()
        if !(cache.contains("no-cache") && cache.contains("private")) {
            found.append("Cache-Control is '\(headers["cache-control"] ?? "")', not private, no-cache")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return found + ["the body is not a JSON object: \(String(decoding: body.prefix(120), as: UTF8.self))"]
        }
        let responder = object["responderGLN"] as? String
        if responder.flatMap({ try? GLN($0) }) == nil {
            found.append("responderGLN '\(responder ?? "missing")' is not a 13-digit GLN with a valid check digit")
        }
        guard let correlationID else {
            let extra = Set(object.keys).subtracting(["responderGLN"])
            if !extra.isEmpty { found.append("checkConnectivity answers only responderGLN, not \(extra.sorted().joined(separator: ", "))") }
            return found
        }
        let extra = Set(object.keys).subtracting(["verificationTimestamp", "responderGLN", "data", "corrUUID"])
        if !extra.isEmpty { found.append("the answer has members the standard does not: \(extra.sorted().joined(separator: ", "))") }
        let timestamp = object["verificationTimestamp"] as? String
        if !(timestamp.map(isMillisecondTimestamp) ?? false) {
            found.append("verificationTimestamp '\(timestamp ?? "missing")' is not ISO 8601 with milliseconds and Z or ±hh:mm")
        }
        if let echoed = object["corrUUID"] as? String {
            if echoed != correlationID { found.append("corrUUID '\(echoed)' is not the one sent ('\(correlationID)'), byte for byte") }
        } else {
            found.append("corrUUID is missing")
        }
        guard let data = object["data"] as? [String: Any] else { return found + ["data is missing or not an object"] }
        let extraData = Set(data.keys).subtracting(["verified", "verificationFailureReason", "additionalInfo"])
        if !extraData.isEmpty { found.append("data has members the standard does not: \(extraData.sorted().joined(separator: ", "))") }
        // JSONSerialization reads a JSON 1 as a Bool too; the decoder does not.
        struct Typed: Decodable {
            struct Member: Decodable { var verified: Bool }
            var data: Member
        }
        guard let verified = try? JSONDecoder().decode(Typed.self, from: Data(body)).data.verified else {
            return found + ["data.verified is missing or not true/false"]
        }
        let reason = data["verificationFailureReason"]
        if verified, reason != nil { found.append("a positive answer carries verificationFailureReason") }
        if !verified {
            if let text = reason as? String {
                if VerificationAnswer.FailureReason(rawValue: text) == nil {
                    found.append(
                        "verificationFailureReason '\(text)' is none of \(VerificationAnswer.FailureReason.allCases.map(\.rawValue).joined(separator: ", ")) (mind the lower-case 'match')"
                    )
                }
            } else {
                found.append("a negative answer lacks verificationFailureReason")
            }
        }
        if let info = data["additionalInfo"] {
            if let text = info as? String, VerificationAnswer.AdditionalInfo(rawValue: text) != nil {
            } else {
                found.append(
                    "additionalInfo '\(info)' is none of \(VerificationAnswer.AdditionalInfo.allCases.map(\.rawValue).joined(separator: ", ")); leave it out when there is none"
                )
            }
        }
        return found
    }

    /// `YYYY-MM-DDThh:mm:ss.fffZ` or `…fff±hh:mm`.
    static func isMillisecondTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { $0 < bytes.count && (0x30...0x39).contains(bytes[$0]) } }
        guard bytes.count == 24 || bytes.count == 29, digits(0..<4), bytes[4] == 0x2D, digits(5..<7), bytes[7] == 0x2D, digits(8..<10),
            bytes[10] == 0x54, digits(11..<13), bytes[13] == 0x3A, digits(14..<16), bytes[16] == 0x3A, digits(17..<19), bytes[19] == 0x2E,
            digits(20..<23)
        else { return false }
        if bytes.count == 24 { return bytes[23] == 0x5A }
        return (bytes[23] == 0x2B || bytes[23] == 0x2D) && digits(24..<26) && bytes[26] == 0x3A && digits(27..<29)
    }
}
