import ArgumentParser
import BalancerCore

/// `balancer` — the command line: `serve` (the default), `check` and `reload`, like nginx's `-t` and `-s reload`.
///
/// The command lives in the `Balancer` library so that other targets (the fuzz targets) can link the balancer's
/// code; the `balancer` executable only calls `runAsMain()`.
package struct BalancerCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "balancer",
        abstract: "A reverse proxy and load balancer in front of backend replicas.",
        discussion: """
            Without a subcommand, serves with the given config, as `balancer serve` does. \
            `balancer check` validates a config like `nginx -t`; `balancer reload` asks a running \
            balancer to re-read its config like `nginx -s reload`.
            """,
        version: BalancerVersion.current,
        subcommands: [ServeCommand.self, CheckCommand.self, ReloadCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    package init() {}

    /// The process entry: parses the command line, runs the chosen subcommand and exits as `@main` on this type did
    /// (same messages and exit statuses). Called from the type itself so that `main()` is ArgumentParser's async
    /// entry; the synchronous overload refuses async commands.
    package static func runAsMain() async {
        await main()
    }
}
