/// French company identifiers. SIREN (9 digits) and SIRET (SIREN + 5 digits) carry a Luhn check
/// digit; La Poste's establishments (SIREN 356000000) use a digit-sum rule instead.
public enum CompanyIdentifiers {
    static let laPosteSIREN = "356000000"

    public static func isDigits(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) }
    }

    public static func luhnIsValid(_ digits: String) -> Bool {
        var sum = 0
        for (position, byte) in digits.utf8.reversed().enumerated() {
            var digit = Int(byte) - 48
            if position % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }

    public static func isValidSIREN(_ text: String) -> Bool {
        isDigits(text, count: 9) && luhnIsValid(text)
    }

    public static func isValidSIRET(_ text: String) -> Bool {
        guard isDigits(text, count: 14) else { return false }
        if text.hasPrefix(laPosteSIREN) {
            return text.utf8.reduce(0) { $0 + Int($1) - 48 } % 5 == 0
        }
        return luhnIsValid(text)
    }

    /// OCSO client numbers: exactly seven characters, digits and capital letters (batch file spec §1).
    public static func isValidClientNumber(_ text: String) -> Bool {
        text.utf8.count == 7 && text.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) }
    }
}
