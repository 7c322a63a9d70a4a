import Foundation
import FastCGI
import PortalAPI

/// Translates between FastCGI's CGI parameters and the API's plain request and response values.
enum FastCGIAdapter {
    static func apiRequest(from request: FastCGIRequest) throws -> APIRequest {
        let params = request.params
        let (method, path, requestID) = requestLine(of: request)
        var headers: [String: String] = [:]
        for (name, value) in params where name.hasPrefix("HTTP_") {
            headers[headerName(cgi: name.dropFirst(5))] = value
        }
        if let type = params["CONTENT_TYPE"], !type.isEmpty { headers["content-type"] = type }
        if let length = params["CONTENT_LENGTH"], !length.isEmpty { headers["content-length"] = length }
        return APIRequest(
            method: method,
            path: path,
            query: try APIRequest.parseQuery(params["QUERY_STRING"] ?? ""),
            headers: headers,
            body: request.body,
            remoteAddress: params["REMOTE_ADDR"],
            requestID: requestID)
    }

    /// `USER_AGENT` → `user-agent`. Bytewise for ASCII names (all that nginx sends): this runs for
    /// every header of every request, and Foundation's `replacingOccurrences` is slow.
    static func headerName(cgi name: Substring) -> String {
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else { return name.lowercased().replacingOccurrences(of: "_", with: "-") }
        return String(decoding: name.utf8.map { byte in
            byte == 0x5F ? 0x2D : (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
        }, as: UTF8.self)
    }

    /// Method, path without the query, and nginx's request id: what a request is logged by,
    /// even when the rest of it cannot be read.
    static func requestLine(of request: FastCGIRequest) -> (method: String, path: String, requestID: String?) {
        let params = request.params
        // nginx's $document_uri is already percent-decoded and normalised; REQUEST_URI is raw.
        let rawURI = params["REQUEST_URI"] ?? params["DOCUMENT_URI"] ?? "/"
        let path = String(rawURI.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        return (params["REQUEST_METHOD"] ?? "GET", path.isEmpty ? "/" : path,
                params["REQUEST_ID"].flatMap { $0.isEmpty ? nil : String($0.prefix(64)) })
    }

    static func fastCGIResponse(from response: APIResponse) -> FastCGIResponse {
        FastCGIResponse(status: response.status,
                        headers: response.headers.map { FastCGIHeaderField(name: $0.name, value: $0.value) },
                        body: response.body)
    }
}
