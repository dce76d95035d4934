import ArgumentParser
import BalancerCore
import Foundation

/// `balancer check` — validate a config without serving, like `nginx -t`; certificates included: readable, key
/// matching, not expired, covering the routes' hosts (an error each), and a warning 30 days before expiry.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config and its certificates: print every problem and exit 1, or print a summary "
            + "and exit 0."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(
        name: .long,
        help: """
            Do not check that paths the config names exist on this machine (static roots, certificate files): for \
            a config that runs in a container whose volumes and secrets are not here.
            """)
    var noPathChecks = false

    func run() throws {
        let (config, tls) = try ConfigOptions.loadWithTLS(path: options.config, checksPaths: !noPathChecks)
        let findings = tls.findings(for: config, now: Date())
        for finding in findings {
            StandardError.write(finding.severity == .warning ? "warning: \(finding)" : finding.description)
        }
        guard !findings.contains(where: { $0.severity != .warning }) else { throw ExitCode.failure }
        print("configuration ok")
        print("\(options.config): \(config.summary)")
        for line in CertificateSummary.lines(config: config, tls: tls) { print(line) }
    }
}
