import Shared

/// What the resolver needs to know about the file system, so the rules of `StaticFileResolver` run against a real
/// one on the thread pool and against a table in tests.
package protocol StaticFileSystem {
    /// `stat(2)` of `path`, links followed; nil when it does not exist or cannot be reached.
    func status(_ path: String) -> FileStatus?
    /// `realpath(3)`: the path with every link resolved; nil when it does not exist.
    func realPath(_ path: String) -> String?
}

/// The facts about a file the answer depends on.
package struct FileStatus: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case regular
        case directory
        /// A device, FIFO or socket: never opened (opening a FIFO would wait for a writer).
        case other
    }

    package let kind: Kind
    package let size: Int64
    /// Modification time, whole seconds since the epoch (what `Last-Modified` and the ETag say).
    package let modificationTime: Int64
    /// The validator of this file's bytes, and its `Last-Modified` value: made once, where the file is looked at
    /// (the thread pool), not per response.
    package let entityTag: EntityTag
    package let lastModifiedText: String
    /// Modification time's nanoseconds, inode, device and change time: a file replaced within the same second, or
    /// by another of the same size, still counts as changed for the open-file cache.
    package var modificationNanoseconds: Int64 = 0
    package var inode: UInt64 = 0
    package var device: UInt64 = 0
    package var changeTime: Int64 = 0

    package init(kind: Kind, size: Int64, modificationTime: Int64) {
        self.kind = kind
        self.size = size
        self.modificationTime = modificationTime
        self.entityTag = EntityTag(modificationTime: modificationTime, size: size)
        self.lastModifiedText = HTTPDate.format(epochSeconds: modificationTime)
    }


    /// The same file, unmodified: same inode on the same device, same size, modification and change times. What
    /// the open-file cache and the loader compare to tell a replaced or rewritten file.
    package func isSameFile(as other: FileStatus) -> Bool {
        inode == other.inode && device == other.device && size == other.size
            && modificationTime == other.modificationTime && modificationNanoseconds == other.modificationNanoseconds
            && changeTime == other.changeTime
    }
}
