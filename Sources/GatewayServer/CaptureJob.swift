internal import Foundation
internal import Store

/// A capture job as `GET {base}/capture/{id}` shows it (the EPCIS 2.0 `CaptureJob` schema).
struct CaptureJob: Encodable, Equatable {
    /// One reason the document was not captured (an RFC 7807 problem).
    struct Problem: Encodable, Equatable {
        var type: String
        var title: String
        var status: Int
        var detail: String
    }

    var captureID: String
    var createdAt: String
    var running: Bool
    var success: Bool
    /// The document is taken or refused whole.
    var captureErrorBehaviour = "rollback"
    var errors: [Problem]

    init(_ row: InboundMessageRow) {
        captureID = row.id
        createdAt = Self.time(row.receivedAt)
        running = row.disposition == CaptureController.running
        // While running, `success` says no error has occurred so far.
        success = running || row.valid == true
        errors =
            success
            ? []
            : [
                Problem(
                    type: "epcisException:ValidationException", title: "The document is not valid EPCIS", status: 400,
                    detail: row.validation ?? "no verdict was recorded")
            ]
    }

    static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
    }
}
