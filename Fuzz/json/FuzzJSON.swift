// libFuzzer harness: the body of a JSON request (POST /api/v1/users and the other JSON endpoints)
// through JSONBody and the readers the endpoints use on it: identity fields, grants, rights,
// integers, booleans, PATCH-style changes. Whatever the bytes, the outcome is values or a
// Problem with a 4xx status, never another error or a crash.
@testable import PortalAPI
import FuzzSupport
import Portal

private let allowed: Set<String> = ["last_name", "first_name", "landline_phone", "mobile_phone", "job_title", "email", "grants",
                                    "rights", "structure_id", "employees_in_category", "payroll_deduction", "contract_reference"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let request = APIRequest(method: "POST", path: "/api/v1/users", headers: ["content-type": "application/json; charset=utf-8"],
                             body: Array(UnsafeBufferPointer(start: data, count: size)))
    clientErrorsOnly {
        let body = try JSONBody(request, allowed: allowed)
        _ = IdentityInput.read(from: body, jobTitleRequired: false)
        _ = UserEndpoints.readGrants(body)
        if let rights = body.array("rights", required: false, maxCount: 12) { _ = parseRights(rights, field: "rights", into: body) }
        _ = body.integer("structure_id", required: false)
        _ = body.integer("employees_in_category", required: false)
        _ = body.bool("payroll_deduction", required: false)
        _ = body.optionalStringChange("contract_reference", maxLength: 64)
        try body.finish()
    }
    return 0
}
