import Foundation
import MultipartKit
import NIOCore

/// A `multipart/form-data` body (RFC 7578) split into its parts with vapor/multipart-kit's
/// parser. Refuses, before any handler logic runs: another media type (415), a missing or
/// invalid boundary, a syntax error, a body cut short before the closing delimiter, a part
/// without a `form-data` name (400 `malformed_multipart`), and more than `maximumParts` parts.
struct MultipartForm {
    struct Part {
        let name: String
        /// Present (possibly empty) when the part is a file.
        let fileName: String?
        let body: [UInt8]
    }

    let parts: [Part]

    static let maximumParts = 32

    init(_ request: APIRequest) throws {
        let header = request.header("content-type") ?? ""
        let mediaType = header.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "multipart/form-data" else {
            throw Problem(status: 415, code: "unsupported_media_type", title: "Unsupported Media Type",
                          detail: "Le corps de la requête doit être au format multipart/form-data.")
        }
        guard let contentType = MultipartHeaderValue(header), let boundary = contentType.parameters["boundary"],
              Self.isValidBoundary(boundary) else {
            throw Self.malformed("La délimitation (boundary) du corps multipart est absente ou invalide.")
        }

        guard Self.headerNamesAreASCII(request.body, boundary: boundary) else {
            throw Self.malformed("Le corps multipart est mal formé.")
        }

        var parts: [Part] = []
        var headers: [(String, String)] = []
        var body = ByteBuffer()
        var partCount = 0
        var malformedPart = false
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers.append((name.lowercased(), value)) }
        parser.onBody = { chunk in body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            partCount += 1
            if partCount <= Self.maximumParts {
                if let part = Self.part(headers: headers, body: body) { parts.append(part) } else { malformedPart = true }
            }
            headers = []
            body = ByteBuffer()
        }
        do {
            try parser.execute(request.body)
        } catch {
            throw Self.malformed("Le corps multipart est mal formé.")
        }
        // The parser stops quietly wherever the bytes end. Feeding it a closing delimiter tells
        // whether it had reached the end: after the real closing delimiter it ignores everything
        // (epilogue); in the middle of a part it would report more headers, body or a part.
        var reachedEnd = true
        parser.onHeader = { _, _ in reachedEnd = false }
        parser.onBody = { _ in reachedEnd = false }
        parser.onPartComplete = { reachedEnd = false }
        do {
            try parser.execute(Array("\r\n--\(boundary)--\r\n".utf8))
        } catch {
            reachedEnd = false
        }
        guard reachedEnd, partCount > 0 else {
            throw Self.malformed("Le corps multipart est incomplet : la délimitation finale manque.")
        }
        guard !malformedPart else {
            throw Self.malformed("Chaque partie du corps multipart doit avoir un en-tête Content-Disposition « form-data » avec un nom.")
        }
        guard partCount <= Self.maximumParts else {
            throw Problem(status: 422, code: "too_many_parts", title: "Unprocessable Content",
                          detail: "Le formulaire comporte trop de parties (\(Self.maximumParts) au plus).")
        }
        self.parts = parts
    }

    private static func part(headers: [(String, String)], body: ByteBuffer) -> Part? {
        let dispositions = headers.filter { $0.0 == "content-disposition" }
        guard dispositions.count == 1, let disposition = MultipartHeaderValue(dispositions[0].1), disposition.value == "form-data",
              let name = disposition.parameters["name"], !name.isEmpty else { return nil }
        return Part(name: name, fileName: disposition.parameters["filename"], body: Array(body.readableBytesView))
    }

    /// multipart-kit 4.7.1 traps (index out of range: the responder would die) on a byte ≥ 0x80 in
    /// a part's header name. This runs its parser over a copy where such bytes are DEL, a byte it
    /// refuses in header names and treats like any other byte everywhere else (the boundary is
    /// ASCII, so it never matches either), so both copies take the same path up to that byte:
    /// false when the real body would have reached one in a header name, or is malformed anyway.
    static func headerNamesAreASCII(_ body: [UInt8], boundary: String) -> Bool {
        guard body.contains(where: { $0 >= 0x80 }) else { return true }
        do {
            try MultipartParser(boundary: boundary).execute(body.map { $0 < 0x80 ? $0 : 0x7F })
            return true
        } catch {
            return false
        }
    }

    /// RFC 2046 §5.1.1: 1 to 70 characters from a restricted set, not ending with a space.
    static func isValidBoundary(_ boundary: String) -> Bool {
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ".unicodeScalars)
        return (1...70).contains(boundary.unicodeScalars.count) && boundary.unicodeScalars.allSatisfy(allowed.contains)
            && !boundary.hasSuffix(" ")
    }

    static func malformed(_ detail: String) -> Problem {
        Problem.badRequest(code: "malformed_multipart", detail: detail)
    }
}
