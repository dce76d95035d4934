import BalancerCore
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

extension PidFile {
    /// The config a running balancer serves, recorded by `serve` beside its pid file as `<pid_file>.config`, so
    /// `balancer reload` validates the file that SIGHUP will make the process re-read, not whichever file the
    /// operator's `--config` (or the default path) happens to name.
    ///
    /// Why a record beside the pid file rather than reading `/proc/PID/cmdline`: the pid file stays a bare number,
    /// as nginx's does (`kill -HUP $(cat balancer.pid)` keeps working); the path is the one `serve` resolved
    /// itself, so `reload` does not have to repeat the command line's grammar (`--config=F`, the default path, a
    /// relative path against the process's working directory); and it works wherever the balancer runs, not only
    /// on Linux. The record names the pid it belongs to, so one left behind by a killed process, or by another
    /// balancer that shares the pid file, is recognised and ignored.
    struct ConfigRecord: Equatable {
        /// The process that serves `configPath`.
        var pid: Int32
        /// Absolute, with symbolic links kept: the process re-reads this path, and a Kubernetes ConfigMap mount
        /// swaps the link's target on every update.
        var configPath: String

        /// Where the record of the balancer that writes `pidFile` lives.
        static func path(besidePidFile pidFile: String) -> String { pidFile + ".config" }

        /// The record for this process serving `configPath` (made absolute against the current directory,
        /// because `reload` may run from another one).
        static func forThisProcess(configPath: String) -> ConfigRecord {
            let absolute = URL(
                fileURLWithPath: configPath,
                relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            ).standardizedFileURL.path
            return ConfigRecord(pid: ProcessInfo.processInfo.processIdentifier, configPath: absolute)
        }

        /// Two lines: the pid, then the config path.
        var contents: String { "\(pid)\n\(configPath)\n" }

        /// The record in `contents`; nil unless it is a valid pid followed by an absolute path.
        static func parse(_ contents: String) -> ConfigRecord? {
            let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count >= 2, let pid = PidFile.pid(from: String(lines[0])) else { return nil }
            let path = String(lines[1])
            guard path.hasPrefix("/") else { return nil }
            return ConfigRecord(pid: pid, configPath: path)
        }

        /// The record beside `pidFile` if there is one and it belongs to `pid`.
        static func read(besidePidFile pidFile: String, pid: Int32) -> ConfigRecord? {
            guard let data = FileManager.default.contents(atPath: path(besidePidFile: pidFile)),
                let record = parse(String(decoding: data, as: UTF8.self)), record.pid == pid
            else { return nil }
            return record
        }

        /// Writes the record beside `pidFile`.
        func write(besidePidFile pidFile: String) throws {
            let target = Self.path(besidePidFile: pidFile)
            do {
                try contents.write(toFile: target, atomically: true, encoding: .utf8)
            } catch {
                throw BalancerStartError(message: "cannot write \(target), where balancer reload finds the config "
                    + "this process serves: \(error.localizedDescription); check that the directory of pid_file "
                    + "exists and this user may write there")
            }
        }

        /// Removes the record beside `pidFile` if it is still this one (another balancer may have replaced it).
        func remove(besidePidFile pidFile: String) {
            guard Self.read(besidePidFile: pidFile, pid: pid) == self else { return }
            try? FileManager.default.removeItem(atPath: Self.path(besidePidFile: pidFile))
        }
    }
}
