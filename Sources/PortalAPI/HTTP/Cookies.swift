/// The session cookie. `__Host-` pins it to this origin (Secure, Path=/, no Domain); HttpOnly
/// keeps scripts away from it; SameSite=Strict keeps other sites from sending it.
enum SessionCookie {
    static let name = "__Host-ee_session"

    static func value(in request: APIRequest) -> String? {
        guard let header = request.header("cookie") else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, trimmed(parts[0]) == name {
                return trimmed(parts[1])
            }
        }
        return nil
    }

    /// Without the surrounding spaces and tabs: ASCII bytewise (cookie headers are ASCII), other
    /// text as Foundation trims `.whitespaces`.
    static func trimmed(_ text: Substring) -> String {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return text.trimmingCharacters(in: .whitespaces) }
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = text.utf8.firstIndex(where: { !blank($0) }), let last = text.utf8.lastIndex(where: { !blank($0) }) else {
            return ""
        }
        return String(text[first...last])
    }

    static func set(_ token: String, maxAgeSeconds: Int) -> APIResponse.Header {
        APIResponse.Header("Set-Cookie", "\(name)=\(token); Path=/; Max-Age=\(maxAgeSeconds); Secure; HttpOnly; SameSite=Strict")
    }

    static var clear: APIResponse.Header {
        APIResponse.Header("Set-Cookie", "\(name)=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict")
    }
}
