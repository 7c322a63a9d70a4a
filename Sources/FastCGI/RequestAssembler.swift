/// The per-connection protocol state machine, free of I/O so it can be unit
/// tested and fuzzed: records go in, `AssemblerAction`s come out.
///
/// One request at a time (FCGI_MPXS_CONNS=0): BEGIN_REQUEST, PARAMS until the
/// empty PARAMS record (only then parsed, so pairs may straddle records),
/// STDIN until the empty STDIN record, then `.dispatch`. Errors the peer can
/// recover from get an HTTP answer (400/413/431); the rest of that request's
/// records are then discarded so a kept-alive connection stays usable.
struct RequestAssembler {
    struct Limits: Hashable, Sendable {
        var maxParamsBytes: Int
        var maxBodyBytes: Int
        var maxConnections: Int
    }

    private enum Phase: Equatable {
        case idle
        case receivingParams
        case receivingBody
        /// Handed to a worker; waiting for `responseCompleted()`.
        case dispatched
        /// Already answered early; swallowing the rest of its PARAMS/STDIN.
        case discarding
        /// Closing; nothing more is processed.
        case closing
    }

    /// Buffers of the request being received.
    private struct PendingRequest {
        var encodedParams: [UInt8] = []
        var params: [String: String] = [:]
        var body: [UInt8] = []
        var expectedBodyLength: Int?
    }

    let limits: Limits
    private var phase = Phase.idle
    private var currentID: UInt16 = 0
    private var keepConnection = true
    private var pending: PendingRequest?

    init(limits: Limits) {
        self.limits = limits
    }

    /// No request begun, nothing owed to the peer.
    var isIdle: Bool {
        phase == .idle
    }

    /// In the middle of receiving a request (the inter-record timeout applies).
    var isReceiving: Bool {
        phase == .receivingParams || phase == .receivingBody || phase == .discarding
    }

    var isAwaitingResponse: Bool {
        phase == .dispatched
    }

    mutating func handle(_ record: FastCGIRecord) -> [AssemblerAction] {
        if phase == .closing {
            return []
        }
        if record.requestID == 0 {
            return handleManagement(record)
        }
        switch record.type {
        case .beginRequest:
            return handleBegin(record)
        case .abortRequest:
            return handleAbort(record.requestID)
        case .params:
            return handleParams(record)
        case .stdin:
            return handleStdin(record)
        case let type where type.isDefined:
            // DATA, STDOUT, END_REQUEST… mean nothing to a responder: ignore.
            return []
        default:
            return [.send(Self.unknownTypeRecord(record.type))]
        }
    }

    /// The response for the dispatched request has been queued for the peer.
    mutating func responseCompleted() -> [AssemblerAction] {
        guard phase == .dispatched else {
            return []
        }
        if keepConnection {
            phase = .idle
            return []
        }
        phase = .closing
        return [.closeAfterFlush]
    }

    /// The byte stream itself is broken (bad version…): answer 400 if a
    /// request is being received, cancel one that is running, then close.
    mutating func inputFailed(_ reason: String) -> [AssemblerAction] {
        var actions: [AssemblerAction] = [.log(.warning, "protocol error: \(reason)")]
        switch phase {
        case .receivingParams, .receivingBody:
            actions.append(.send(ResponseEncoder.encode(ProblemResponses.badRequest(), requestID: currentID)))
        case .dispatched:
            actions.append(.cancelInFlight)
        case .idle, .discarding, .closing:
            break
        }
        pending = nil
        phase = .closing
        actions.append(.closeAfterFlush)
        return actions
    }

    // MARK: - Management records (request id 0)

    private func handleManagement(_ record: FastCGIRecord) -> [AssemblerAction] {
        guard record.type == .getValues else {
            return [.send(Self.unknownTypeRecord(record.type))]
        }
        let asked: [FastCGINameValuePair]
        do {
            asked = try FastCGINameValueCoding.decode(record.content)
        } catch {
            // Answer what we can rather than drop the connection: nothing to parse means nothing asked.
            return [.log(.warning, "malformed GET_VALUES: \(error)"), .send(Self.getValuesResult([]))]
        }
        var answered: [FastCGINameValuePair] = []
        for pair in asked where !answered.contains(where: { $0.name == pair.name }) {
            if let value = managementValue(pair.name) {
                answered.append(FastCGINameValuePair(name: pair.name, value: value))
            }
        }
        return [.send(Self.getValuesResult(answered))]
    }

    private func managementValue(_ name: String) -> String? {
        switch name {
        case "FCGI_MAX_CONNS", "FCGI_MAX_REQS": String(limits.maxConnections)
        case "FCGI_MPXS_CONNS": "0"
        default: nil
        }
    }

    private static func getValuesResult(_ pairs: [FastCGINameValuePair]) -> [UInt8] {
        FastCGIRecord(type: .getValuesResult, requestID: 0, content: FastCGINameValueCoding.encode(pairs)).encoded
    }

    private static func unknownTypeRecord(_ type: FastCGIRecordType) -> [UInt8] {
        FastCGIRecord(type: .unknownType, requestID: 0, content: [type.rawValue, 0, 0, 0, 0, 0, 0, 0]).encoded
    }

    // MARK: - Application records

