import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Freezing a replica: with SIGSTOP the kernel still completes TCP handshakes into its listen backlog and takes
/// request bytes into socket buffers, but nothing answers — a hung backend, as opposed to a crashed one.
extension ReplicaProcess {
    /// SIGSTOP: the replica keeps its port and accepts connections, and never answers until `resume()`.
    func pause() {
        guard isRunning else { return }
        Glibc.kill(pid, SIGSTOP)
    }

    /// SIGCONT. A paused replica must be resumed before `stop()`, which waits for it to act on SIGTERM.
    func resume() {
        guard isRunning else { return }
        Glibc.kill(pid, SIGCONT)
    }

    /// Resumes (in case it was paused) and stops the replica: every test ends its replicas this way.
    func resumeAndStop() {
        resume()
        stop()
    }
}
