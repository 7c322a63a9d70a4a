import Foundation
import Portal
import Testing

@Suite struct NIRTests {
    @Test(arguments: [
        "185057800608491",
        "269029934173285",
        "184019934173263",
        "799129999999952",
        "285122A00401235",  // Corsica: 2A read as 19
        "185032B12345628",  // Corsica: 2B read as 18
        "185032A12345601",
    ])
    func acceptsValidKeys(nir: String) {
        #expect(NIR.isValid(nir))
    }

    @Test(arguments: [
        "185057800608490",  // key off by one
        "185057800608492",
        "185057800608400",
        "269029934173258",  // key digits swapped
        "285122A00401262",  // the key of the same number with 2B
        "285122B00401235",  // the key of the same number with 2A
        "185032B12345601",
        "285122a00401235",  // lowercase Corsican department
        "2851220A0401235",  // letter outside the department
    ])
    func rejectsWrongKeys(nir: String) {
        #expect(!NIR.isValid(nir))
    }

    @Test(arguments: [
        "", "18505780060849", "1850578006084911", "1 85 05 78 006 084 91", " 185057800608491", "185057800608491 ",
        "18505780060849A", "A85057800608491", "585057800608470", "985057800608470", "085057800608491",
        "１８５０５７８００６０８４９１",
    ])
    func rejectsWrongShapes(nir: String) {
        #expect(!NIR.isValid(nir))
    }

    @Test func sexDigitsSevenAndEightAreAllowed() {
        // 7 and 8: provisional numbers of foreign-born people; the key rule is the same.
        let base = 7_991_299_999_999
        #expect(NIR.isValid("7991299999999" + String(format: "%02d", 97 - base % 97)))
        let eight = 8_850_578_006_084
        #expect(NIR.isValid("8850578006084" + String(format: "%02d", 97 - eight % 97)))
        #expect(!NIR.isValid("8850578006084" + String(format: "%02d", (97 - eight % 97) % 97 + 1)))
    }
}
