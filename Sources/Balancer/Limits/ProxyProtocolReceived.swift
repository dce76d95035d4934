import BalancerCore

/// The user event `ProxyProtocolHandler` sends down the pipeline once a connection's PROXY header is read, before
/// the bytes that follow it; `ClientConnectionHandler` decides from it who the client is.
struct ProxyProtocolReceived {
    let header: ProxyProtocolHeader
}
