import BalancerCore
import Foundation
import NIOCore
import NIOSSL

/// TLS from the balancer to the servers of one group (`upstreams.<name>.tls`): a client context that verifies the
/// server's chain against the system's authorities or `ca`, and its name against `server_name`, else the host the
/// server is written with (an IP address is checked against the certificate's IP addresses).
final class UpstreamTLS: Sendable {
    let config: UpstreamTLSConfig
    let context: NIOSSLContext

    init(config: UpstreamTLSConfig) throws {
        self.config = config
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = config.verify ? .fullVerification : .none
        if let ca = config.ca { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
        tls.applicationProtocols = ["http/1.1"]
        context = try NIOSSLContext(configuration: tls)
    }

    /// The handler that starts the handshake with `server` on a new connection.
    func makeHandler(for server: UpstreamServer) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverName(for: server))
    }

    /// SNI and the name checked: `server_name`, else the server's host when it is a name (no SNI for an address).
    func serverName(for server: UpstreamServer) -> String? {
        if let name = config.serverName { return name }
        let host = server.config.address.host
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return isAddress ? nil : host
    }
}
