import Hummingbird

/// Logs one line per request: `GET /health 200 0.21ms`, written as `… info access: GET /health 200 0.21ms
/// instance=backend-1` through the event loops' access-log batches (`ReplicaLoops`).
///
/// Outermost middleware, so the status is the one the client receives and the duration covers the whole handler.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let loops: ReplicaLoops
    /// Where durations are measured; injected so tests can pin them.
    var now: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard loops.logsRequests else { return try await next(request, context) }
        let start = now()
        do {
            let response = try await next(request, context)
            log(request, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, status: status, since: start)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, since start: ContinuousClock.Instant) {
        loops.logRequest(
            Self.line(method: request.method.rawValue, path: request.uri.path, status: status, elapsed: now() - start))
    }

    /// `GET /health 200 0.21ms`; milliseconds with two decimals, the resolution that matters for a replica.
    static func line(method: String, path: String, status: Int, elapsed: Duration) -> String {
        let (seconds, attoseconds) = elapsed.components
        let hundredths = seconds * 100_000 + attoseconds / 10_000_000_000_000
        let fraction = hundredths % 100
        return "\(method) \(path) \(status) \(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)ms"
    }
}
