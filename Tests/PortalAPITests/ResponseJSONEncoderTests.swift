import Foundation
import Postgres
import Testing
@testable import Portal
@testable import PortalAPI

/// `ResponseJSONEncoder` must write byte for byte what Foundation's `JSONEncoder` writes with the
/// API's settings (debug builds also check every response the tests produce, in `encodeJSON`).
@Suite struct ResponseJSONEncoderTests {
    func expectSameBytes<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fast = try ResponseJSONEncoder.encode(value)
        let reference = Array(try APIResponse.encoder.encode(value))
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: reference, as: UTF8.self), sourceLocation: sourceLocation)
        #expect(fast == reference, sourceLocation: sourceLocation)
    }

    @Test func everyASCIICharacterAndSomeOthersAreEscapedLikeFoundation() throws {
        for scalar in 0..<128 {
            try expectSameBytes("a\(Character(Unicode.Scalar(UInt8(scalar))))b")
        }
        try expectSameBytes("https://example.fr/a/b?c=d&e=<f>")
        try expectSameBytes("Éloïse « Gérante » — 553,80 € \u{2028}\u{2029}\u{FEFF}🇫🇷 \u{7F}\u{85}")
        try expectSameBytes("")
        try expectSameBytes(["\"quoted\"", "back\\slash", "tab\there", "nul\u{0}byte"])
    }

    @Test func integersOfEveryWidth() throws {
        try expectSameBytes([Int.min, -1, 0, 7, 10, 99, 100, Int.max])
        try expectSameBytes([Int64.min, Int64.max])
        try expectSameBytes(Numbers())
        try expectSameBytes(-42)
        try expectSameBytes(true)
    }

    @Test func datesCentsAndCalendarDates() throws {
        var generator = SystemRandomNumberGenerator()
        var dates: [Date] = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.5), Date(timeIntervalSince1970: 0.999),
                             Date(timeIntervalSince1970: -12_212_553_600), Date(timeIntervalSince1970: 253_402_300_799.9),
                             Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_107_542_399)]
        for _ in 0..<500 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: -12_212_553_600...253_402_300_799, using: &generator)))
        }
        try expectSameBytes(dates)
        try expectSameBytes([Cents(0), Cents(5), Cents(-5), Cents(55_380), Cents(-100), Cents(Int64.max), Cents(Int64.min + 1)])
        try expectSameBytes([CalendarDate(year: 1, month: 1, day: 1), CalendarDate(year: 2021, month: 6, day: 18),
                             CalendarDate(year: 9999, month: 12, day: 31)])
    }

    @Test func objectsHaveSortedKeysAtEveryLevel() throws {
        try expectSameBytes(Outer())
        try expectSameBytes([Outer(), Outer()])
        try expectSameBytes([Empty()])
        try expectSameBytes(["inside": Empty()])
        try expectSameBytes(["zeta": 1, "alpha": 2, "Beta": 3, "é": 4, "e": 5, "ab": 6, "a": 7, "": 8])
        // Keys that agree on their first 8 bytes, or differ only by a NUL.
        try expectSameBytes(["created_by_name": 1, "created_at": 2, "createdX": 3, "created": 4, "a\u{0}b": 5, "a\u{0}": 6, "a": 7,
                             "status_changed_at": 8, "status_label": 9, "status": 10])
        try expectSameBytes([Int]())
        try expectSameBytes([String: Int]())
        try expectSameBytes(Merged())
        try expectSameBytes(DuplicateKey())
        try expectSameBytes(OptionalFields(name: nil, count: nil))
        try expectSameBytes(OptionalFields(name: "x", count: 1))
    }

    /// The IJ page writes itself (`JSONObjectWriting`): same bytes, at every level.
    @Test func theIJPageThatWritesItselfGivesFoundationsBytes() throws {
        func line(_ number: Int, _ name: String, _ nature: IJNature, _ cents: Int64) -> IJPayments.Line {
            IJPayments.Line(lineNumber: number, matricule: "M\(number)", beneficiaryName: name,
                            periodStart: CalendarDate(year: 2021, month: 1, day: 9)!, periodEnd: CalendarDate(year: 2021, month: 12, day: 31)!,
                            nature: nature, natureLabel: nature.label, days: 357, ssDaily: Cents(-cents), otherMovement: Cents(0),
                            insurerDaily: Cents(cents), amount: Cents(cents * 357))
        }
        let payments = [
            IJPayments.Payment(id: 1, reference: "R-1", paymentDate: CalendarDate(year: 2021, month: 6, day: 18)!, amount: Cents(55380),
                               structureName: "SARL « Démo » \"quotes\" \\ / \u{1}",
                               lines: [line(1, "DUPONT Éloïse", .sickness, 3234), line(2, "O'HARA\nMarie\t🇫🇷", .therapeuticPartTime, 5)]),
            IJPayments.Payment(id: Int64.max, reference: "R-2", paymentDate: CalendarDate(year: 1999, month: 12, day: 31)!,
                               amount: Cents(-1), structureName: "", lines: []),
        ]
        try expectSameBytes(payments[0])
        try expectSameBytes(payments)
        try expectSameBytes(Paged(items: payments, page: Page(number: 2, size: 2), total: 3))
    }

    @Test func whatItLeavesToFoundationIsRefusedNotGuessed() {
        #expect(throws: ResponseJSONEncoder.Unsupported.self) { try ResponseJSONEncoder.encode(["slept": 0.5]) }
        #expect(throws: ResponseJSONEncoder.Unsupported.self) { try ResponseJSONEncoder.encode(Nested()) }
        #expect(throws: ResponseJSONEncoder.Unsupported.self) { try ResponseJSONEncoder.encode(Data([1, 2])) }
        #expect(throws: ResponseJSONEncoder.Unsupported.self) { try ResponseJSONEncoder.encode(Empty()) }
        #expect(throws: ResponseJSONEncoder.Unsupported.self) {
            try ResponseJSONEncoder.encode(Date(timeIntervalSince1970: 253_402_300_800))
        }
        // 1582-12-31T23:59:59Z: Julian days in Foundation.
        #expect(throws: ResponseJSONEncoder.Unsupported.self) { try ResponseJSONEncoder.encode(Date(timeIntervalSince1970: -12_212_553_601)) }
    }

    @Test func encodeJSONFallsBackToFoundationForThoseValues() throws {
        #expect(try APIResponse.encodeJSON(["slept": 0.5]) == Array(try APIResponse.encoder.encode(["slept": 0.5])))
        #expect(try APIResponse.encodeJSON(Nested()) == Array(try APIResponse.encoder.encode(Nested())))
        let julian = Date(timeIntervalSince1970: -62_135_596_800)
        #expect(try APIResponse.encodeJSON([julian]) == Array(try APIResponse.encoder.encode([julian])))
    }
}

