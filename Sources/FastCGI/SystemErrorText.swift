import Glibc

/// Human-readable errno text for logs and errors.
enum SystemErrorText {
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else {
            return "errno \(code)"
        }
        return "\(String(cString: text)) (errno \(code))"
    }
}
