// libFuzzer harness: a démarche as POST /api/v1/structures/{id}/requests receives it. The input's
// first line is the Content-Type header (boundary included), the rest the body. It goes through
// the same parsing as the endpoint (multipart-kit's parser, MultipartForm, MultipartBody, the
// fields' rules, AttachmentRules' checks by content). Whatever the bytes, the outcome is a
// NewRequest or a Problem with a 4xx status, never another error or a crash.
@testable import PortalAPI
import FuzzSupport
import Portal

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let newline = input.firstIndex(of: 0x0A) ?? size
    let contentType = String(decoding: input[..<newline], as: UTF8.self)
    let body = newline < size ? Array(input[(newline + 1)...]) : []
    let request = APIRequest(method: "POST", path: "/api/v1/structures/1/requests", headers: ["content-type": contentType], body: body)
    clientErrorsOnly {
        let created = try RequestEndpoints.newRequest(from: request)
        precondition(created.attachments.count <= AttachmentRules.maximumFiles, "too many files accepted")
    }
    return 0
}
