import Postgres

/// Field syntax of spec §1, on the raw bytes of one field (already valid UTF-8): no regex, no
/// intermediate strings. Each function accepts exactly the documented form, so a leading or
/// trailing space, a comma or a `+` fails.
enum FieldSyntax {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }
    @inline(__always) static func isUpper(_ byte: UInt8) -> Bool { byte &- 65 < 26 }
    @inline(__always) static func isLower(_ byte: UInt8) -> Bool { byte &- 97 < 26 }

    /// `batch_id`, `payment_ref`, `contract_ref`, `guarantee_code`: `[A-Za-z0-9_-]{1,32}`.
    static func isReference(_ field: Bytes) -> Bool {
        guard (1...32).contains(field.count) else { return false }
        for byte in field where !(isDigit(byte) || isUpper(byte) || isLower(byte) || byte == 0x5F || byte == 0x2D) {
            return false
        }
        return true
    }

    /// `[0-9A-Z]{lengths}`: `matricule` (1–20), `client_number` (7), `rank` (2, capitals only).
    static func isUpperAlphanumeric(_ field: Bytes, lengths: ClosedRange<Int>, digits: Bool = true) -> Bool {
        guard lengths.contains(field.count) else { return false }
        for byte in field where !(isUpper(byte) || (digits && isDigit(byte))) {
            return false
        }
        return true
    }

    /// `[0-9]{1,maxDigits}` as an integer.
    static func unsignedInteger(_ field: Bytes, maxDigits: Int) -> Int? {
        guard (1...maxDigits).contains(field.count) else { return nil }
        var value = 0
        for byte in field {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte &- 48)
        }
        return value
    }

    /// `-?[0-9]+\.[0-9]{2}` in cents, with |value| < `limit` cents (`limit` ≤ 10¹⁸).
    static func amount(_ field: Bytes, limit: Int64) -> Cents? {
        let count = field.count
        let maxUnits = (limit - 1) / 100
        guard count >= 4 else { return nil }
        var index = 0
        let negative = field[0] == 0x2D
        if negative { index = 1 }
        let point = count - 3
        guard point > index, field[point] == 0x2E else { return nil }
        var value: Int64 = 0
        while index < point {
            let byte = field[index]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int64(byte &- 48)
            guard value <= maxUnits else { return nil }  // so nothing below can overflow
            index += 1
        }
        let tens = field[point + 1]
        let units = field[point + 2]
        guard isDigit(tens), isDigit(units) else { return nil }
        value = value * 100 + Int64(tens &- 48) * 10 + Int64(units &- 48)
        guard value < limit else { return nil }
        return Cents(negative ? -value : value)
    }

    /// `YYYY-MM-DD`, a day that exists.
    static func date(_ field: Bytes) -> CalendarDate? {
        guard field.count == 10, field[4] == 0x2D, field[7] == 0x2D,
              let year = digits(field, 0, 4), let month = digits(field, 5, 2), let day = digits(field, 8, 2)
        else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    @inline(__always) private static func digits(_ field: Bytes, _ offset: Int, _ count: Int) -> Int? {
        var value = 0
        for index in offset..<(offset + count) {
            let byte = field[index]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte &- 48)
        }
        return value
    }

    /// ISO 8601 date and time with an offset: `YYYY-MM-DDTHH:MM:SS`, optional `.` and 1–9 digits,
    /// then `Z` or `±HH:MM` (offsets up to ±14:59). The date must exist.
    static func isTimestampWithOffset(_ field: Bytes) -> Bool {
        guard field.count >= 20,
              date(Bytes(rebasing: field[0..<10])) != nil, field[10] == 0x54,  // T
              let hour = digits(field, 11, 2), hour < 24, field[13] == 0x3A,
              let minute = digits(field, 14, 2), minute < 60, field[16] == 0x3A,
              let second = digits(field, 17, 2), second < 60
        else { return false }
        var index = 19
        if field[index] == 0x2E {  // fractional seconds
            index += 1
            let first = index
            while index < field.count && isDigit(field[index]) { index += 1 }
            guard (1...9).contains(index - first) else { return false }
        }
        guard index < field.count else { return false }
        if field[index] == 0x5A { return index + 1 == field.count }  // Z
        guard field[index] == 0x2B || field[index] == 0x2D, field.count - index == 6,
              let offsetHours = digits(field, index + 1, 2), offsetHours <= 14, field[index + 3] == 0x3A,
              let offsetMinutes = digits(field, index + 4, 2), offsetMinutes < 60
        else { return false }
        return true
    }

    /// Free text (names, labels, sender): 1–`maxCodePoints` code points, not only spaces, no
    /// control character (C0, DEL, C1). With `trimmed`, no leading or trailing space either
    /// (codes such as `periodicity` or `postal_code`).
    static func isText(_ field: Bytes, maxCodePoints: Int, trimmed: Bool = false) -> Bool {
        guard !field.isEmpty, field.count <= maxCodePoints * 4 else { return false }
        var codePoints = 0
        var onlySpaces = true
        var previous: UInt8 = 0
        for byte in field {
            if byte < 0x20 || byte == 0x7F { return false }
            if previous == 0xC2 && byte < 0xA0 { return false }  // U+0080…U+009F
            if byte & 0xC0 != 0x80 { codePoints += 1 }
            if byte != 0x20 { onlySpaces = false }
            previous = byte
        }
        guard codePoints <= maxCodePoints, !onlySpaces else { return false }
        if trimmed && (field[0] == 0x20 || field[field.count - 1] == 0x20) { return false }
        return true
    }

    @inline(__always) static func string(_ field: Bytes) -> String {
        String(decoding: field, as: UTF8.self)
    }

    /// A field for a message: at most 40 code points, control characters shown as `\xNN`.
    static func display(_ field: Bytes) -> String {
        var shown = ""
        var codePoints = 0
        for scalar in String(decoding: field, as: UTF8.self).unicodeScalars {
            codePoints += 1
            if codePoints > 40 {
                shown += "…"
                break
            }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                shown += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }
}
