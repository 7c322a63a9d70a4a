import Postgres
import Testing

@Suite struct CentsTests {
    @Test(arguments: [("553.80", 55380), ("1162.98", 116_298), ("0.05", 5), ("12", 1200), ("-0.5", -50), ("7.1", 710)])
    func parsesDecimalStrings(text: String, cents: Int64) {
        #expect(Cents(decimal: text)?.value == cents)
    }

    @Test(arguments: ["", "1.234", "1,50", "1e3", " 1.00", "--1", "1.", ".5", "abc", "99999999999999999999"])
    func rejectsAnythingElse(text: String) {
        #expect(Cents(decimal: text) == nil)
    }

    @Test func printsTwoDecimals() {
        #expect(Cents(55380).description == "553.80")
        #expect(Cents(5).description == "0.05")
        #expect(Cents(-50).description == "-0.50")
        #expect(Cents(0).description == "0.00")
    }
}

@Suite struct CalendarDateTests {
    @Test func roundTripsThroughDayNumbers() throws {
        let samples = ["1970-01-01", "2000-01-01", "2000-02-29", "2021-06-18", "1947-03-14", "9999-12-31", "0001-01-01"]
        for text in samples {
            let date = try #require(CalendarDate(iso: text))
            #expect(date.description == text)
            #expect(CalendarDate(daysSinceUnixEpoch: date.daysSinceUnixEpoch) == date)
        }
        #expect(CalendarDate(iso: "1970-01-02")?.daysSinceUnixEpoch == 1)
        #expect(CalendarDate(iso: "2000-01-01")?.daysSinceUnixEpoch == 10_957)
    }

    @Test(arguments: ["2023-02-29", "2021-13-01", "2021-04-31", "21-06-18", "2021-6-18", "2021/06/18", "", "２０２１-06-18"])
    func rejectsImpossibleOrMalformedDates(text: String) {
        #expect(CalendarDate(iso: text) == nil)
    }
}
