import Foundation
import Postgres

/// Encodes API responses straight into bytes, producing exactly what Foundation's `JSONEncoder`
/// does with `[.sortedKeys, .withoutEscapingSlashes]` and `.iso8601` dates, several times faster:
/// no intermediate tree of boxed values, no dynamic casts per value. Each object's members are
/// written as they come and put in key order when the object closes.
///
/// Only what responses use is handled here: strings, integers, booleans, null, dates, and
/// structures, arrays and dictionaries of them, written one value after the other. Anything else
/// (floating point, `Data`, `URL`, `Decimal`, nested or super encoders, two kinds of container on
/// one value, dates before 1583 or after 9999) throws `Unsupported`, and the caller encodes the value
/// with Foundation instead. `codingPath` is always empty: no response type reads it.
struct ResponseJSONEncoder {
    struct Unsupported: Error {}

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let output = JSONOutput()
        // The spare encoders point back to the output: let both go.
        defer { output.spareEncoders.removeAll() }
        try output.write(value, topLevel: true)
        if output.unsupported { throw Unsupported() }
        return output.bytes
    }
}

/// The bytes being written, and the members of the objects still open (a stack shared by all
/// nesting levels: an object's members sit above those of the objects around it).
///
/// One thread writes, one value after the other, so no access to these properties ever overlaps
/// another: `@exclusivity(unchecked)` spares the runtime checks, a sixth of the encoding time.
final class JSONOutput {
    struct Member {
        let key: String
        /// The key's first 8 UTF-8 bytes, big-endian, zero-padded: most keys are ordered by this
        /// integer alone, without comparing strings.
        let prefix: UInt64
        /// Range in `bytes` of `"key":value`, without the separating comma.
        let start: Int
        let end: Int

        init(key: String, start: Int, end: Int) {
            self.key = key
            var prefix: UInt64 = 0
            var shift: UInt64 = 56
            for byte in key.utf8.prefix(8) {
                prefix |= UInt64(byte) << shift
                shift &-= 8
            }
            self.prefix = prefix
            self.start = start
            self.end = end
        }

        /// Bytewise order of the keys' UTF-8, as Foundation sorts them.
        func precedes(_ other: Member) -> Bool {
            prefix != other.prefix ? prefix < other.prefix : key.utf8.lexicographicallyPrecedes(other.key.utf8)
        }

