import BalancerCore
import NIOCore
import NIOPosix

/// Short, log-friendly reasons for failed upstream attempts (`connection refused`, `read timeout`).
enum ConnectFailure {
    /// The reason behind a connect error, without NIO's type names.
    static func describe(_ error: Error) -> String {
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return describe(first.error)
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset"
            case EHOSTUNREACH, ENETUNREACH: return "host unreachable"
            case ETIMEDOUT: return "connect timeout"
            default: return "connect failed (errno \(io.errnoCode))"
            }
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "connect timeout" }
        return "connect failed (\(error))"
    }
}
