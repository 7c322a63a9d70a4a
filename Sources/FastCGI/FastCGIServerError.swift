/// Why the server could not start.
public enum FastCGIServerError: Error, Hashable, Sendable, CustomStringConvertible {
    case alreadyStarted
    case invalidConfiguration(String)
    /// Another process is accepting connections on this address; we refuse to steal it.
    case addressInUse(String)
    /// The socket path exists and is not a socket; we refuse to delete it.
    case pathIsNotASocket(String)
    case socketPathTooLong(String)
    case unknownGroup(String)
    case invalidAddress(String)
    case systemCall(String, errno: Int32)

    public var description: String {
        switch self {
        case .alreadyStarted:
            "the FastCGI server was already started"
        case .invalidConfiguration(let message):
            "invalid FastCGI configuration: \(message)"
        case .addressInUse(let address):
            "another process is already listening on \(address)"
        case .pathIsNotASocket(let path):
            "\(path) exists and is not a socket"
        case .socketPathTooLong(let path):
            "unix socket path is too long: \(path)"
        case .unknownGroup(let group):
            "unknown group \(group)"
        case .invalidAddress(let address):
            "cannot resolve listen address \(address)"
        case .systemCall(let call, let code):
            "\(call) failed: \(SystemErrorText.describe(code))"
        }
    }
}
