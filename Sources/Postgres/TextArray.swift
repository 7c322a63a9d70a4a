/// A one-dimensional `text[]` without NULLs (e.g. a user's rights). A wrapper because `[UInt8]`
/// already means bytea and Swift allows one conditional conformance per protocol.
public struct TextArray: Hashable, Sendable {
    public var values: [String]
    public init(_ values: [String]) { self.values = values }
}

extension TextArray: PostgresBindable {
    /// Text form `{"a","b"}` with every element quoted and escaped.
    public var postgresBind: PostgresBind {
        let elements = values.map { value -> String in
            var escaped = "\""
            for character in value {
                if character == "\"" || character == "\\" { escaped.append("\\") }
                escaped.append(character)
            }
            return escaped + "\""
        }
        return .text("{" + elements.joined(separator: ",") + "}", .textArray)
    }
}

extension TextArray: PostgresDecodable {
    /// Binary array: ndim, has-null flag, element type, (size, lower bound) per dimension, then
    /// each element as a length and its bytes.
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> TextArray {
        guard column.type == .textArray || column.type == .varcharArray else { throw column.mismatch("TextArray (text[])") }
        guard let dimensions = BigEndian.read(Int32.self, from: bytes, at: 0) else { throw column.invalid("truncated array") }
        if dimensions == 0 { return TextArray([]) }
        guard dimensions == 1, let count = BigEndian.read(Int32.self, from: bytes, at: 12), count >= 0 else {
            throw column.invalid("only one-dimensional arrays are supported")
        }
        var offset = 20
        var values: [String] = []
        values.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = BigEndian.read(Int32.self, from: bytes, at: offset) else { throw column.invalid("truncated array") }
            guard length >= 0 else { throw column.invalid("NULL element in array") }
            offset += 4
            guard offset + Int(length) <= bytes.count,
                  let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)]), as: UTF8.self)
            else { throw column.invalid("malformed array element") }
            values.append(text)
            offset += Int(length)
        }
        return TextArray(values)
    }
}

extension PostgresTypeOID {
    public static let textArray = PostgresTypeOID(rawValue: 1009)
    public static let varcharArray = PostgresTypeOID(rawValue: 1015)
    public static let inet = PostgresTypeOID(rawValue: 869)
}
