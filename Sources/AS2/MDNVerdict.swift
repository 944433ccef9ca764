/// What an MDN means for the message it answers: the decision table of TRANSPORTS §0.4 and
/// issue 13, pure.
public enum MDNVerdict: Hashable, Sendable {
    /// `processed`, verified, with the matching MIC.
    case acknowledged(detail: String)
    /// `processed/warning`: delivered; the warning is shown.
    case acknowledgedWithWarning(warning: String)
    /// `processed/error` or `failed`: the partner did not take the message. Not retried blindly.
    case rejected(reason: String)
    /// The MDN cannot count as an acknowledgement (unsigned where a signature was asked for, a
    /// bad signature, a MIC mismatch, another message's MDN).
    case notAcknowledged(reason: String)

    /// How the MDN's signature checked out.
    public enum Signature: Hashable, Sendable {
        case absent
        /// Verified against one of the partner's certificates, with this digest.
        case verified(digest: String)
        case invalid(reason: String)
    }

    /// What we sent, as stored with the delivery.
    public struct Expectation: Hashable, Sendable {
        public var messageID: String
        /// Base64 MIC of the signed (or, unsigned, the sent) entity.
        public var mic: String
        public var micAlgorithm: MICAlgorithm
        /// We asked for a signed MDN.
        public var signedReceipt: Bool
        /// We signed the message (so the MDN must carry the MIC).
        public var messageSigned: Bool

        public init(messageID: String, mic: String, micAlgorithm: MICAlgorithm, signedReceipt: Bool, messageSigned: Bool) {
            self.messageID = messageID
            self.mic = mic
            self.micAlgorithm = micAlgorithm
            self.signedReceipt = signedReceipt
            self.messageSigned = messageSigned
        }
    }

    /// The verdict on `mdn`, with its signature check, for the message `expected` describes.
    public static func evaluate(_ mdn: MDN, signature: Signature, expected: Expectation) -> MDNVerdict {
        if let original = mdn.originalMessageID, normalize(original) != normalize(expected.messageID) {
            return .notAcknowledged(reason: "the MDN answers message \(original), not \(expected.messageID)")
        }
        switch signature {
        case .invalid(let reason):
            return .notAcknowledged(reason: "the MDN's signature is not the partner's: \(reason)")
        case .absent where expected.signedReceipt:
            return .notAcknowledged(reason: "the MDN is unsigned, but a signed MDN was requested (\(mdn.disposition))")
        default: break
        }
        let disposition = mdn.disposition
        let detail = disposition.modifierText.map { ": \($0)" } ?? ""
        if disposition.type == "failed" || disposition.modifier == "error" || disposition.modifier == "failure" {
            return .rejected(reason: "the partner's MDN says \(disposition.type)/\(disposition.modifier ?? "failure")\(detail)")
        }
        guard disposition.type == "processed" else {
            return .notAcknowledged(reason: "the MDN's disposition '\(disposition)' is not processed")
        }
        if let received = mdn.receivedMIC {
            guard received.algorithm == expected.micAlgorithm else {
                return .notAcknowledged(
                    reason: "the MDN's MIC is computed with '\(received.algorithmName)', but \(expected.micAlgorithm.micalg) was used and requested")
            }
            guard received.digest == expected.mic else {
                return .notAcknowledged(
                    reason:
                        "the MDN's MIC \(received.digest) does not match the MIC \(expected.mic) of what was sent: the partner did not receive these bytes"
                )
            }
        } else if expected.messageSigned {
            return .notAcknowledged(reason: "the MDN says processed but carries no Received-Content-MIC for the signed message")
        }
        let signed: String
        if case .verified(let digest) = signature { signed = "signed (\(digest)) MDN" } else { signed = "unsigned MDN" }
        let mic = mdn.receivedMIC.map { ", MIC \($0.digest) matched" } ?? ""
        if disposition.modifier == "warning" {
            return .acknowledgedWithWarning(warning: "processed with warning\(detail) (\(signed)\(mic))")
        }
        return .acknowledged(detail: "processed (\(signed)\(mic))")
    }

    /// Message-IDs compare without angle brackets and surrounding space.
    static func normalize(_ id: String) -> String {
        var text = Substring(id)
        while text.first == " " || text.first == "<" { text = text.dropFirst() }
        while text.last == " " || text.last == ">" { text = text.dropLast() }
        return String(text)
    }
}
