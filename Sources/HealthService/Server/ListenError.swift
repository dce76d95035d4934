import Shared

/// The replica could not open its port; the message says why in words and what to do about it.
struct ListenError: Error, CustomStringConvertible {
    let description: String

    /// The error for a failed bind of `host:port`.
    init(host: String, port: Int, underlying: any Error) {
        let reason = BindFailure.reason(for: underlying, host: host, port: port, setting: "HOST/PORT")
        description = "cannot listen on \(host):\(port): \(reason)"
    }
}
