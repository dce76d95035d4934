import NIOCore

/// A handler's own `ChannelHandlerContext`, held without a reference count.
///
/// The pipeline owns a handler's context from before `handlerAdded` until after `handlerRemoved`, and NIO removes
/// handlers in an event loop turn of its own, never in the middle of another callback of the same channel. A handler
/// that sets this in `handlerAdded` and clears it in `handlerRemoved`, and uses it only on its event loop, so always
/// finds either nothing or a live context. What it saves: a strong optional property is retained and released
/// around every use (`guard let context`, `context?.flush()`), several times for every proxied request.
struct UnretainedContext {
    private var reference: Unmanaged<ChannelHandlerContext>?

    init() {}

    /// Set in `handlerAdded`, cleared (nil) in `handlerRemoved`.
    mutating func set(_ context: ChannelHandlerContext?) {
        reference = context.map { Unmanaged.passUnretained($0) }
    }

    var isSet: Bool { reference != nil }

    /// The context as an ordinary reference (retained while it is held), nil when the handler is not in a pipeline:
    /// for the paths where a reference count does not matter.
    var strong: ChannelHandlerContext? { reference?.takeUnretainedValue() }

    /// Runs `body` with the context, without retaining it; nil (and `body` not run) when there is none.
    @inline(__always)
    @discardableResult
    func with<Result>(_ body: (ChannelHandlerContext) throws -> Result) rethrows -> Result? {
        guard let reference else { return nil }
        return try reference._withUnsafeGuaranteedRef(body)
    }
}
