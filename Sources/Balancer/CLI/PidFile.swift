import Foundation

/// The pid file `serve` writes and `reload` reads: a process id in decimal, optionally followed by a newline.
///
/// Reading is separated from signalling so the decisions (missing, garbled, stale) can be tested without
/// real processes: the liveness probe is passed in.
struct PidFile {
    /// Whether a process exists, as `kill(pid, 0)` tells.
    enum ProcessState: Equatable {
        case running
        case gone
        /// It exists but belongs to another user, so it cannot be signalled by this one.
        case notPermitted
    }

    /// Why no process could be signalled, each as a sentence for the operator.
    enum Problem: Error, Equatable {
        case missing(path: String)
        case unreadable(path: String)
        case malformed(path: String, contents: String)
        case stale(path: String, pid: Int32)
        case notPermitted(path: String, pid: Int32)

        var message: String {
            switch self {
            case .missing(let path):
                return "\(path) does not exist; is the balancer running? Start it with balancer serve, "
                    + "or pass --pid-file with the pid_file it was started with"
            case .unreadable(let path):
                return "\(path) cannot be read; run reload as the user that runs the balancer"
            case .malformed(let path, let contents):
                return "\(path) does not hold a process id (it contains \"\(contents)\"); "
                    + "restart the balancer to rewrite it"
            case .stale(let path, let pid):
                return "\(path) names process \(pid), which is not running; the balancer has stopped "
                    + "without removing it, so start it again with balancer serve"
            case .notPermitted(let path, let pid):
                return "process \(pid) from \(path) belongs to another user; run reload as that user"
            }
        }
    }

    var path: String

    /// The pid in `contents`; nil unless it is a plain number above 1 (0, 1 and negatives would signal
    /// a process group, init or every process, never one balancer).
    static func pid(from contents: String) -> Int32? {
        guard let pid = Int32(contents.trimmingASCIIWhitespace()), pid > 1 else { return nil }
        return pid
    }

    /// The pid of the running balancer, or why there is none.
    func runningPid(probe: (Int32) -> ProcessState = PidFile.probe) -> Result<Int32, Problem> {
        guard FileManager.default.fileExists(atPath: path) else { return .failure(.missing(path: path)) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(.unreadable(path: path))
        }
        let contents = String(decoding: data, as: UTF8.self)
        guard let pid = Self.pid(from: contents) else {
            return .failure(.malformed(path: path, contents: String(contents.trimmingASCIIWhitespace().prefix(40))))
        }
        switch probe(pid) {
        case .running: return .success(pid)
        case .gone: return .failure(.stale(path: path, pid: pid))
        case .notPermitted: return .failure(.notPermitted(path: path, pid: pid))
        }
    }

    /// Asks the kernel with signal 0, which checks existence and permission without delivering anything.
    static func probe(_ pid: Int32) -> ProcessState {
        if kill(pid, 0) == 0 { return .running }
        return errno == EPERM ? .notPermitted : .gone
    }
}
