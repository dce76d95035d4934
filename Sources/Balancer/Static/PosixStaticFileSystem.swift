import BalancerCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real file system for `StaticFileResolver`, plus the opens and reads of the files it picks. Every call here
/// blocks, so it only ever runs on the file thread pool (`StaticFileLoader`), never on an event loop.
struct PosixStaticFileSystem: StaticFileSystem {
    func status(_ path: String) -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Self.fileStatus(info)
    }

    func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// What an open descriptor is now (`fstat`).
    static func status(descriptor: CInt) -> FileStatus? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return fileStatus(info)
    }

    static func fileStatus(_ info: stat) -> FileStatus {
        let kind: FileStatus.Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        default: kind = .other
        }
        #if canImport(Darwin)
            let mtime = info.st_mtimespec
            let ctime = info.st_ctimespec
        #else
            let mtime = info.st_mtim
            let ctime = info.st_ctim
        #endif
        var status = FileStatus(kind: kind, size: Int64(info.st_size), modificationTime: Int64(mtime.tv_sec))
        status.modificationNanoseconds = Int64(mtime.tv_nsec)
        status.inode = UInt64(info.st_ino)
        status.device = UInt64(info.st_dev)
        status.changeTime = Int64(ctime.tv_sec) * 1_000_000_000 + Int64(ctime.tv_nsec)
        return status
    }

    /// Why a file could not be opened, as the answer to it.
    enum OpenFailure: Error {
        /// Gone, or not a regular file any more: 404.
        case missing
        /// The balancer's user may not read it: 403, as nginx answers.
        case forbidden
    }

    /// Opens `path` for reading: non-blocking (a FIFO swapped in after the `stat` must not hang a thread),
    /// close-on-exec, and checked to be a regular file.
    static func openRegular(_ path: String) -> Result<(descriptor: CInt, status: FileStatus), OpenFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .failure(errno == EACCES ? .forbidden : .missing) }
        guard let status = status(descriptor: fd), status.kind == .regular else {
            _ = close(fd)
            return .failure(.missing)
        }
        return .success((fd, status))
    }

    static func closeDescriptor(_ fd: CInt) {
        _ = close(fd)
    }

    /// Reads exactly `count` bytes from `offset` into `buffer`; false when fewer are there (the file shrank) or a
    /// read fails.
    static func read(descriptor: CInt, offset: Int64, count: Int, into buffer: inout ByteBuffer) -> Bool {
        var done = 0
        while done < count {
            var result = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { raw in
                result = pread(descriptor, raw.baseAddress!, count - done, off_t(offset) + off_t(done))
                return max(result, 0)
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return false }
            done += result
        }
        return true
    }
}
