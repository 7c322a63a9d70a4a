/// Passwords that satisfy the character rules yet appear at the top of leaked-password lists
/// (French and international). Compared case-insensitively.
enum CommonPasswords {
    static func contains(_ password: String) -> Bool {
        list.contains(password.lowercased())
    }

    static let list: Set<String> = [
        "password1!", "password1*", "password123!", "password!1", "p@ssword1", "p@ssw0rd", "p@ssw0rd1", "p@ssw0rd!",
        "passw0rd!", "pa$$w0rd", "pa$$word1", "password@1", "password#1", "password1.", "password2024!", "password2025!",
        "password2026!", "motdepasse1!", "motdepasse1*", "motdepasse123!", "m0tdepasse!", "motdepasse!1", "mot2passe!",
        "azerty1!", "azerty12!", "azerty123!", "azerty123*", "azertyuiop1!", "azerty@123", "azerty1234!", "a2erty123!",
        "qwerty1!", "qwerty12!", "qwerty123!", "qwerty123*", "qwertyuiop1!", "qwerty@123", "1qaz2wsx!", "1q2w3e4r!",
        "1q2w3e4r5t!", "zaq12wsx!", "123456a!", "12345678!", "123456789!", "1234567890!", "123456789a!", "a1234567!",
        "abc12345!", "abcd1234!", "abc123456!", "aa123456!", "welcome1!", "welcome123!", "bienvenue1!", "bienvenue123!",
        "soleil123!", "soleil1!", "doudou123!", "chouchou1!", "loulou123!", "marseille13!", "paris2024!", "paris123!",
        "bonjour1!", "bonjour123!", "jetaime1!", "jetaime123!", "nicolas1!", "julien123!", "camille1!", "admin123!",
        "admin@123", "administrateur1!", "root1234!", "letmein1!", "monkey123!", "dragon123!", "football1!", "iloveyou1!",
        "sunshine1!", "princess1!", "master123!", "shadow123!", "superman1!", "batman123!", "trustno1!", "changeme1!",
        "changeme123!", "ocso1234!", "ocso2024!", "ocso2025!", "ocso2026!", "employeur1!", "entreprise1!", "societe123!",
        "demonstration1!", "test1234!", "test123!", "testtest1!", "hello123!", "summer2024!", "summer2025!", "winter2025!",
        "printemps2025!", "automne2025!", "hiver2025!", "ete2025!", "janvier2026!", "fevrier2026!", "mars2026!",
        "avril2026!", "novembre2026!", "decembre2026!", "qwerty2026!", "azerty2026!", "000000aa!", "11111111!",
        "aaaaaaa1!", "abcdefg1!", "abcdefgh1!", "00000000!", "12341234!", "987654321!", "password1?", "azerty1?",
    ]
}
