import Hummingbird

/// Answers `/api/echo` and everything under it, for any method, with an `EchoPayload`.
///
/// A middleware rather than routes because the router matches a fixed set of methods, and echo must answer
/// whatever method a proxy forwards (including ones like `PROPFIND`).
struct EchoMiddleware<Context: RequestContext>: RouterMiddleware {
    let instanceID: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard path == "/api/echo" || path.hasPrefix("/api/echo/") else { return try await next(request, context) }
        var bodyBytes = 0
        for try await chunk in request.body { bodyBytes += chunk.readableBytes }
        var fields = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        if let authority = request.head.authority { fields.insert((name: "host", value: authority), at: 0) }
        let payload = EchoPayload(
            method: request.method.rawValue, path: path, query: request.uri.query ?? "",
            headers: EchoPayload.group(fields), bodyBytes: bodyBytes, instanceID: instanceID)
        return try JSONResponse.make(payload)
    }
}