        func hasSameKey(as other: Member) -> Bool {
            prefix == other.prefix && key == other.key
        }
    }

    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) var members: [Member] = []
    /// Set when a value asked for something written out of order (see `ResponseJSONEncoder`).
    @exclusivity(unchecked) var unsupported = false
    /// Encoders of values already written, reused for the next ones rather than allocated.
    @exclusivity(unchecked) var spareEncoders: [ValueEncoder] = []
    /// Where an object's bytes wait while its members are put in order.
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    @exclusivity(unchecked) private var order: [Int] = []

    init() {
        bytes.reserveCapacity(4096)
    }

    func write<T: Encodable>(_ value: T, topLevel: Bool = false) throws {
        // The types Foundation writes specially; `unsafeBitCast` only once the type is known equal.
        if T.self == String.self {
            writeString(unsafeBitCast(value, to: String.self))
        } else if T.self == Int.self {
            writeInteger(unsafeBitCast(value, to: Int.self))
        } else if T.self == Int64.self {
            writeInteger(unsafeBitCast(value, to: Int64.self))
        } else if T.self == Bool.self {
            writeBool(unsafeBitCast(value, to: Bool.self))
        } else if T.self == CalendarDate.self {
            writeCalendarDate(unsafeBitCast(value, to: CalendarDate.self))
        } else if T.self == Cents.self {
            writeCents(unsafeBitCast(value, to: Cents.self))
        } else if T.self == Date.self {
            try writeDate(unsafeBitCast(value, to: Date.self))
        } else if T.self == Double.self || T.self == Float.self || T.self == Decimal.self || T.self == Data.self
                    || T.self == URL.self {
            throw ResponseJSONEncoder.Unsupported()
        } else if let writing = value as? any JSONObjectWriting {
            writeObject(writing)
        } else {
            let encoder = spareEncoders.popLast() ?? ValueEncoder(output: self)
            encoder.state = .empty
            try value.encode(to: encoder)
            try encoder.close(topLevel: topLevel)
            spareEncoders.append(encoder)
        }
    }

    func writeNull() {
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) // null
    }

    func writeBool(_ value: Bool) {
        if value {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) // true
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65]) // false
        }
    }

    func writeInteger<I: FixedWidthInteger>(_ value: I) {
        if value == 0 {
            bytes.append(0x30)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: enough for any 64-bit integer
        withUnsafeMutableBytes(of: &digits) { buffer in
            var magnitude = value.magnitude
            var position = buffer.count
            while magnitude != 0 {
                position -= 1
                buffer[position] = 0x30 + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            }
            if value < 0 {
                position -= 1
                buffer[position] = 0x2D // -
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[position...]))
        }
    }

    /// Quotes and escapes like Foundation: `"` and `\` escaped, control characters as `\b`, `\f`,
    /// `\n`, `\r`, `\t` or `\u00xx`, everything else (slashes, non-ASCII) as is.
    func writeString(_ value: String) {
        var text = value
        text.withUTF8 { utf8 in
            bytes.append(0x22)
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
                case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x08: bytes.append(contentsOf: [0x5C, 0x62])
                case 0x0C: bytes.append(contentsOf: [0x5C, 0x66])
                case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
                case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
                default:
                    bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, Self.hexDigit(byte >> 4), Self.hexDigit(byte & 0xF)])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
            bytes.append(0x22)
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }

    /// `"2026-11-26T17:02:03Z"`: UTC, whole seconds, as Foundation's `.iso8601` strategy. Only from
    /// 1583 on: before the Gregorian reform Foundation counts days in the Julian calendar.
    func writeDate(_ date: Date) throws {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        guard let day = CalendarDate(daysSinceUnixEpoch: days), day.year >= 1583 else { throw ResponseJSONEncoder.Unsupported() }
        bytes.append(0x22)
        writeDigits(of: day)
        bytes.append(0x54) // T
        writeTwoDigits(secondOfDay / 3600)
        bytes.append(0x3A)
        writeTwoDigits(secondOfDay / 60 % 60)
        bytes.append(0x3A)
        writeTwoDigits(secondOfDay % 60)
        bytes.append(contentsOf: [0x5A, 0x22]) // Z"
    }

    /// `"2021-06-18"`, as `CalendarDate` encodes itself.
    func writeCalendarDate(_ date: CalendarDate) {
        bytes.append(0x22)
        writeDigits(of: date)
        bytes.append(0x22)
    }

    /// `"553.80"`, as `Cents` encodes itself.
    func writeCents(_ amount: Cents) {
        bytes.append(0x22)
        if amount.value < 0 { bytes.append(0x2D) }
        writeInteger(amount.value.magnitude / 100)
        bytes.append(0x2E)
        writeTwoDigits(Int(amount.value.magnitude % 100))
        bytes.append(0x22)
    }

    private func writeDigits(of date: CalendarDate) {
        writeTwoDigits(date.year / 100)
        writeTwoDigits(date.year % 100)
        bytes.append(0x2D)
        writeTwoDigits(date.month)
        bytes.append(0x2D)
        writeTwoDigits(date.day)
    }

    private func writeTwoDigits(_ value: Int) {
        bytes.append(0x30 + UInt8(value / 10))
        bytes.append(0x30 + UInt8(value % 10))
    }

    /// Puts the members above `base` in key order (bytewise, as Foundation; the last of equal
    /// keys wins), rewriting the object's bytes from `start` only if they were not in order.
    func closeObject(start: Int, base: Int) {
        let count = members.count - base
        var ordered = true
        if count > 1 {
            for index in (base + 1)..<members.count where !members[index - 1].precedes(members[index]) {
                ordered = false
                break
            }
        }
        if !ordered {
            // Insertion sort of the member indices: objects have a few dozen members at most. Stable,
            // so among equal keys the last written stays last, and only it is kept.
            order.removeAll(keepingCapacity: true)
            for index in base..<members.count {
                var position = order.count
                while position > 0, members[index].precedes(members[order[position - 1]]) {
                    position -= 1
                }
                order.insert(index, at: position)
            }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: bytes[start...])
            bytes.removeSubrange(start...)
            for (position, index) in order.enumerated() {
                let member = members[index]
                if position + 1 < order.count, members[order[position + 1]].hasSameKey(as: member) { continue }
                if bytes.count > start { bytes.append(0x2C) }
                bytes.append(contentsOf: scratch[(member.start - start)..<(member.end - start)])
            }
        }
        members.removeSubrange(base...)
        bytes.append(0x7D) // }
    }
}
