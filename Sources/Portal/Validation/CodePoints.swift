extension String {
    /// PostgreSQL's `length()` counts code points (Unicode scalars), not what Swift calls
    /// characters: limits checked against database constraints must count the same way.
    public var codePointCount: Int { unicodeScalars.count }

    /// The first `count` code points.
    public func prefix(codePoints count: Int) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: unicodeScalars.prefix(count))
        return String(scalars)
    }
}
