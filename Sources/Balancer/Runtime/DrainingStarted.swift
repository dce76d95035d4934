import BalancerCore
/// The user event `LoopContext.beginDraining` sends down every client pipeline at shutdown: a connection between
/// requests closes now; one with a request in progress finishes it and closes after the response.
struct DrainingStarted: Sendable {}