    private mutating func handleBegin(_ record: FastCGIRecord) -> [AssemblerAction] {
        let body: FastCGIBeginRequestBody
        do {
            body = try FastCGIBeginRequestBody(decoding: record.content)
        } catch {
            return inputFailed("\(error)")
        }
        let id = record.requestID
        switch phase {
        case .idle, .discarding:
            // After our early answer the peer may legitimately move on.
            break
        case .receivingParams, .receivingBody, .dispatched:
            if id == currentID {
                return inputFailed("BEGIN_REQUEST repeated for request \(id)")
            }
            return [.send(ResponseEncoder.endRequest(requestID: id, protocolStatus: .cantMultiplexConnection))]
        case .closing:
            return []
        }
        pending = nil
        guard body.role == FastCGIBeginRequestBody.responderRole else {
            phase = .idle
            var actions: [AssemblerAction] = [
                .log(.info, "rejected role \(body.role)"),
                .send(ResponseEncoder.endRequest(requestID: id, protocolStatus: .unknownRole)),
            ]
            if !body.keepConnection {
                phase = .closing
                actions.append(.closeAfterFlush)
            }
            return actions
        }
        currentID = id
        keepConnection = body.keepConnection
        pending = PendingRequest()
        phase = .receivingParams
        return []
    }

    private mutating func handleAbort(_ id: UInt16) -> [AssemblerAction] {
        guard id == currentID else {
            return []
        }
        switch phase {
        case .receivingParams, .receivingBody:
            return answer(ResponseEncoder.endRequest(requestID: id, protocolStatus: .requestComplete), thenDiscard: false)
        case .dispatched:
            // END_REQUEST still follows when the handler returns.
            return [.cancelInFlight]
        case .discarding:
            phase = .idle
            return []
        case .idle, .closing:
            return []
        }
    }

    private mutating func handleParams(_ record: FastCGIRecord) -> [AssemblerAction] {
        guard record.requestID == currentID else {
            return []
        }
        switch phase {
        case .receivingParams:
            break
        case .receivingBody:
            return inputFailed("PARAMS after the end of the PARAMS stream")
        case .idle, .dispatched, .discarding, .closing:
            return []
        }
        if record.content.isEmpty {
            return paramsCompleted()
        }
        let total = pending!.encodedParams.count + record.content.count
        guard total <= limits.maxParamsBytes else {
            return reject(ProblemResponses.headersTooLarge(), thenDiscard: true, reason: "PARAMS over \(limits.maxParamsBytes) bytes")
        }
        pending!.encodedParams.append(contentsOf: record.content)
        return []
    }

    private mutating func paramsCompleted() -> [AssemblerAction] {
        let pairs: [FastCGINameValuePair]
        do {
            pairs = try FastCGINameValueCoding.decode(pending!.encodedParams)
        } catch {
            return reject(ProblemResponses.badRequest(), thenDiscard: true, reason: "malformed PARAMS: \(error)")
        }
        var params: [String: String] = [:]
        params.reserveCapacity(pairs.count)
        for pair in pairs {
            params[pair.name] = pair.value
        }
        let expected: Int?
        switch ContentLength(param: params["CONTENT_LENGTH"]) {
        case .absent:
            expected = nil
        case .invalid:
            return reject(ProblemResponses.badRequest(), thenDiscard: true, reason: "invalid CONTENT_LENGTH")
        case .bytes(let length):
            guard length <= limits.maxBodyBytes else {
                // Answer now: no point waiting for a body we will not accept.
                return reject(ProblemResponses.contentTooLarge(), thenDiscard: true, reason: "CONTENT_LENGTH over \(limits.maxBodyBytes) bytes")
            }
            expected = length
        }
        pending!.encodedParams = []
        pending!.params = params
        pending!.expectedBodyLength = expected
        pending!.body.reserveCapacity(expected ?? 0)
        phase = .receivingBody
        return []
    }

    private mutating func handleStdin(_ record: FastCGIRecord) -> [AssemblerAction] {
        guard record.requestID == currentID else {
            return []
        }
        switch phase {
        case .receivingBody:
            break
        case .receivingParams:
            return inputFailed("STDIN before the end of PARAMS")
        case .discarding:
            if record.content.isEmpty {
                phase = .idle
            }
            return []
        case .idle, .dispatched, .closing:
            return []
        }
        if record.content.isEmpty {
            return bodyCompleted()
        }
        let total = pending!.body.count + record.content.count
        guard total <= limits.maxBodyBytes else {
            return reject(ProblemResponses.contentTooLarge(), thenDiscard: true, reason: "body over \(limits.maxBodyBytes) bytes")
        }
        if let expected = pending!.expectedBodyLength, total > expected {
            return reject(ProblemResponses.badRequest(), thenDiscard: true, reason: "body longer than CONTENT_LENGTH")
        }
        pending!.body.append(contentsOf: record.content)
        return []
    }

    private mutating func bodyCompleted() -> [AssemblerAction] {
        let request = pending!
        pending = nil
        if let expected = request.expectedBodyLength, request.body.count != expected {
            return reject(ProblemResponses.badRequest(), thenDiscard: false, reason: "body shorter than CONTENT_LENGTH")
        }
        phase = .dispatched
        return [.dispatch(FastCGIRequest(
            requestID: currentID,
            params: request.params,
            body: request.body,
            keepConnection: keepConnection
        ))]
    }

    // MARK: - Early answers

    private mutating func reject(_ response: FastCGIResponse, thenDiscard: Bool, reason: String) -> [AssemblerAction] {
        [.log(.info, "request \(currentID) answered \(response.status): \(reason)")]
            + answer(ResponseEncoder.encode(response, requestID: currentID), thenDiscard: thenDiscard)
    }

    /// Sends a final answer for the current request before the handler ever sees it.
    private mutating func answer(_ bytes: [UInt8], thenDiscard: Bool) -> [AssemblerAction] {
        pending = nil
        guard keepConnection else {
            phase = .closing
            return [.send(bytes), .closeAfterFlush]
        }
        phase = thenDiscard ? .discarding : .idle
        return [.send(bytes)]
    }
}
