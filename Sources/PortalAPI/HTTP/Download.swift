import Portal

/// A file answered with the headers browsers and caches need: type, length, a safe
/// `Content-Disposition`, and an `ETag` (the SHA-256) so a repeated download is a 304.
enum Download {
    static func response(_ file: Documents.File, request: APIRequest) -> APIResponse {
        let etag = "\"" + Sodium.hex(file.sha256) + "\""
        var headers = [
            APIResponse.Header("ETag", etag),
            // Private data: a browser may keep it but must revalidate; shared caches never store it.
            APIResponse.Header("Cache-Control", "private, no-cache"),
        ]
        if let wanted = request.header("if-none-match"),
           wanted.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            return APIResponse(status: 304, headers: headers)
        }
        headers += [
            APIResponse.Header("Content-Type", file.contentType),
            APIResponse.Header("Content-Length", String(file.content.count)),
            APIResponse.Header("Content-Disposition", contentDisposition(file.fileName)),
        ]
        return APIResponse(status: 200, headers: headers, body: file.content)
    }

    /// `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987).
    static func contentDisposition(_ fileName: String) -> String {
        let fallback = String(fileName.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F && !"\"\\/;".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
        })
        var encoded = ""
        for byte in fileName.utf8 {
            let unreserved = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "-._~".utf8.contains(byte)
            encoded += unreserved ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
