/// The session cookie. `__Host-` pins it to this origin (Secure, Path=/, no Domain); HttpOnly
/// keeps scripts away from it; SameSite=Strict keeps other sites from sending it.
enum SessionCookie {
    static let name = "__Host-ee_session"

    static func value(in request: APIRequest) -> String? {
        guard let header = request.header("cookie") else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    static func set(_ token: String, maxAgeSeconds: Int) -> APIResponse.Header {
        APIResponse.Header("Set-Cookie", "\(name)=\(token); Path=/; Max-Age=\(maxAgeSeconds); Secure; HttpOnly; SameSite=Strict")
    }

    static var clear: APIResponse.Header {
        APIResponse.Header("Set-Cookie", "\(name)=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict")
    }
}
