import Foundation

/// What a handler answers: status, headers (repeatable, for Set-Cookie) and body bytes.
public struct APIResponse: Sendable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var status: Int
    public var headers: [Header]
    public var body: [UInt8]
    /// The handler sent its response through the request's `ResponseStream`; this value only
    /// says so (and whether it must be cut short because an error came after the head).
    public var streamed = false
    public var streamFailed = false

    public static let streamed: APIResponse = {
        var response = APIResponse(status: 200)
        response.streamed = true
        return response
    }()

    public init(status: Int, headers: [Header] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// The JSON of a value: keys sorted, slashes unescaped, ISO 8601 dates. Written by
    /// `ResponseJSONEncoder`, which gives the same bytes as `encoder` faster, or by `encoder`
    /// itself for the few types the former leaves to it.
    static func encodeJSON<T: Encodable>(_ value: T) throws -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try ResponseJSONEncoder.encode(value)
        } catch is ResponseJSONEncoder.Unsupported {
            return Array(try encoder.encode(value))
        }
        #if DEBUG
        // Debug builds (every test run) check each response against Foundation's bytes.
        let reference = Array(try encoder.encode(value))
        precondition(bytes == reference, "ResponseJSONEncoder differs from JSONEncoder for \(T.self): "
                     + "\(String(decoding: bytes, as: UTF8.self)) != \(String(decoding: reference, as: UTF8.self))")
        #endif
        return bytes
    }

    /// A JSON body. API responses are private and never cached by intermediaries.
    public static func json<T: Encodable>(_ value: T, status: Int = 200) throws -> APIResponse {
        APIResponse(status: status,
                    headers: [Header("Content-Type", "application/json; charset=utf-8"), Header("Cache-Control", "no-store")],
                    body: try encodeJSON(value))
    }
}
