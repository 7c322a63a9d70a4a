@testable import OCSOBatch
import Postgres
import Testing

/// The byte-level rules of spec §1, one by one.
@Suite struct FieldSyntaxTests {
    private func bytes<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        let array = Array(text.utf8)
        return array.withUnsafeBufferPointer(body)
    }

    @Test(arguments: [("553.80", 55_380), ("-12.00", -1200), ("0.00", 0), ("-0.00", 0), ("007.05", 705),
                      ("9999999999.99", 999_999_999_999), ("-9999999999.99", -999_999_999_999)])
    func amountsAreExactCents(text: String, cents: Int64) {
        #expect(bytes(text) { FieldSyntax.amount($0, limit: BatchFileParser.amountLimit) } == Cents(cents))
    }

    @Test(arguments: ["553.8", "553,80", "1,553.80", "1 553.80", "+553.80", "553.800", ".80", "553.", "553", "", "-", "-.00",
                      " 553.80", "553.80 ", "55３.80", "10000000000.00", "99999999999999999999.99", "0x10.00", "1e2.00"])
    func malformedAmountsAreRefused(text: String) {
        #expect(bytes(text) { FieldSyntax.amount($0, limit: BatchFileParser.amountLimit) } == nil)
    }

    @Test func controlAmountsReachSixteenDigits() {
        #expect(bytes("9999999999999999.99") { FieldSyntax.amount($0, limit: BatchFileParser.controlAmountLimit) }
            == Cents(999_999_999_999_999_999))
        #expect(bytes("10000000000000000.00") { FieldSyntax.amount($0, limit: BatchFileParser.controlAmountLimit) } == nil)
    }

    @Test(arguments: ["2021-05-07", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"])
    func realDatesParse(text: String) {
        #expect(bytes(text) { FieldSyntax.date($0) } == CalendarDate(iso: text))
        #expect(bytes(text) { FieldSyntax.date($0) } != nil)
    }

    @Test(arguments: ["2021-02-30", "2021-02-29", "1900-02-29", "2021-04-31", "2021-13-01", "2021-00-10", "2021-01-00",
                      "0000-01-01", "2021-5-07", "2021-05-7", "21-05-07", "2021/05/07", "2021-05-07 ", " 2021-05-07",
                      "2021-05-07T00:00", "", "２021-05-07", "2021-0a-07", "+021-05-07"])
    func impossibleOrMalformedDatesAreRefused(text: String) {
        #expect(bytes(text) { FieldSyntax.date($0) } == nil)
    }

    @Test(arguments: ["2026-11-25T22:14:03+01:00", "2026-11-25T22:14:03Z", "2026-11-25T22:14:03.5-09:30",
                      "2026-11-25T00:00:00.123456789+14:00", "2026-11-25T23:59:59-00:00"])
    func timestampsWithOffsetsAreAccepted(text: String) {
        #expect(bytes(text) { FieldSyntax.isTimestampWithOffset($0) })
    }

    @Test(arguments: ["2026-11-25T22:14:03", "2026-11-25 22:14:03+01:00", "2026-11-25t22:14:03+01:00", "2026-11-25T22:14:03z",
                      "2026-11-25T22:14+01:00", "2026-11-25T24:00:00+01:00", "2026-11-25T22:60:00+01:00",
                      "2026-11-25T22:14:60+01:00", "2026-11-25T22:14:03+0100", "2026-11-25T22:14:03+01", "2026-11-25T22:14:03+15:00",
                      "2026-11-25T22:14:03.+01:00", "2026-11-25T22:14:03.1234567890+01:00", "2026-02-30T22:14:03+01:00",
                      "2026-11-25T22:14:03+01:00 ", " 2026-11-25T22:14:03+01:00", "2026-11-25T22:14:03+01:60", ""])
    func malformedTimestampsAreRefused(text: String) {
        #expect(!bytes(text) { FieldSyntax.isTimestampWithOffset($0) })
    }

    @Test func referencesAreOneToThirtyTwoSafeCharacters() {
        for good in ["P1", "LOT_2021-06-18", String(repeating: "a", count: 32), "-", "_"] {
            #expect(bytes(good) { FieldSyntax.isReference($0) }, "\(good)")
        }
        for bad in ["", String(repeating: "a", count: 33), "P 1", "P1 ", "P.1", "Pé", "P/1", "P;1"] {
            #expect(!bytes(bad) { FieldSyntax.isReference($0) }, "\(bad)")
        }
    }

    @Test func textsRefuseControlCharactersAndCountCodePoints() {
        #expect(bytes("Élodie N'Guyen-Lê") { FieldSyntax.isText($0, maxCodePoints: 17) })
        #expect(!bytes("Élodie N'Guyen-Lê") { FieldSyntax.isText($0, maxCodePoints: 16) })
        #expect(bytes(" padded ") { FieldSyntax.isText($0, maxCodePoints: 10) })
        #expect(!bytes(" padded ") { FieldSyntax.isText($0, maxCodePoints: 10, trimmed: true) })
        #expect(!bytes("   ") { FieldSyntax.isText($0, maxCodePoints: 10) })
        #expect(!bytes("") { FieldSyntax.isText($0, maxCodePoints: 10) })
        for control in ["a\u{0}b", "a\tb", "a\rb", "a\u{7F}b", "a\u{85}b", "a\u{9F}b"] {
            #expect(!bytes(control) { FieldSyntax.isText($0, maxCodePoints: 10) })
        }
        #expect(bytes("a\u{A0}b") { FieldSyntax.isText($0, maxCodePoints: 10) })
    }

    @Test func displayedValuesAreShortAndShowControlCharacters() {
        #expect(bytes("a\tb") { FieldSyntax.display($0) } == "a\\x09b")
        #expect(bytes(String(repeating: "é", count: 50)) { FieldSyntax.display($0) } == String(repeating: "é", count: 40) + "…")
    }

    @Test func utf8ValidationIsStrict() {
        func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) } }
        #expect(valid(Array("plain ASCII text, long enough for the word-at-a-time path".utf8)))
        #expect(valid(Array("Ĳ € 𝄞 \u{10FFFF} \u{FFFD}".utf8)))
        #expect(valid([]))
        #expect(!valid([0xC1, 0xBF]))                    // overlong
        #expect(!valid([0xE0, 0x9F, 0xBF]))              // overlong
        #expect(!valid([0xF0, 0x8F, 0xBF, 0xBF]))        // overlong
        #expect(!valid([0xED, 0xBF, 0xBF]))              // surrogate
        #expect(!valid([0xF4, 0x90, 0x80, 0x80]))        // > U+10FFFF
        #expect(!valid(Array("12345678".utf8) + [0xE2, 0x82]))  // truncated at the end
        #expect(!valid(Array("1234567".utf8) + [0xE2, 0x28, 0xA1]))
        #expect(!valid([0x41, 0x80, 0x41]))
    }
}
