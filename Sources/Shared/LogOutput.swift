#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a `BatchedLogWriter` writes: standard output, which containers and supervisors collect, or a file.
public enum LogOutput: Sendable, Hashable {
    case standardOutput
    /// Appended to, created with mode 0644 if missing.
    case file(String)

    /// The descriptor to write to and whether the writer closes it when done.
    func openDescriptor() throws(LogOutputError) -> (descriptor: CInt, owned: Bool) {
        switch self {
        case .standardOutput:
            return (STDOUT_FILENO, false)
        case .file(let path):
            let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard opened >= 0 else { throw LogOutputError(path: path, reason: String(cString: strerror(errno))) }
            return (opened, true)
        }
    }
}

/// A log file that could not be opened.
public struct LogOutputError: Error, CustomStringConvertible {
    public var path: String
    /// The system's words for why, e.g. `Permission denied`.
    public var reason: String
    public var description: String { "cannot open \(path): \(reason)" }
}
