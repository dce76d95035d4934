import Hummingbird
import Shared

/// `GET /health`, `GET /health/ready`, `GET /api/instance`, `GET /api/slow`, `POST /api/upload`.
struct HealthRoutes: Sendable {
    let config: HealthServiceConfig
    let readiness: ReadinessChecker
    let timestamps: TimestampCache

    func register(on router: Router<some RequestContext>) {
        router.get("/health") { _, _ in try self.health() }
        router.get("/health/ready") { _, _ in try await self.ready() }
        router.get("/api/instance") { _, _ in try JSONResponse.make(InstancePayload(instanceID: config.instanceID)) }
        router.get("/api/slow") { request, _ in try await self.slow(request) }
        router.post("/api/upload") { request, _ in try await self.upload(request) }
    }

    /// Liveness: answers from memory only, so it stays fast whatever the dependencies do.
    func health() throws -> Response {
        try JSONResponse.make(
            HealthPayload(
                service: config.serviceName, timestamp: timestamps.now(), environment: config.environment,
                instanceID: config.instanceID))
    }

    /// Readiness: PostgreSQL and Redis checked concurrently; 503 names the failing check.
    func ready() async throws -> Response {
        let report = await readiness.report()
        let payload = report.payload(service: config.serviceName, timestamp: timestamps.now())
        return try JSONResponse.make(payload, status: .init(code: report.statusCode))
    }

    func slow(_ request: Request) async throws -> Response {
        let text = request.uri.queryParameters.get("ms")
        guard let slow = SlowRequest(ms: text) else {
            return try JSONResponse.make(BadRequestPayload(error: SlowRequest.usage, got: text), status: .badRequest)
        }
        try await Task.sleep(for: .milliseconds(slow.milliseconds))
        return try JSONResponse.make(SlowPayload(instanceID: config.instanceID, sleptMilliseconds: slow.milliseconds))
    }

    func upload(_ request: Request) async throws -> Response {
        let tooLarge = BadRequestPayload(error: "uploads are limited to 1 GiB (1073741824 bytes)", got: nil)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > UploadDigest.maximumBytes {
            return try JSONResponse.make(tooLarge, status: .contentTooLarge)
        }
        var digest = UploadDigest()
        do {
            for try await chunk in request.body { try digest.add(chunk) }
        } catch is UploadDigest.TooLarge {
            return try JSONResponse.make(tooLarge, status: .contentTooLarge)
        }
        return try JSONResponse.make(
            UploadPayload(bytes: digest.byteCount, sha256: digest.hexDigest(), instanceID: config.instanceID))
    }
}
