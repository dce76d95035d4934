import Hummingbird
import Logging

/// Turns every error into a JSON answer: unknown paths become `404 {"error":"not found","path":...}`, other HTTP
/// errors keep their status, anything unexpected becomes a logged 500.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let message =
                error.status == .notFound ? "not found" : (error.body ?? error.status.reasonPhrase.lowercased())
            var response = try JSONResponse.make(
                ErrorPayload(error: message, path: request.uri.path), status: error.status)
            response.headers.append(contentsOf: error.headers)
            return response
        } catch let error as any HTTPResponseError {
            return try JSONResponse.make(
                ErrorPayload(error: error.status.reasonPhrase.lowercased(), path: request.uri.path),
                status: error.status)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try JSONResponse.make(
                ErrorPayload(error: "internal error", path: request.uri.path), status: .internalServerError)
        }
    }
}
