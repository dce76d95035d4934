/// A request the replica answers on the event loop, without Hummingbird: `GET /health` or `GET /api/instance`, no
/// body, no upgrade, a connection header the fast path understands.
///
/// Produced by `FastPathRequest.decide(_:)`; everything the response needs to say about the connection is decided
/// here, the way Hummingbird and `HTTP10ConnectionHandler` decide it for the same request.
struct FastPathRequest: Sendable, Hashable {
    /// The endpoints the fast path answers; both answer from memory only.
    enum Route: Sendable, Hashable, CaseIterable {
        case health
        case instance

        /// The path as the request line spells it and the access log writes it.
        var path: String {
            switch self {
            case .health: "/health"
            case .instance: "/api/instance"
            }
        }
    }

    /// The `connection` header of the response. Only HTTP/1.0 requests get one, added by `HTTP10ConnectionHandler`
    /// on Hummingbird's path; HTTP/1.1 answers carry none, whatever the request said.
    enum ConnectionHeader: Sendable, Hashable {
        case none
        case close
        case keepAlive
    }

    var route: Route
    /// Whether the connection ends once the response is written.
    var closesConnection: Bool
    var connectionHeader: ConnectionHeader
    /// Bytes from the start of the request line through the empty line that ends the head.
    var headLength: Int

    /// The connection handling for a request of `version` 1.`minor` whose `Connection` header said `connection`
    /// (`nil` when absent): HTTP/1.1 closes only on `close`, HTTP/1.0 stays open only on `keep-alive` and says so.
    init(route: Route, minorVersion: Int, connection: ConnectionToken?, headLength: Int) {
        self.route = route
        self.headLength = headLength
        if minorVersion == 1 {
            closesConnection = connection == .close
            connectionHeader = .none
        } else {
            closesConnection = connection != .keepAlive
            connectionHeader = closesConnection ? .close : .keepAlive
        }
    }

    /// The two `Connection` values the fast path accepts; any other value goes to Hummingbird.
    enum ConnectionToken: Sendable, Hashable {
        case close
        case keepAlive
    }
}
