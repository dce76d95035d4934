import Logging
import NIOEmbedded
import XCTest

@testable import Balancer
@testable import BalancerCore

extension LoopContext {
    /// The loop context of `channel`'s embedded loop under the config `yaml`, for handlers tested bytes in, bytes out.
    static func embedded(on channel: EmbeddedChannel, yaml: String) throws -> LoopContext {
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        return LoopContext(
            eventLoop: channel.embeddedEventLoop,
            snapshot: ProxySnapshot(config: config, generation: 1),
            accessLog: nil,
            stats: ConnectionStats(),
            events: UpstreamEventLog(logger: Logger(label: "test"))
        )
    }
}
