/// One response header line. Kept as an ordered list in `FastCGIResponse`
/// so repeated names (Set-Cookie) survive.
public struct FastCGIHeaderField: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ value: String) {
        self.init(name: name, value: value)
    }
}
