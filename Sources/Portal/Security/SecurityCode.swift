/// The structure's security code, sent to the employer by post and asked for at sign-up.
/// Twelve characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown in groups of four.
public enum SecurityCode {
    static let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    public static func generate() -> String {
        let characters = (0..<12).map { _ in alphabet[Sodium.randomIndex(below: UInt32(alphabet.count))] }
        return stride(from: 0, to: 12, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// What is hashed and compared: case, spaces and dashes do not matter to the person typing it.
    public static func normalize(_ input: String) -> String {
        String(input.uppercased().filter { !$0.isWhitespace && $0 != "-" })
    }
}
