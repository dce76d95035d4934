import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `SELECT 1` through libpq over a kept-open connection.
///
/// libpq's blocking calls have no overall timeout, so the connection runs in non-blocking mode
/// (`PQconnectStartParams`/`PQconnectPoll`, `PQsendQuery`/`PQconsumeInput`) and `SocketWait` sleeps in `poll(2)` for
/// at most the time left. Only DNS resolution inside `PQconnectStartParams` is not bounded that way; the async side
/// (`DependencyProbe`) enforces the timeout for the caller regardless.
final class PostgresPing: KeptConnectionPing {
    private let parameters: [PostgresSettings.KeyValue]
    private let scrubber: SecretScrubber
    var connection: OpaquePointer?

    init(settings: PostgresSettings, applicationName: String) {
        self.parameters = settings.libpqParameters(applicationName: applicationName)
        self.scrubber = SecretScrubber(secrets: [settings.password])
    }

    deinit { disconnect() }

    func close(_ connection: OpaquePointer) { PQfinish(connection) }

    func connect(until deadline: ContinuousClock.Instant) -> Result<OpaquePointer, PingFailure> {
        let opened = withCStringArrays(parameters) { keywords, values in PQconnectStartParams(keywords, values, 0) }
        guard let opened else { return .failure(PingFailure(.failed("libpq could not allocate a connection"))) }
        guard PQstatus(opened) != CONNECTION_BAD else { return .failure(PingFailure(failure(of: opened))) }
        // Per the libpq manual, the first step behaves as if PQconnectPoll had asked to wait for writing.
        var status = PGRES_POLLING_WRITING
        while true {
            switch status {
            case PGRES_POLLING_OK:
                PQsetnonblocking(opened, 1)
                return .success(opened)
            case PGRES_POLLING_FAILED:
                return .failure(PingFailure(failure(of: opened)))
            default:
                let direction: SocketWait.Direction = status == PGRES_POLLING_READING ? .readable : .writable
                guard SocketWait.wait(fd: PQsocket(opened), for: direction, until: deadline) else {
                    PQfinish(opened)
                    return .failure(PingFailure(.failed("no connection within the readiness timeout")))
                }
            }
            status = PQconnectPoll(opened)
        }
    }

    /// `SELECT 1`, answered with one row.
    func check(_ connection: OpaquePointer, until deadline: ContinuousClock.Instant) -> CheckOutcome {
        guard PQsendQuery(connection, "SELECT 1") == 1 else { return failure(of: connection, finish: false) }
        while true {
            let flushed = PQflush(connection)
            if flushed == 0 { break }
            if flushed < 0 { return failure(of: connection, finish: false) }
            guard SocketWait.wait(fd: PQsocket(connection), for: .writable, until: deadline) else {
                return .failed("no answer within the readiness timeout")
            }
        }
        var answered = false
        var problem: CheckOutcome?
        while true {
            while PQisBusy(connection) == 1 {
                guard SocketWait.wait(fd: PQsocket(connection), for: .readable, until: deadline) else {
                    return .failed("no answer within the readiness timeout")
                }
                guard PQconsumeInput(connection) == 1 else { return failure(of: connection, finish: false) }
            }
            guard let result = PQgetResult(connection) else { break }
            if PQresultStatus(result) == PGRES_TUPLES_OK, PQntuples(result) == 1 {
                answered = true
            } else {
                problem = .failure(String(cString: PQresultErrorMessage(result)), scrubber: scrubber)
            }
            PQclear(result)
        }
        if let problem { return problem }
        return answered ? .ok : .failed("SELECT 1 returned no row")
    }

    /// The connection's error message as an outcome; closes the connection unless told otherwise.
    private func failure(of connection: OpaquePointer, finish: Bool = true) -> CheckOutcome {
        let message = String(cString: PQerrorMessage(connection))
        if finish { PQfinish(connection) }
        return .failure(Self.shorten(message), scrubber: scrubber)
    }

    /// Rewrites libpq's `connection to server at "127.0.0.1", port 5432 failed: FATAL:  reason` as
    /// `connect to 127.0.0.1:5432: reason`: the same facts, shorter, without severity markers that mean nothing on a
    /// status page.
    static func shorten(_ message: String) -> String {
        var text = Substring(message)
        var prefix = ""
        if text.hasPrefix("connection to server"), let failed = text.firstRange(of: " failed: ") {
            let preamble = text[..<failed.lowerBound]
            let quoted = preamble.split(separator: "\"", omittingEmptySubsequences: false)
            if quoted.count >= 3, let portRange = preamble.firstRange(of: "port ") {
                prefix = "connect to \(quoted[1]):\(preamble[portRange.upperBound...]): "
            }
            text = text[failed.upperBound...]
        }
        for marker in ["FATAL:", "ERROR:"] where text.hasPrefix(marker) { text = text.dropFirst(marker.count) }
        return prefix + text.drop(while: { $0 == " " })
    }
}

/// Calls `body` with NULL-terminated C arrays of the keywords and values, freed afterwards.
private func withCStringArrays<Result>(
    _ pairs: [PostgresSettings.KeyValue],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> Result
) -> Result {
    let keywords = pairs.map { UnsafePointer(strdup($0.key)) } + [nil]
    let values = pairs.map { UnsafePointer(strdup($0.value)) } + [nil]
    defer {
        for pointer in keywords + values { free(UnsafeMutablePointer(mutating: pointer)) }
    }
    return keywords.withUnsafeBufferPointer { keywordBuffer in
        values.withUnsafeBufferPointer { valueBuffer in body(keywordBuffer.baseAddress!, valueBuffer.baseAddress!) }
    }
}
