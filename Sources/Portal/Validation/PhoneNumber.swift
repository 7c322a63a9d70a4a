/// Phone numbers as people type them: digits with spaces, dots or dashes, optional leading +.
public enum PhoneNumber {
    public static func isPlausible(_ text: String) -> Bool {
        let digits = text.filter(\.isNumber)
        let allowed = text.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == " " || $0 == "." || $0 == "-" }
            || (text.first == "+" && text.dropFirst().allSatisfy { ($0.isASCII && $0.isNumber) || $0 == " " || $0 == "." || $0 == "-" })
        return allowed && (8...15).contains(digits.count) && text.count <= 30
    }
}
