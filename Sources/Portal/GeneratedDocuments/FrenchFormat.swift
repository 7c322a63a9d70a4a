import Postgres

/// Figures as French documents print them.
public enum FrenchFormat {
    /// Between thousands (U+202F, narrow no-break space) and before the currency (U+00A0).
    static let thousandsSeparator = "\u{202F}"
    static let currencySpace = "\u{00A0}"

    /// `553,80 €`, `1 162,98 €`, `-12,00 €`: grouped thousands, decimal comma, no-break spaces so
    /// an amount never splits across lines.
    public static func amount(_ cents: Cents) -> String {
        let magnitude = cents.value.magnitude
        let euros = String(magnitude / 100)
        var grouped = ""
        for (index, digit) in euros.enumerated() {
            if index > 0, (euros.count - index) % 3 == 0 { grouped += thousandsSeparator }
            grouped.append(digit)
        }
        let fraction = magnitude % 100
        return (cents.value < 0 ? "-" : "") + grouped + "," + (fraction < 10 ? "0" : "") + String(fraction) + currencySpace + "€"
    }

    /// `dd/mm/yyyy`.
    public static func date(_ date: CalendarDate) -> String { date.french }

    /// `1 23 45 67 891 012 92`: sex, year, month, department, commune, order number, key.
    /// Anything that is not a 15-character NIR is printed as stored.
    public static func nir(_ nir: String) -> String {
        let characters = Array(nir)
        guard characters.count == 15 else { return nir }
        let groups = [1, 2, 2, 2, 3, 3, 2]
        var parts: [String] = []
        var start = 0
        for length in groups {
            parts.append(String(characters[start..<(start + length)]))
            start += length
        }
        return parts.joined(separator: "\u{00A0}")
    }
}
