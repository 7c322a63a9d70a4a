import Postgres

/// Builds rows of COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
struct CopyRow {
    private(set) var text = ""

    mutating func add(_ value: String?) {
        if !text.isEmpty { text.append("\t") }
        guard let value else {
            text.append("\\N")
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": text.append("\\\\")
            case "\t": text.append("\\t")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            default: text.unicodeScalars.append(scalar)
            }
        }
    }

    mutating func add(_ value: Int?) { add(value.map(String.init)) }
    mutating func add(_ value: Cents?) { add(value?.description) }
    mutating func add(_ value: CalendarDate?) { add(value?.description) }

    var line: String { text + "\n" }
}
