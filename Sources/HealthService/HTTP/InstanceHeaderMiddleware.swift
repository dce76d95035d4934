import Hummingbird

/// Adds `X-Instance-Id` to every response, so a client behind the balancer can tell which replica answered.
struct InstanceHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPFields.Element.Name { .init("X-Instance-Id")! }

    let instanceID: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[Self.headerName] = instanceID
        return response
    }
}
