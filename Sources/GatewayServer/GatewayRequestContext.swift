public import Hummingbird
public import NIOCore

/// The request context of every gateway route: Hummingbird's core context and the connection,
/// so a route can read the TLS client certificate a requestor presented.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
