import BalancerCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Which failed accepts stop a listener accepting for a while, and for how long (`AcceptPauseHandler` acts on it).
///
/// Out of descriptors, accept fails with EMFILE and leaves the connection in the backlog: accepting again at once
/// fails again, at 100 % CPU, until descriptors free up. nginx stops accepting for `accept_mutex_delay` (500 ms)
/// in that case; so does this.
enum AcceptBackoff {
    static let duration = TimeAmount.milliseconds(500)

    /// The pause after `error`; nil for ECONNABORTED, a client that reset before it was accepted: it left the
    /// backlog, so accepting again cannot spin, and pausing for it would let any client stall every other one.
    /// These are the only accept errors NIO keeps a listener open for.
    static func pause(after error: IOError) -> TimeAmount? {
        switch error.errnoCode {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: return duration
        default: return nil
        }
    }

    /// What a failed accept means and what to do about it, for the log.
    static func advice(for error: IOError) -> String {
        switch error.errnoCode {
        case EMFILE:
            return "the process has as many files open as its limit allows; raise worker_rlimit_nofile (and the "
                + "hard limit) or lower limits.max_connections"
        case ENFILE:
            return "the system's file table is full; raise fs.file-max or stop what holds the files"
        default:
            return "the kernel has no memory left for sockets"
        }
    }
}
