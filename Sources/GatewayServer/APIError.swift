internal import Foundation
public import HTTPTypes
public import Hummingbird
internal import NIOCore
internal import Store

/// A refusal the HTTP API gives: its status and a JSON body saying what, why and how to fix.
///
/// Every error a route throws becomes one of these (``init(_:)``), so no client ever sees a
/// bare 500 for a known condition. Equality compares the ``code`` only.
public struct APIError: Error, HTTPResponseError, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable category, also the `error` field of the body.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let value: String
        private init(_ value: String) { self.value = value }

        /// The body is larger than the configured limit.
        public static let tooLarge = Code("request-too-large")
        /// The store cannot be used now; try again later.
        public static let storeUnavailable = Code("store-unavailable")
        /// A stored value is corrupt; an operator must look.
        public static let storeCorrupt = Code("store-corrupt")
        /// Anything else that failed inside the gateway.
        public static let failed = Code("internal-failure")

        public var description: String { value }
    }

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

    public static func == (lhs: APIError, rhs: APIError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
