import BalancerCore
import NIOCore

/// nginx's `open_file_cache`, per event loop (no lock): for each request path of a static route, what it resolved
/// to and the bodies already loaded for it (small files' bytes, compressed bytes, open descriptors). An entry is
/// trusted for `open_file_cache.valid`; after that the next request looks at the file system again, so a changed
/// file is served from then on. At most `max` paths and `memoryLimit` bytes are kept; the least recently used go
/// first.
///
/// Loop-bound: used only by the connections of its event loop.
final class StaticFileCache {
    /// A request path of a route, as `StaticPath` made it.
    struct Key: Hashable {
        var route: Int
        var relative: String
        var directory: Bool
    }

    /// What one request path resolved to, when, and the bodies loaded for it (by `bodyKey`).
    final class Entry {
        let resolution: StaticResolution
        fileprivate(set) var checkedAt: NIODeadline
        fileprivate(set) var bodies: [String: StaticBody] = [:]
        /// The answers to unconditional whole-file requests worked out so far (see `StaticPreparedAnswer`).
        private(set) var prepared: [StaticPreparedAnswer] = []
        fileprivate var lastUsed: UInt64 = 0
        /// A look at the file system for this path is on its way: meanwhile the entry keeps serving.
        fileprivate var refreshing = false

        init(resolution: StaticResolution, checkedAt: NIODeadline) {
            self.resolution = resolution
            self.checkedAt = checkedAt
        }

        /// The prepared answer to `request`, if one was kept (only unconditional whole-file requests ask).
        func preparedAnswer(to request: StaticRequest) -> StaticPreparedAnswer? {
            for answer in prepared where answer.answers(request) { return answer }
            return nil
        }

        /// Keeps `answer` for the next requests like the one it answered, up to `StaticPreparedAnswer.perEntry`.
        func keep(_ answer: StaticPreparedAnswer) {
            guard prepared.count < StaticPreparedAnswer.perEntry else { return }
            prepared.append(answer)
        }
    }

    /// Memory bodies above this many bytes in all are evicted (per event loop).
    static let memoryLimit = 32 << 20
    /// Files up to this size are kept in memory and sent with one write; larger ones go out with `sendfile`.
    static let inMemoryFileLimit: Int64 = 32 << 10
    /// Files up to this size are compressed on the fly (once, then cached); larger ones are sent as they are.
    static let compressibleFileLimit: Int64 = 8 << 20

    private var entries: [Key: Entry] = [:]
    private var memory = 0
    private var clock: UInt64 = 0
    private var maxEntries = OpenFileCacheConfig().max
    private var valid = TimeAmount.seconds(1)

    /// The body of `plan` in an entry: the source file's path, plus the coding when it is made here.
    static func bodyKey(_ plan: StaticResponsePlan) -> String {
        plan.encoding == .gzipOnTheFly ? plan.sourcePath + "\u{0}gzip" : plan.sourcePath
    }

    /// New settings (a reload): everything remembered is dropped, since roots and rules may have changed.
    func configure(_ config: OpenFileCacheConfig) {
        maxEntries = config.max
        valid = .milliseconds(config.valid.milliseconds)
        removeAll()
    }

    func removeAll() {
        entries.removeAll()
        memory = 0
    }

    var count: Int { entries.count }

    /// What the cache holds for a request path.
    enum Lookup {
        /// Trusted (or already being looked at again by an earlier request): serve from it.
        case fresh(Entry)
        /// `valid` passed: the caller looks at the file system again (`renew` or `store` after), while later
        /// requests keep being served from this entry until then.
        case stale(Entry)
        case missing
    }

    func lookup(_ key: Key, now: NIODeadline) -> Lookup {
        guard let entry = entries[key] else { return .missing }
        clock &+= 1
        entry.lastUsed = clock
        if now - entry.checkedAt < valid || entry.refreshing { return .fresh(entry) }
        entry.refreshing = true
        return .stale(entry)
    }

    /// The file system still says what `entry` says: trusted again from `checkedAt`, its bodies kept.
    func renew(_ entry: Entry, checkedAt: NIODeadline) {
        entry.checkedAt = checkedAt
        entry.refreshing = false
    }

    /// Remembers what `key` resolved to at `checkedAt` (replacing what was there) and returns the entry.
    @discardableResult
    func store(_ key: Key, resolution: StaticResolution, checkedAt: NIODeadline) -> Entry {
        if let old = entries.removeValue(forKey: key) { memory -= old.bodies.values.reduce(0) { $0 + $1.memoryCost } }
        let entry = Entry(resolution: resolution, checkedAt: checkedAt)
        clock &+= 1
        entry.lastUsed = clock
        entries[key] = entry
        if entries.count > maxEntries { evict(toCount: maxEntries - max(1, maxEntries / 10), keeping: key) }
        return entry
    }

    /// The entry cached for `key` if it still holds `resolution` (bodies loaded for an older one are not added).
    func entry(_ key: Key, resolution: StaticResolution) -> Entry? {
        guard let entry = entries[key], entry.resolution == resolution else { return nil }
        return entry
    }

    /// Adds a loaded body to `entry` (if it is still the one cached for `key`).
    func add(_ body: StaticBody, as bodyKey: String, to entry: Entry, key: Key) {
        guard entries[key] === entry, entry.bodies[bodyKey] == nil else { return }
        // One body larger than a quarter of the budget would push out everything else: sent, not kept.
        guard body.memoryCost <= Self.memoryLimit / 4 else { return }
        entry.bodies[bodyKey] = body
        memory += body.memoryCost
        if memory > Self.memoryLimit { evictMemory(keeping: key) }
    }

    private func evict(toCount target: Int, keeping kept: Key) {
        let victims = entries.filter { $0.key != kept }.sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (key, entry) in victims.prefix(max(0, entries.count - target)) {
            entries[key] = nil
            memory -= entry.bodies.values.reduce(0) { $0 + $1.memoryCost }
        }
    }

    private func evictMemory(keeping kept: Key) {
        let victims = entries.filter { $0.key != kept && $0.value.bodies.values.contains { $0.memoryCost > 0 } }
            .sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (key, entry) in victims where memory > Self.memoryLimit * 3 / 4 {
            entries[key] = nil
            memory -= entry.bodies.values.reduce(0) { $0 + $1.memoryCost }
        }
    }
}
