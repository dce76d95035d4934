import Logging

/// Runs the proxy for a loaded configuration until it is told to stop.
enum BalancerRuntime {
    /// Serves `config` until SIGTERM/SIGINT; `configPath` is re-read on reload.
    static func serve(config: BalancerConfig, configPath: String) async throws {
        fatalError("not yet wired")
    }
}
