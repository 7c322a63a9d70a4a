// libFuzzer harness: bytes from a web server, as a connection reads them. The record decoder
// (fed in chunks whose size the first byte picks, and again in one piece: both must give the
// same records), then the request assembler (BEGIN_REQUEST, PARAMS with name-value pairs,
// STDIN, GET_VALUES, ABORT), with small limits so the 413/431 paths are reached.
@testable import FastCGI

private let limits = RequestAssembler.Limits(maxParamsBytes: 2048, maxBodyBytes: 8192, maxConnections: 16)

/// Records until the bytes run out or the stream breaks.
private func decodeAll(_ bytes: ArraySlice<UInt8>, chunk: Int) -> (records: [FastCGIRecord], failed: Bool, leftover: Int) {
    var decoder = FastCGIRecordDecoder()
    var records: [FastCGIRecord] = []
    var offset = bytes.startIndex
    repeat {
        let end = min(offset + chunk, bytes.endIndex)
        decoder.append(bytes[offset..<end])
        offset = end
        do {
            while let record = try decoder.next() { records.append(record) }
        } catch {
            return (records, true, decoder.bufferedByteCount)
        }
    } while offset < bytes.endIndex
    return (records, false, decoder.bufferedByteCount)
}

/// What the responder sends must itself be well-formed FastCGI.
private func checkSent(_ bytes: [UInt8]) {
    let decoded = decodeAll(bytes[...], chunk: max(bytes.count, 1))
    precondition(!decoded.failed && decoded.leftover == 0 && !decoded.records.isEmpty, "malformed output")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastCGI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let stream = input[1...]
    let chunk = Int(input[0] % 32) + 1

    let whole = decodeAll(stream, chunk: max(stream.count, 1))
    let split = decodeAll(stream, chunk: chunk)
    precondition(whole.records == split.records && whole.failed == split.failed, "decoding depends on how bytes are split")

    var assembler = RequestAssembler(limits: limits)
    var actions: [AssemblerAction] = []
    for record in whole.records {
        actions += assembler.handle(record)
        if actions.contains(where: { if case .dispatch = $0 { true } else { false } }) {
            actions += assembler.responseCompleted()
        }
        for action in actions {
            switch action {
            case .send(let bytes): checkSent(bytes)
            case .dispatch(let request):
                precondition(request.body.count <= limits.maxBodyBytes, "body over the limit dispatched")
                if case .bytes(let length) = ContentLength(param: request.params["CONTENT_LENGTH"]) {
                    precondition(request.body.count == length, "body length differs from CONTENT_LENGTH")
                }
            case .cancelInFlight, .closeAfterFlush, .log: break
            }
        }
        actions = []
    }
    if whole.failed {
        for case .send(let bytes) in assembler.inputFailed("fuzz") { checkSent(bytes) }
    }
    return 0
}
