import PortalAPI

/// Runs the API code under test, which must either succeed or refuse the input with a 4xx
/// `Problem` that has a body; anything else (another error, a 5xx) stops the fuzzer as a crash.
public func clientErrorsOnly(_ body: () throws -> Void) {
    do {
        try body()
    } catch let problem as Problem {
        precondition((400..<500).contains(problem.status), "status \(problem.status) for a request body")
        precondition(!problem.response.body.isEmpty, "problem without a body")
    } catch {
        preconditionFailure("unexpected error: \(error)")
    }
}
