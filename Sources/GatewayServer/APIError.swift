internal import Foundation
public import GatewayCore
public import HTTPTypes
public import Hummingbird
internal import NIOCore
internal import Store

/// A refusal the HTTP API gives: its status and a JSON body saying what, why and how to fix.
///
/// Every error a route throws becomes one of these (``init(_:)``), so no client ever sees a
/// bare 500 for a known condition. Equality compares the ``code`` only.
public struct APIError: CodedError, HTTPResponseError {
    /// A stable, machine-readable category.
    public typealias Code = ErrorCode<APIError>

    public var code: Code
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ code: Code, status: HTTPResponse.Status, _ message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    /// The refusal for a store failure.
    init(_ error: StoreError) {
        switch error.code {
        case .corrupt: self.init(.storeCorrupt, status: .internalServerError, "\(error.message); nothing was stored")
        default: self.init(.storeUnavailable, status: .serviceUnavailable, "\(error.message); nothing was stored, send the request again later")
        }
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(["error": code.description, "message": message, "stored": "false"], status: status)
    }

}

extension ErrorCode where Domain == APIError {
    /// The body is larger than the configured limit.
    public static let tooLarge = Self("request-too-large")
    /// The store cannot be used now; try again later.
    public static let storeUnavailable = Self("store-unavailable")
    /// A stored value is corrupt; an operator must look.
    public static let storeCorrupt = Self("store-corrupt")
    /// The request is malformed (the message says how).
    public static let badRequest = Self("bad-request")
    /// The sender is not a partner a loaded profile names.
    public static let unknownPartner = Self("unknown-partner")
    /// The request's content type is not what the endpoint takes.
    public static let unsupported = Self("unsupported-media-type")
    /// Anything else that failed inside the gateway.
    public static let failed = Self("internal-failure")
}
