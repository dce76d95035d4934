import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `PING` through hiredis over a kept-open connection, authenticating and selecting the database on connect.
///
/// hiredis' blocking API is bounded by the timeouts it is given: `redisConnectWithTimeout` for the connection and
/// `redisSetTimeout` (socket send/receive timeouts) for every command, both set to the time left before the deadline.
/// Commands go through `redisCommandArgv` because Swift cannot call the variadic `redisCommand`.
final class RedisPing: KeptConnectionPing {
    private let settings: RedisSettings
    private let scrubber: SecretScrubber
    var connection: UnsafeMutablePointer<redisContext>?

    init(settings: RedisSettings) {
        self.settings = settings
        self.scrubber = SecretScrubber(secrets: [settings.password])
        // hiredis writes with write(2): a server that went away would otherwise kill the process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { disconnect() }

    func close(_ context: UnsafeMutablePointer<redisContext>) { redisFree(context) }

    /// `PING`, answered with `PONG`.
    func check(_ context: UnsafeMutablePointer<redisContext>, until deadline: ContinuousClock.Instant) -> CheckOutcome {
        switch command(["PING"], on: context, until: deadline) {
        case .success("PONG"): return .ok
        case .success(let other): return .failed("PING answered \(other.prefix(40)) instead of PONG")
        case .failure(let failure): return failure.outcome
        }
    }

    func connect(
        until deadline: ContinuousClock.Instant
    ) -> Result<UnsafeMutablePointer<redisContext>, PingFailure> {
        guard let opened = redisConnectWithTimeout(
            settings.host, Int32(settings.port), SocketWait.remainingTimeval(until: deadline))
        else { return .failure(PingFailure(.failed("hiredis could not allocate a connection"))) }
        if opened.pointee.err != 0 {
            let outcome = outcomeForContextError(opened, doing: "connect to \(settings.host):\(settings.port)")
            redisFree(opened)
            return .failure(PingFailure(outcome))
        }
        var setup: [[String]] = []
        if let password = settings.password {
            setup.append(["AUTH"] + (settings.username.map { [$0] } ?? []) + [password])
        }
        if settings.database != 0 { setup.append(["SELECT", String(settings.database)]) }
        for arguments in setup {
            if case .failure(let failure) = command(arguments, on: opened, until: deadline) {
                redisFree(opened)
                return .failure(failure)
            }
        }
        return .success(opened)
    }

    /// Sends one command and returns its status or string reply.
    private func command(
        _ arguments: [String], on context: UnsafeMutablePointer<redisContext>, until deadline: ContinuousClock.Instant
    ) -> Result<String, PingFailure> {
        guard redisSetTimeout(context, SocketWait.remainingTimeval(until: deadline)) == REDIS_OK else {
            return .failure(PingFailure(outcomeForContextError(context, doing: "set a timeout")))
        }
        let copies = arguments.map { UnsafePointer(strdup($0)) }
        defer { for copy in copies { free(UnsafeMutablePointer(mutating: copy)) } }
        let lengths = arguments.map { $0.utf8.count }
        let raw = copies.withUnsafeBufferPointer { argv in
            lengths.withUnsafeBufferPointer { argvlen in
                redisCommandArgv(
                    context, Int32(arguments.count), UnsafeMutablePointer(mutating: argv.baseAddress),
                    argvlen.baseAddress)
            }
        }
        guard let raw else {
            return .failure(PingFailure(outcomeForContextError(context, doing: arguments[0])))
        }
        defer { freeReplyObject(raw) }
        let reply = raw.assumingMemoryBound(to: redisReply.self).pointee
        let text = reply.str.map { String(cString: $0) } ?? ""
        switch reply.type {
        case REDIS_REPLY_STATUS, REDIS_REPLY_STRING:
            return .success(text)
        case REDIS_REPLY_ERROR:
            // The command is named, never its arguments: AUTH carries the password.
            return .failure(PingFailure(.failure("\(arguments[0]) refused: \(text)", scrubber: scrubber)))
        default:
            return .failure(PingFailure(.failed("\(arguments[0]) gave an unexpected reply type \(reply.type)")))
        }
    }

    /// The context's error (`Connection refused`, `Server closed the connection`, a timeout) as an outcome.
    private func outcomeForContextError(
        _ context: UnsafeMutablePointer<redisContext>, doing step: String
    ) -> CheckOutcome {
        var errstr = context.pointee.errstr
        let message = withUnsafeBytes(of: &errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let isTimeout = context.pointee.err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)
        let reason = isTimeout ? "no answer within the readiness timeout" : message
        return .failure("\(step): \(reason.isEmpty ? "error \(context.pointee.err)" : reason)", scrubber: scrubber)
    }
}
