/// The French social security number (NIR, "numéro de sécurité sociale"): 13 characters and a
/// two-digit key. Health data: never log it, never put it in a message.
///
/// Layout: sex (1, 2, 3, 4, 7 or 8), birth year (2 digits), birth month (2 digits; values above 12
/// exist for unknown months), department (2 digits, or `2A` / `2B` for Corsica), commune (3 digits),
/// order (3 digits), key (2 digits). The same shape as the `insured_people.nir` CHECK constraint.
public enum NIR {
    /// The key of a well-formed NIR is 97 − (the first 13 characters as a number, modulo 97), with
    /// `2A` read as 19 and `2B` as 18 (batch file spec §3).
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 15 else { return false }
        func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
        guard [49, 50, 51, 52, 55, 56].contains(bytes[0]) else { return false }  // 1 2 3 4 7 8
        // Department at offsets 5 and 6: two digits, 2A or 2B.
        let department: Int
        if isDigit(bytes[5]) && isDigit(bytes[6]) {
            department = Int(bytes[5] - 48) * 10 + Int(bytes[6] - 48)
        } else if bytes[5] == 50 && bytes[6] == 65 {  // "2A"
            department = 19
        } else if bytes[5] == 50 && bytes[6] == 66 {  // "2B"
            department = 18
        } else {
            return false
        }
        var number = 0
        for offset in 0..<13 {
            if offset == 5 {
                number = number * 100 + department
                continue
            }
            if offset == 6 { continue }
            guard isDigit(bytes[offset]) else { return false }
            number = number * 10 + Int(bytes[offset] - 48)
        }
        guard isDigit(bytes[13]), isDigit(bytes[14]) else { return false }
        let key = Int(bytes[13] - 48) * 10 + Int(bytes[14] - 48)
        return key == 97 - number % 97
    }
}
