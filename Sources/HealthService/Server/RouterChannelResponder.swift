import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// What Hummingbird's HTTP channel calls for each request it parsed: the router's answer, written back.
///
/// Hummingbird's `Application` builds this closure around its own server. The replica runs its own server
/// (`ReplicaServer`), so it does the same here: one request context per request, a 500 for errors no middleware
/// turned into a response. The `Date` header is added on the event loop, by `ResponseDateHandler`.
enum RouterChannelResponder {
    /// A response could not be written because the request turned out malformed while it was being answered.
    ///
    /// Rethrowing the parser's error would make Hummingbird write a second response (its 400); this error just ends
    /// the connection.
    struct MalformedWhileResponding: Error {}

    static func make<Responder: HTTPResponder>(
        _ responder: Responder,
        logger: Logger
    ) -> HTTPChannelHandler.Responder where Responder.Context == BasicRequestContext {
        { request, responseWriter, channel in
            let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                logger.debug("unhandled error", metadata: ["error": "\(error)"])
                response = Response(status: .internalServerError, body: .init())
            }
            do {
                try await responseWriter.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                throw MalformedWhileResponding()
            }
        }
    }
}
