import Postgres

/// Builds rows of COPY's text format straight into bytes: tab-separated, `\N` for NULL, backslash
/// escapes. Bytes rather than `String` concatenation because a nightly file is millions of rows and
/// this is the loader's hottest loop after the parser.
struct CopyBuffer {
    private(set) var bytes: [UInt8] = []
    private var rowStarted = false

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        rowStarted = false
    }

    private mutating func separate() {
        if rowStarted { bytes.append(UInt8(ascii: "\t")) }
        rowStarted = true
    }

    mutating func add(_ value: String?) {
        separate()
        guard var value else {
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "N"))
            return
        }
        value.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(byte); bytes.append(byte)
                case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
                case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
                default: bytes.append(byte)
                }
            }
        }
    }

    mutating func add(_ value: Int?) {
        guard let value else { return add(String?.none) }
        separate()
        appendDecimal(Int64(value))
    }

    /// `-1234.05`: numeric's text input, without going through `String`.
    mutating func add(_ value: Cents?) {
        guard let value else { return add(String?.none) }
        separate()
        var cents = value.value
        if cents < 0 {
            bytes.append(UInt8(ascii: "-"))
            cents = -cents
        }
        appendDecimal(cents / 100)
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(cents % 100 / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(cents % 10))
    }

    /// `YYYY-MM-DD` (the parser only produces years 1000-9999).
    mutating func add(_ value: CalendarDate?) {
        guard let value else { return add(String?.none) }
        separate()
        appendDigits(value.year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(value.month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(value.day, width: 2)
    }

    mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        rowStarted = false
    }

    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            // Int64.min cannot be negated; no parsed field comes near it.
            return appendDecimal(-value)
        }
        if value >= 10 { appendDecimal(value / 10) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private mutating func appendDigits(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
