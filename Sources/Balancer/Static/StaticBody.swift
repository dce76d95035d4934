import BalancerCore
import NIOCore
import NIOPosix

/// The bytes of one representation of a file, ready to send: small files and compressed ones in memory (served
/// with no system call but the socket write), larger ones as an open descriptor sent with `sendfile`.
enum StaticBody: Sendable {
    case memory(ByteBuffer)
    case file(OpenStaticFile)

    var byteCount: Int64 {
        switch self {
        case .memory(let buffer): return Int64(buffer.readableBytes)
        case .file(let file): return file.status.size
        }
    }

    /// Memory it holds (what the open-file cache's byte budget counts).
    var memoryCost: Int {
        if case .memory(let buffer) = self { return buffer.readableBytes }
        return 0
    }
}

/// An open file kept by the open-file cache and by the responses sending it: the descriptor closes when the last
/// of them lets go, so a file evicted or replaced mid-response is still sent whole from the descriptor opened.
final class OpenStaticFile: Sendable {
    let handle: NIOFileHandle
    /// What the file was when opened (its size bounds every region sent).
    let status: FileStatus

    init(descriptor: CInt, status: FileStatus) {
        self.handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
        self.status = status
    }

    deinit {
        try? handle.close()
    }
}
