internal import Foundation
public import GatewayCore
public import HTTPTypes
public import Hummingbird
internal import NIOCore
internal import Store

/// A refusal of the capture interface, answered as RFC 7807 `application/problem+json` with
/// the EPCIS 2.0 exception type, and what, why and how to fix in `detail`.
public struct CaptureProblem: CodedError, HTTPResponseError {
    public typealias Code = ErrorCode<APIError>

    public var code: Code
    public var status: HTTPResponse.Status
    /// The EPCIS exception, without the `epcisException:` prefix.
    public var type: String
    public var title: String
    public var message: String
    /// Extra headers (the limits, on a 413).
    public var headers: HTTPFields

    public init(
        _ code: Code, status: HTTPResponse.Status, type: String, title: String, _ message: String, headers: HTTPFields = [:]
    ) {
        self.code = code
        self.status = status
        self.type = type
        self.title = title
        self.message = message
        self.headers = headers
    }

    /// The refusal for a store failure.
    init(_ error: StoreError) {
        let api = APIError(error)
        self.init(api.code, status: api.status, type: "ImplementationException", title: "The store cannot be used", api.message)
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    private struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Body(type: "epcisException:\(type)", title: title, status: status.code, detail: message))
        data.append(0x0A)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension ErrorCode where Domain == APIError {
    /// No credential of a partner came with the request.
    public static let unauthorized = Self("unauthorized")
    /// The partner is known but may not do this.
    public static let forbidden = Self("forbidden")
    /// There is no such resource (for this partner).
    public static let notFound = Self("not-found")
}
