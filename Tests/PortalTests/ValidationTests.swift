import Portal
import Testing

@Suite struct CompanyIdentifierTests {
    @Test(arguments: ["999999998", "123456782", "732829320", "356000000"])
    func acceptsValidSIRENs(siren: String) {
        #expect(CompanyIdentifiers.isValidSIREN(siren))
    }

    @Test(arguments: ["999999999", "123456789", "12345678", "1234567890", "12345678a", "", "１２３４５６７８２"])
    func rejectsInvalidSIRENs(siren: String) {
        #expect(!CompanyIdentifiers.isValidSIREN(siren))
    }

    @Test func checksSIRETsIncludingLaPostesRule() {
        #expect(CompanyIdentifiers.isValidSIRET("99999999800019"))
        #expect(CompanyIdentifiers.isValidSIRET("12345678210001"))
        #expect(!CompanyIdentifiers.isValidSIRET("99999999800018"))
        #expect(!CompanyIdentifiers.isValidSIRET("99999999999999"))
        // La Poste: digit sum divisible by 5 although Luhn fails.
        #expect(CompanyIdentifiers.isValidSIRET("35600000000038"))
        #expect(!CompanyIdentifiers.isValidSIRET("35600000000039"))
    }

    @Test func clientNumbersAreSevenDigitsOrCapitals() {
        #expect(CompanyIdentifiers.isValidClientNumber("1234567"))
        #expect(!CompanyIdentifiers.isValidClientNumber("123456"))
        #expect(!CompanyIdentifiers.isValidClientNumber("12345678"))
        #expect(!CompanyIdentifiers.isValidClientNumber("12345a7"))
        #expect(CompanyIdentifiers.isValidClientNumber("12345A7"))
        #expect(!CompanyIdentifiers.isValidClientNumber("12345É7"))
        #expect(!CompanyIdentifiers.isValidClientNumber("１２３４５６７"))
    }
}

@Suite struct SecretTests {
    @Test func securityCodesAreTwelveUnambiguousCharactersInGroups() {
        let code = SecurityCode.generate()
        #expect(code.count == 14)
        #expect(code.split(separator: "-").map(\.count) == [4, 4, 4])
        #expect(!code.contains { "01OILo".contains($0) })
        #expect(SecurityCode.generate() != code)
    }

    @Test func normalisationIgnoresCaseSpacesAndDashes() {
        #expect(SecurityCode.normalize(" demo-2026 ocso ") == "DEMO2026OCSO")
    }

    @Test func hashesVerifyOnlyTheirSecret() throws {
        let hasher = SecretHasher.minimal
        let encoded = try hasher.hash("S3cret!pass")
        #expect(encoded.hasPrefix("$argon2id$"))
        #expect(hasher.verify("S3cret!pass", against: encoded))
        #expect(!hasher.verify("S3cret!pasS", against: encoded))
        #expect(!hasher.verify("S3cret!pass", against: "not a hash"))
        #expect(try hasher.hash("S3cret!pass") != encoded) // salted
    }

    @Test func sha256MatchesTheStandardVector() {
        #expect(Sodium.hex(Sodium.sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
