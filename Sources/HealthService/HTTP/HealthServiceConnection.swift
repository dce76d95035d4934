import HummingbirdCore
import NIOCore

/// One accepted connection of the replica, as `HealthServiceChildChannel` hands it to the server's task.
///
/// `hummingbird` completes with Hummingbird's own connection value once a request needs Hummingbird, or with nil
/// when the connection ended with the fast path having answered everything.
struct HealthServiceConnection<Inner: Sendable>: ServerChildChannelValue {
    let channel: any Channel
    let hummingbird: EventLoopFuture<Inner?>
}
