import Foundation

/// One statement parameter as libpq wants it: a type OID, a wire format and the bytes (nil for NULL).
/// Values only ever travel this way, never inside SQL text.
public struct PostgresBind: Sendable {
    public var type: PostgresTypeOID
    /// 0 = text, 1 = binary.
    public var format: Int32
    public var bytes: [UInt8]?

    public init(type: PostgresTypeOID, format: Int32 = 0, bytes: [UInt8]?) {
        self.type = type
        self.format = format
        self.bytes = bytes
    }

    static func text(_ value: String, _ type: PostgresTypeOID) -> PostgresBind {
        PostgresBind(type: type, format: 0, bytes: Array(value.utf8))
    }

    public static let null = PostgresBind(type: .unspecified, bytes: nil)
}

/// A Swift value that can be sent as a statement parameter.
public protocol PostgresBindable: Sendable {
    var postgresBind: PostgresBind { get }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresBind: PostgresBind {
        switch self {
        case .none: .null
        case .some(let value): value.postgresBind
        }
    }
}

// Integers go untyped, like strings: the server infers int2/int4/int8/numeric from context
// (`bigint_col = $1`, `f(integer)`), where a fixed int8 would not cast down to integer.
extension Int: PostgresBindable {
    public var postgresBind: PostgresBind { .text(String(self), .unspecified) }
}

extension Int64: PostgresBindable {
    public var postgresBind: PostgresBind { .text(String(self), .unspecified) }
}

extension Int32: PostgresBindable {
    public var postgresBind: PostgresBind { .text(String(self), .unspecified) }
}

extension Bool: PostgresBindable {
    public var postgresBind: PostgresBind { .text(self ? "t" : "f", .bool) }
}

extension Double: PostgresBindable {
    public var postgresBind: PostgresBind { .text(String(self), .float8) }
}

extension String: PostgresBindable {
    /// Sent untyped so the server infers the type from context (text, varchar, date literal, enum, …).
    public var postgresBind: PostgresBind { .text(self, .unspecified) }
}

extension Array: PostgresBindable where Element == UInt8 {
    public var postgresBind: PostgresBind { PostgresBind(type: .bytea, format: 1, bytes: self) }
}

extension UUID: PostgresBindable {
    public var postgresBind: PostgresBind { .text(uuidString.lowercased(), .uuid) }
}

extension Date: PostgresBindable {
    /// Binary timestamptz: microseconds since 2000-01-01 UTC, independent of the server's DateStyle.
    public var postgresBind: PostgresBind {
        let micros = Int64((timeIntervalSince1970 - PostgresEpoch.unixSeconds) * 1_000_000)
        return PostgresBind(type: .timestamptz, format: 1, bytes: BigEndian.bytes(of: micros))
    }
}

/// PostgreSQL counts dates and timestamps from 2000-01-01.
enum PostgresEpoch {
    static let unixSeconds: Double = 946_684_800
    static let unixDays: Int = 10_957
}

enum BigEndian {
    static func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func read<T: FixedWidthInteger>(_ type: T.Type, from bytes: UnsafeRawBufferPointer, at offset: Int = 0) -> T? {
        guard offset >= 0, offset + MemoryLayout<T>.size <= bytes.count else { return nil }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + MemoryLayout<T>.size]))
        }
        return T(bigEndian: value)
    }
}
