/// A setting the replica cannot start with, named after the environment variable that carries it.
///
/// Printed as one line, e.g. `health-service: PORT: "http" is not a port number; set PORT (or --port) to a whole
/// number from 0 to 65535.` — the command then exits with status 2.
struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The environment variable (`PORT`, `DATABASE_URL`, …); its flag is named in the message.
    var variable: String
    /// What is wrong and what to do, as a sentence.
    var message: String

    var description: String { "\(variable): \(message)" }
}