private struct Numbers: Encodable {
    let a = Int8.min, b = Int16.max, c = Int32.min, d = UInt.max, e = UInt8.max, f = UInt16.max, g = UInt32.max, h = UInt64.max
}

private struct Inner: Encodable {
    let zulu = "z"
    let alpha: Int? = nil
    let mike = [1, 2, 3]
    let date = CalendarDate(year: 2024, month: 2, day: 29)
}

private struct Outer: Encodable {
    let payment_date = "2021-06-18"
    let amount = Cents(55_380)
    let lines = [Inner(), Inner()]
    let id: Int64 = 42
    let inner = Inner()
    let flag = false
    let nothing: String? = nil
    let at = Date(timeIntervalSince1970: 1_623_974_400)
}

private struct Empty: Encodable {
    func encode(to _: Encoder) throws {}
}

/// One object from two containers, as `InsuredPeople.Details` does.
private struct Merged: Encodable {
    enum First: String, CodingKey { case zebra, apple }
    enum Second: String, CodingKey { case mango }

    func encode(to encoder: Encoder) throws {
        var first = encoder.container(keyedBy: First.self)
        try first.encode("z", forKey: .zebra)
        try first.encode("a", forKey: .apple)
        var second = encoder.container(keyedBy: Second.self)
        try second.encode(Inner(), forKey: .mango)
    }
}

private struct DuplicateKey: Encodable {
    enum Keys: String, CodingKey { case b, a }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(1, forKey: .b)
        try container.encode(2, forKey: .a)
        try container.encode(3, forKey: .b)
    }
}

private struct OptionalFields: Encodable {
    let name: String?
    let count: Int?
}

private struct Nested: Encodable {
    enum Keys: String, CodingKey { case outer }
    enum InnerKeys: String, CodingKey { case value }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var nested = container.nestedContainer(keyedBy: InnerKeys.self, forKey: .outer)
        try nested.encode(1, forKey: .value)
    }
}
