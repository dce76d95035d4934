import BalancerCore
/// The access-log writer as a service: stopped last of all, once no event loop can finish a request any more, it
/// writes every batch handed over before it and closes the file. `nil` writer: `access_log: off`.
struct AccessLogService: StartedService, CustomStringConvertible {
    let writer: AccessLogWriter?

    func shutdown() async {
        writer?.shutdown()
    }

    var description: String { "AccessLogService" }
}
