/// The answer of one dependency check: it answered, or why not.
enum CheckOutcome: Sendable, Hashable {
    case ok
    /// A short, password-free reason such as `connection refused` or `no answer within 2s`.
    case failed(String)

    /// The value shown under `checks` in `/health/ready`: `ok` or `error: <reason>`.
    var wireValue: String {
        switch self {
        case .ok: "ok"
        case .failed(let reason): "error: \(reason)"
        }
    }

    var isOK: Bool { self == .ok }
}
