/// One name-value pair of a PARAMS, GET_VALUES or GET_VALUES_RESULT stream.
public struct FastCGINameValuePair: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
