/// The responses the library produces by itself (RFC 9457 problem+json).
enum ProblemResponses {
    static let contentType = "application/problem+json"

    /// The queue in front of the workers is full.
    static func overloaded() -> FastCGIResponse {
        problem(
            status: 503,
            title: "Service Unavailable",
            code: "overloaded",
            detail: "Le service est momentanément surchargé, veuillez réessayer.",
            extraHeaders: [FastCGIHeaderField("Retry-After", "1")]
        )
    }

    /// Malformed request stream, invalid CONTENT_LENGTH or a body that does not match it.
    static func badRequest() -> FastCGIResponse {
        problem(status: 400, title: "Bad Request", code: "bad_request", detail: "La requête est invalide.")
    }

    /// The body (or its announced CONTENT_LENGTH) exceeds maxBodyBytes.
    static func contentTooLarge() -> FastCGIResponse {
        problem(
            status: 413,
            title: "Content Too Large",
            code: "payload_too_large",
            detail: "Le corps de la requête est trop volumineux."
        )
    }

    /// The PARAMS stream exceeds maxParamsBytes.
    static func headersTooLarge() -> FastCGIResponse {
        problem(
            status: 431,
            title: "Request Header Fields Too Large",
            code: "headers_too_large",
            detail: "Les en-têtes de la requête sont trop volumineux."
        )
    }

    static func problem(
        status: Int,
        title: String,
        code: String,
        detail: String,
        extraHeaders: [FastCGIHeaderField] = []
    ) -> FastCGIResponse {
        let json = "{\"type\":\"about:blank\",\"title\":\(quoted(title)),\"status\":\(status),"
            + "\"code\":\(quoted(code)),\"detail\":\(quoted(detail))}"
        return FastCGIResponse(
            status: status,
            headers: [FastCGIHeaderField("Content-Type", contentType)] + extraHeaders,
            body: Array(json.utf8)
        )
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
