import ArgumentParser

/// `balancer` — the command line: `serve` (the default), `check` and `reload`, like nginx's `-t` and `-s reload`.
@main
struct BalancerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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
}
