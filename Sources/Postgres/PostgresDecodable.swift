import Foundation

/// Where a value being decoded came from, for error messages.
public struct PostgresColumn: Sendable {
    public let name: String
    public let type: PostgresTypeOID

    func mismatch(_ expected: String) -> PostgresDecodingError {
        PostgresDecodingError(column: name, kind: .typeMismatch(expected: expected, actual: type.description))
    }

    @usableFromInline
    func invalid(_ why: String) -> PostgresDecodingError {
        PostgresDecodingError(column: name, kind: .invalidValue(why))
    }
}

/// A Swift type that can be read from a column in binary format.
public protocol PostgresDecodable {
    static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Self
    /// Called for NULL. Non-optional types refuse it.
    static func decodeNull(column: PostgresColumn) throws -> Self
}

extension PostgresDecodable {
    public static func decodeNull(column: PostgresColumn) throws -> Self {
        throw PostgresDecodingError(column: column.name, kind: .unexpectedNull)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Self {
        try Wrapped.decode(bytes, column: column)
    }

    public static func decodeNull(column: PostgresColumn) throws -> Self { nil }
}

/// Reads any PostgreSQL integer column; throws when the value does not fit `T`.
private func decodeInteger<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn, as _: T.Type) throws -> T {
    let wide: Int64?
    switch column.type {
    case .int2: wide = BigEndian.read(Int16.self, from: bytes).map(Int64.init)
    case .int4: wide = BigEndian.read(Int32.self, from: bytes).map(Int64.init)
    case .int8: wide = BigEndian.read(Int64.self, from: bytes)
    case .oid: wide = BigEndian.read(UInt32.self, from: bytes).map(Int64.init)
    default: throw column.mismatch(String(describing: T.self))
    }
    guard let wide else { throw column.invalid("truncated integer") }
    guard let value = T(exactly: wide) else { throw column.invalid("\(wide) does not fit \(T.self)") }
    return value
}

extension Int: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Int {
        try decodeInteger(bytes, column: column, as: Int.self)
    }
}

extension Int64: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Int64 {
        try decodeInteger(bytes, column: column, as: Int64.self)
    }
}

extension Int32: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Int32 {
        try decodeInteger(bytes, column: column, as: Int32.self)
    }
}

extension Bool: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Bool {
        guard column.type == .bool else { throw column.mismatch("Bool") }
        guard bytes.count == 1 else { throw column.invalid("bool of \(bytes.count) bytes") }
        return bytes[0] != 0
    }
}

extension Double: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Double {
        switch column.type {
        case .float8:
            guard let bits = BigEndian.read(UInt64.self, from: bytes) else { throw column.invalid("truncated float8") }
            return Double(bitPattern: bits)
        case .float4:
            guard let bits = BigEndian.read(UInt32.self, from: bytes) else { throw column.invalid("truncated float4") }
            return Double(Float(bitPattern: bits))
        default:
            throw column.mismatch("Double")
        }
    }
}

extension String: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> String {
        switch column.type {
        case .text, .varchar, .bpchar, .name, .unknown:
            guard let text = String(validating: bytes, as: UTF8.self) else { throw column.invalid("invalid UTF-8") }
            return text
        default:
            throw column.mismatch("String")
        }
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> [UInt8] {
        guard column.type == .bytea else { throw column.mismatch("[UInt8] (bytea)") }
        return Array(bytes)
    }
}

extension UUID: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> UUID {
        guard column.type == .uuid else { throw column.mismatch("UUID") }
        guard bytes.count == 16 else { throw column.invalid("uuid of \(bytes.count) bytes") }
        let b = Array(bytes)
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}

extension Date: PostgresDecodable {
    /// timestamptz (and timestamp, read as UTC) in microseconds since 2000-01-01.
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Date {
        guard column.type == .timestamptz || column.type == .timestamp else { throw column.mismatch("Date (timestamptz)") }
        guard let micros = BigEndian.read(Int64.self, from: bytes) else { throw column.invalid("truncated timestamp") }
        guard micros != Int64.max, micros != Int64.min else { throw column.invalid("infinite timestamp") }
        return Date(timeIntervalSince1970: PostgresEpoch.unixSeconds + Double(micros) / 1_000_000)
    }
}

extension CalendarDate: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> CalendarDate {
        guard column.type == .date else { throw column.mismatch("CalendarDate (date)") }
        guard let days = BigEndian.read(Int32.self, from: bytes) else { throw column.invalid("truncated date") }
        guard let date = CalendarDate(daysSinceUnixEpoch: Int(days) + PostgresEpoch.unixDays) else {
            throw column.invalid("date outside years 1-9999")
        }
        return date
    }
}

/// The text of a `json` or `jsonb` value, to be decoded by the caller.
public struct JSONText: Hashable, Sendable, PostgresDecodable, PostgresBindable {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> JSONText {
        var body = bytes
        switch column.type {
        case .json: break
        case .jsonb:
            // jsonb's binary form is a version byte (1) followed by the JSON text.
            guard bytes.first == 1 else { throw column.invalid("unsupported jsonb version") }
            body = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        default: throw column.mismatch("JSONText (json/jsonb)")
        }
        guard let text = String(validating: body, as: UTF8.self) else { throw column.invalid("invalid UTF-8") }
        return JSONText(text)
    }

    public var postgresBind: PostgresBind { .text(rawValue, .jsonb) }
}

extension Cents: PostgresDecodable {
    /// Binary numeric: ndigits, weight, sign, dscale, then base-10000 digits. Anything that is not
    /// a whole number of cents (or overflows) is an error, never silently rounded.
    public static func decode(_ bytes: UnsafeRawBufferPointer, column: PostgresColumn) throws -> Cents {
        guard column.type == .numeric else { throw column.mismatch("Cents (numeric)") }
        guard let count = BigEndian.read(Int16.self, from: bytes, at: 0),
              let weight = BigEndian.read(Int16.self, from: bytes, at: 2),
              let sign = BigEndian.read(UInt16.self, from: bytes, at: 4),
              count >= 0, bytes.count == 8 + Int(count) * 2 else { throw column.invalid("malformed numeric") }
        guard sign == 0x0000 || sign == 0x4000 else { throw column.invalid("NaN or infinite numeric") }
        var cents: Int64 = 0
        for index in 0..<Int(count) {
            guard let digit = BigEndian.read(Int16.self, from: bytes, at: 8 + index * 2), (0...9999).contains(digit) else {
                throw column.invalid("malformed numeric digit")
            }
            let exponent = Int(weight) - index
            var contribution: Int64
            if exponent >= 0 {
                contribution = Int64(digit) * 100
                for _ in 0..<exponent {
                    let (next, overflow) = contribution.multipliedReportingOverflow(by: 10_000)
                    guard !overflow else { throw column.invalid("amount too large") }
                    contribution = next
                }
            } else if exponent == -1 {
                guard digit % 100 == 0 else { throw column.invalid("more than two decimals") }
                contribution = Int64(digit / 100)
            } else {
                guard digit == 0 else { throw column.invalid("more than two decimals") }
                contribution = 0
            }
            let (sum, overflow) = cents.addingReportingOverflow(contribution)
            guard !overflow else { throw column.invalid("amount too large") }
            cents = sum
        }
        return Cents(sign == 0x4000 ? -cents : cents)
    }
}
