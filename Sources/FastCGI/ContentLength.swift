/// The CONTENT_LENGTH param as the assembler needs it.
enum ContentLength: Equatable {
    /// Missing or empty (nginx sends an empty value for body-less requests).
    case absent
    case bytes(Int)
    case invalid

    init(param: String?) {
        guard let param else {
            self = .absent
            return
        }
        let digits = param.trimmingSpaces()
        if digits.isEmpty {
            self = .absent
        } else if !digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            self = .invalid
        } else if digits.utf8.count > 18 {
            // Too many digits for Int arithmetic, and certainly over any cap.
            self = .bytes(Int.max)
        } else {
            self = .bytes(Int(digits) ?? Int.max)
        }
    }
}

private extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" {
            scalars.removeFirst()
        }
        while scalars.last == " " || scalars.last == "\t" {
            scalars.removeLast()
        }
        return String(scalars)
    }
}
