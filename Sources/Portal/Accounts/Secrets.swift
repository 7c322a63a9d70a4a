/// Random secrets handed to people or browsers: session and CSRF tokens, reset tokens,
/// temporary passwords. Only their SHA-256 (tokens) or Argon2id hash (passwords) is stored.
public enum Secrets {
    /// 256 random bits, base64url without padding (43 characters).
    public static func token() -> String {
        base64URL(Sodium.randomBytes(32))
    }

    /// The CSRF token of a session: derived from the session token (which scripts cannot read,
    /// the cookie being HttpOnly), so the page can fetch it again after a reload.
    public static func csrfToken(forSession sessionToken: String) -> String {
        base64URL(Sodium.sha256("csrf:" + sessionToken))
    }

    /// The digest stored in the database for a token received from a client.
    public static func digest(ofToken token: String) -> [UInt8] {
        Sodium.sha256(token)
    }

    /// Tokens we issue have exactly this shape; anything else is rejected before any lookup.
    public static func isWellFormedToken(_ text: String) -> Bool {
        text.utf8.count == 43 && text.utf8.allSatisfy { byte in
            (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == 45 || byte == 95
        }
    }

    /// A temporary password that meets the policy: 12 characters from letters without
    /// look-alikes, at least two digits and one special character, in random positions.
    public static func temporaryPassword() -> String {
        let letters = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ")
        let digits = Array("23456789")
        let specials = Array("!#%*+-=?@")
        var characters: [Character] = (0..<8).map { _ in letters[Sodium.randomIndex(below: UInt32(letters.count))] }
        characters += (0..<2).map { _ in digits[Sodium.randomIndex(below: UInt32(digits.count))] }
        characters += (0..<2).map { _ in specials[Sodium.randomIndex(below: UInt32(specials.count))] }
        // Fisher-Yates with the secure generator.
        for index in stride(from: characters.count - 1, to: 0, by: -1) {
            characters.swapAt(index, Sodium.randomIndex(below: UInt32(index + 1)))
        }
        return String(characters)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output: [UInt8] = []
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output += [alphabet[Int(chunk >> 18 & 63)], alphabet[Int(chunk >> 12 & 63)], alphabet[Int(chunk >> 6 & 63)], alphabet[Int(chunk & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let chunk = UInt32(bytes[index]) << 16
            output += [alphabet[Int(chunk >> 18 & 63)], alphabet[Int(chunk >> 12 & 63)]]
        } else if rest == 2 {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output += [alphabet[Int(chunk >> 18 & 63)], alphabet[Int(chunk >> 12 & 63)], alphabet[Int(chunk >> 6 & 63)]]
        }
        return String(decoding: output, as: UTF8.self)
    }
}
