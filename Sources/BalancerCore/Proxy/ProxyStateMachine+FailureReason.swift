extension ProxyStateMachine.AttemptFailure {
    /// The words used in logs when no more precise reason is known.
    package var reason: String {
        switch self {
        case .error: return "connection closed or reset before a response"
        case .connectTimeout: return "connect timeout"
        case .readTimeout: return "read timeout"
        case .sendTimeout: return "send timeout"
        case .httpStatus(let code): return "status \(code)"
        case .staleConnection: return "keep-alive connection closed by upstream"
        }
    }
}
