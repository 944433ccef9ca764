internal import Foundation
public import GatewayCore
public import Partners

/// A document on its way to a partner: the exact stored bytes, spooled to a file.
public struct OutboundDocument: Sendable {
    public var deliveryID: String
    /// The partner's de-duplication key (sent as `Idempotency-Key` over HTTPS).
    public var documentID: String
    /// The file holding the bytes.
    public var file: String
    public var byteCount: Int64
    public var contentType: String
    /// The recorded attempt this send or poll is; sent with the request (HTTPS:
    /// `EPCIS-Gateway-Attempt`) so the partner's log and ours name the same request.
    public var attemptID: String
    /// Transport facts stored with the delivery before its first attempt (an AS2 message's
    /// headers, Message-ID and MIC).
    public var metadata: [String: String]

    public init(
        deliveryID: String, documentID: String, file: String, byteCount: Int64, contentType: String, attemptID: String,
        metadata: [String: String] = [:]
    ) {
        self.deliveryID = deliveryID
        self.documentID = documentID
        self.file = file
        self.byteCount = byteCount
        self.contentType = contentType
        self.attemptID = attemptID
        self.metadata = metadata
    }
}

/// What one send attempt came to.
public enum SendResult: Hashable, Sendable {
    /// The partner confirmed receipt in its answer.
    case acknowledged(detail: String)
    /// The partner took the document and will acknowledge at `reference` (a capture job).
    case accepted(reference: String, detail: String)
    /// Nothing conclusive happened (connection, timeout, `5xx`, `429`): send the same bytes later.
    case failed(error: String, retryAfterMilliseconds: Int64?)
    /// The partner refused the document; sending it again would fail the same way.
    case rejected(reason: String)
}

/// What one acknowledgement poll came to.
public enum PollResult: Hashable, Sendable {
    case pending(detail: String)
    case acknowledged(detail: String)
    case rejected(reason: String)
    case failed(error: String)
}

/// One way of reaching partners.
public protocol Transport: Sendable {
    /// Sends the document once. Never throws: every failure is a ``SendResult``.
    func send(_ document: OutboundDocument) async -> SendResult
    /// Asks for the acknowledgement of an accepted document.
    func poll(reference: String, document: OutboundDocument) async -> PollResult
}

/// Reads a secret when it is needed; the value never leaves the transport.
public struct SecretReader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    /// The secret, or a reason in words that names where it was looked for (never its value).
    public func read(_ source: SecretSource) -> Result<String, TransportConfigurationError> {
        switch source {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                return .failure(TransportConfigurationError(.secretMissing, "the secret is not set: \(source) is empty or missing"))
            }
            return .success(value)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path), var value = String(data: data, encoding: .utf8) else {
                return .failure(TransportConfigurationError(.secretUnreadable, "the secret cannot be read from \(source)"))
            }
            while value.last == "\n" || value.last == "\r" { value.removeLast() }
            return .success(value)
        }
    }
}

/// A partner's transport settings cannot be used as they are (a missing secret or file). The
/// message names where the secret was looked for, never its value.
///
/// Equality compares the ``code`` only.
public struct TransportConfigurationError: CodedError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<TransportConfigurationError>

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension ErrorCode where Domain == TransportConfigurationError {
    /// The environment variable a profile names is unset or empty.
    public static let secretMissing = Self("secret-missing")
    /// The file a profile names cannot be read.
    public static let secretUnreadable = Self("secret-unreadable")
    /// A key or certificate file a profile names cannot be read.
    public static let fileUnreadable = Self("file-unreadable")
    /// No certificate of the partner is valid now.
    public static let certificateInvalid = Self("certificate-invalid")
}
