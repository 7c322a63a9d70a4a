@testable import OCSOBatch
import Postgres
import Testing

/// Spec §2: R and L records, their grouping and the item-level checks.
@Suite struct IJParsingTests {
    @Test func theGuidesWorkedExampleIsAValidPayment() throws {
        let outcome = try parse(Sample.ij([Sample.guideR, Sample.guideL]))
        #expect(outcome.outcome == "ok")
        #expect(outcome.header == BatchHeader(fileType: .ij, formatVersion: 1, batchID: "LOT-IJ-20210618",
                                              createdAt: "2021-06-18T22:14:03+02:00", sender: "OCSO Gestion"))
        #expect(outcome.items.count == 1)
        #expect(outcome.itemRejections.isEmpty)
        let payment = try #require(outcome.payments.first)
        #expect(payment.lineNumber == 2)
        #expect(payment.paymentRef == "P2021061801")
        #expect(payment.clientNumber == "1234567")
        #expect(payment.siret == "99999999800019")
        #expect(payment.paymentDate == CalendarDate(year: 2021, month: 6, day: 18))
        #expect(payment.amount == Cents(55_380))
        let line = try #require(payment.lines.first)
        #expect(payment.lines.count == 1)
        #expect(line == IJLine(lineNumber: 3, paymentRef: "P2021061801", matricule: "MAT001", beneficiaryName: "DUPONT JEAN",
                               periodStart: CalendarDate(year: 2021, month: 5, day: 7)!,
                               periodEnd: CalendarDate(year: 2021, month: 5, day: 26)!, nature: .sickness, days: 20,
                               ssDaily: Cents(3234), otherMovement: Cents(0), insurerDaily: Cents(6003)))
        #expect(line.amount == Cents(55_380))
        #expect(line.amount.description == "553.80")
        #expect(outcome.trailer == BatchTrailer(recordCount: 4, count1: 1, count2: 1, controlAmount: Cents(55_380)))
        #expect(outcome.lineCount == 4)
    }

    @Test func linesAreGroupedUnderTheirPayment() throws {
        let outcome = try parse(Sample.ij(Sample.ijBody))
        #expect(outcome.outcome == "ok")
        #expect(outcome.payments.map(\.paymentRef) == ["P2021061801", "P2021061802"])
        #expect(outcome.payments.map { $0.lines.map(\.lineNumber) } == [[3], [5, 6]])
        let second = outcome.payments[1]
        #expect(second.clientNumber == "A1B2C3D")
        #expect(second.lines.map(\.amount) == [Cents(15_000), Cents(13_750)])
        #expect(second.lines.map(\.nature) == [.maternity, .therapeuticPartTime])
        #expect(second.lines[1].beneficiaryName == "N'GUYEN-LÉA")
        #expect(second.lines[1].otherMovement == Cents(-1250))
        #expect(outcome.items.map(\.item.key) == ["P2021061801", "P2021061802"])
        #expect(outcome.items.map(\.item.recordType) == ["R", "R"])
    }

    // MARK: Field syntax

    @Test(arguments: ["553.8", "553,80", "1,553.80", "1 553.80", "1.553,80", "+553.80", "553.800", ".80", "553.", "553",
                      " 553.80", "553.80 ", "", "5 53.80", "553.8O", "--553.80", "-.80", "1e3.00", "10000000000.00"])
    func malformedAmountsRejectTheFile(amount: String) throws {
        let body = [Sample.replacing(Sample.guideR, field: 5, with: amount), Sample.guideL]
        let outcome = try parse(Sample.ij(body, trailer: "T;4;1;1;553.80"))
        #expect(outcome.rejection?.reason == .invalidField)
        #expect(outcome.rejection?.lineNumber == 2)
        #expect(outcome.rejection?.recordType == "R")
        #expect(outcome.rejection?.message.contains("amount") == true)
        if !amount.isEmpty { #expect(outcome.rejection?.message.contains(amount) == true) }
    }

    @Test(arguments: [(8, "32,34"), (9, "0.0"), (9, "0"), (10, "60.030"), (10, "60.03 ")])
    func malformedLineAmountsRejectTheFile(field: Int, value: String) throws {
        let outcome = try parse(Sample.ij([Sample.guideR, Sample.replacing(Sample.guideL, field: field, with: value)]))
        #expect(outcome.rejection?.reason == .invalidField)
        #expect(outcome.rejection?.lineNumber == 3)
    }

    @Test func negativeAndLargeAmountsParseExactly() throws {
        // 9,999,999,999.99 is the largest numeric(12,2).
        let body = [
            "R;NEG;1234567;99999999800019;2021-06-18;-0.01",
            "L;NEG;MAT001;X;2021-05-07;2021-05-07;MAL;1;0.00;-0.01;0.00",
            "R;BIG;1234567;99999999800019;2021-06-18;9999999999.99",
            "L;BIG;MAT001;X;2021-05-07;2021-05-07;MAL;1;0.00;0.00;9999999999.99",
        ]
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.outcome == "ok")
        #expect(outcome.payments.map(\.amount) == [Cents(-1), Cents(999_999_999_999)])
        #expect(outcome.itemRejections.isEmpty)
        #expect(outcome.trailer?.controlAmount == Cents(999_999_999_998))
    }

    @Test func lineAmountsBeyondNumeric12x2RejectTheFile() throws {
        let body = [
            "R;BIG;1234567;99999999800019;2021-06-18;0.00",
            "L;BIG;MAT001;X;2021-01-01;2021-12-31;MAL;365;0.00;0.00;9999999999.99",
        ]
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.rejection?.reason == .invalidField)
        #expect(outcome.rejection?.lineNumber == 3)
    }

    /// Seen while writing Fuzz/batch (its regression input replays it): 9999999 × 9223372959.19 €
    /// is just below 2⁶³ cents, and adding other_movement overflowed (a trap: ij-worker died on the
    /// file instead of rejecting it).
    @Test(arguments: ["9999999999.99", "-9999999999.99"])
    func lineAmountsOverflowingSixtyFourBitsRejectTheFile(otherMovement: String) throws {
        let (insurer, ss) = otherMovement.hasPrefix("-") ? ("0.00", "9223372959.19") : ("9223372959.19", "0.00")
        let body = [
            "R;OVF;1234567;99999999800019;2021-06-18;0.00",
            "L;OVF;MAT001;X;2021-01-01;2021-12-31;MAL;9999999;\(ss);\(otherMovement);\(insurer)",
        ]
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.rejection?.reason == .invalidField)
        #expect(outcome.rejection?.lineNumber == 3)
    }

    @Test(arguments: [(4, "2021-02-30"), (4, "2021-02-29"), (4, "2021-13-01"), (4, "2021-5-07"), (4, "07/05/2021"),
                      (4, "2021-05-07 "), (5, " 2021-05-26"), (5, "20210526"), (5, ""), (5, "2021-05-26T00:00:00")])
    func impossibleOrMalformedDatesRejectTheFile(field: Int, value: String) throws {
        let outcome = try parse(Sample.ij([Sample.guideR, Sample.replacing(Sample.guideL, field: field, with: value)]))
        #expect(outcome.rejection?.reason == .invalidField)
        #expect(outcome.rejection?.lineNumber == 3)
        #expect(outcome.rejection?.message.contains(field == 4 ? "period_start" : "period_end") == true)
    }

    @Test func leapDaysExist() throws {
        let body = [
            "R;LEAP;1234567;99999999800019;2024-02-29;10.00",
            "L;LEAP;MAT001;X;2024-02-28;2024-03-01;MAL;3;0.00;-20.00;10.00",
        ]
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.outcome == "ok")
        #expect(outcome.itemRejections.isEmpty)
    }

    @Test(arguments: [
        (1, " P2021061801"), (1, "P2021061801 "), (1, "P 2021061801"), (2, "1234567 "), (2, " 1234567"), (2, "123456"),
        (2, "12345a7"), (3, "99999999800018"), (3, "9999999980001"), (3, "99999999800019 "), (4, " 2021-06-18"),
    ])
    func paymentFieldsWithSpacesOrBadIdentifiersRejectTheFile(field: Int, value: String) throws {
        let body = [Sample.replacing(Sample.guideR, field: field, with: value),
                    Sample.replacing(Sample.guideL, field: 1, with: field == 1 ? value : "P2021061801")]
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.rejection?.reason == .invalidField, "\(value)")
        #expect(outcome.rejection?.lineNumber == 2)
    }

    @Test(arguments: [(2, "MAT 001"), (2, "mat001"), (2, ""), (2, "M123456789012345678901"), (3, ""), (3, "   "),
                      (3, "NOM\u{7}"), (3, String(repeating: "N", count: 201)), (6, "mal"), (6, "MAL "), (6, "XXX"),
                      (7, "0"), (7, "-20"), (7, "20.0"), (7, " 20"), (7, "+20"), (7, "")])
    func lineFieldsThatDoNotParseRejectTheFile(field: Int, value: String) throws {
        let outcome = try parse(Sample.ij([Sample.guideR, Sample.replacing(Sample.guideL, field: field, with: value)]))
        #expect(outcome.rejection?.reason == .invalidField, "\(value)")
        #expect(outcome.rejection?.lineNumber == 3)
        #expect(outcome.rejection?.recordType == "L")
    }

    @Test func namesKeepTheirSpacesAndLongNamesUpToTheLimitAreAccepted() throws {
        let name = " " + String(repeating: "É", count: 199)
        let outcome = try parse(Sample.ij([Sample.guideR, Sample.replacing(Sample.guideL, field: 3, with: name)]))
        #expect(outcome.outcome == "ok")
        #expect(outcome.payments.first?.lines.first?.beneficiaryName == name)
    }

    // MARK: Item-level checks

    @Test func daysInconsistentWithThePeriodRejectTheWholePayment() throws {
        var body = Sample.ijBody
        body[3] = Sample.replacing(body[3], field: 7, with: "11")  // 2021-03-01…2021-03-10 is 10 days
        body[2] = Sample.replacing(body[2], field: 5, with: "302.50")  // keep R = sum of lines
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.outcome == "ok")
        #expect(outcome.items.map(\.isRejected) == [false, true])
        let rejection = try #require(outcome.items[1].rejections.first)
        #expect(outcome.items[1].rejections.count == 1)
        #expect(rejection.reason == .daysInconsistent)
        #expect(rejection.lineNumber == 5)
        #expect(rejection.recordType == "L")
        #expect(rejection.key == "P2021061802;MAT002")
        #expect(rejection.message.contains("10 jours"))
        // The rejected payment still comes back whole, for the report.
        #expect(outcome.payments[1].lines.count == 2)
    }

    @Test func aPeriodThatEndsBeforeItStartsIsInconsistent() throws {
        let line = "L;P2021061801;MAT001;DUPONT JEAN;2021-05-26;2021-05-07;MAL;20;32.34;0.00;60.03"
        let outcome = try parse(Sample.ij([Sample.guideR, line]))
        #expect(outcome.outcome == "ok")
        #expect(outcome.itemRejections.map(\.reason) == [.daysInconsistent])
    }

    @Test func aPaymentThatIsNotTheSumOfItsLinesIsRejected() throws {
        for amount in ["553.79", "553.81", "-553.80", "0.00"] {
            let body = [Sample.replacing(Sample.guideR, field: 5, with: amount), Sample.guideL] + Sample.secondPayment
            let outcome = try parse(Sample.ij(body))
            #expect(outcome.outcome == "ok")
            #expect(outcome.items.map(\.isRejected) == [true, false], "\(amount)")
            let rejection = try #require(outcome.items[0].rejections.first)
            #expect(rejection.reason == .amountMismatch)
            #expect(rejection.lineNumber == 2)
            #expect(rejection.recordType == "R")
            #expect(rejection.key == "P2021061801")
            #expect(rejection.message.contains("553,80"))
        }
    }

    @Test func severalProblemsOfOnePaymentAreAllReported() throws {
        let body = [
            Sample.guideR, Sample.guideL,
            Sample.replacing(Sample.guideR, field: 5, with: "1.00"),
            Sample.replacing(Sample.guideL, field: 7, with: "19"),
        ]
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.items[1].rejections.map(\.reason) == [.daysInconsistent, .amountMismatch])
    }

    // MARK: Structure

    @Test func aLineBeforeAnyPaymentIsAnOrphan() throws {
        let outcome = try parse(Sample.ij([Sample.guideL, Sample.guideR, Sample.guideL]))
        #expect(outcome.rejection?.reason == .orphanLine)
        #expect(outcome.rejection?.lineNumber == 2)
        #expect(outcome.rejection?.recordType == "L")
    }

    @Test func aLineWithAnotherPaymentRefIsAnOrphan() throws {
        let body = [Sample.guideR, Sample.guideL] + Sample.secondPayment + [Sample.guideL]
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.rejection?.reason == .orphanLine)
        #expect(outcome.rejection?.lineNumber == 7)
        #expect(outcome.rejection?.message.contains("P2021061802") == true)
    }

    @Test func aPaymentWithoutLinesRejectsTheFile() throws {
        // Followed by another R…
        let first = try parse(Sample.ij([Sample.guideR] + Sample.secondPayment))
        #expect(first.rejection?.reason == .paymentWithoutLines)
        #expect(first.rejection?.lineNumber == 2)
        #expect(first.rejection?.recordType == "R")
        // …or by the trailer.
        let last = try parse(Sample.ij(Sample.secondPayment + [Sample.guideR]))
        #expect(last.rejection?.reason == .paymentWithoutLines)
        #expect(last.rejection?.lineNumber == 5)
    }

    @Test(arguments: Sample.affBody)
    func affRecordsAreNotAllowedInAnIJFile(record: String) throws {
        let outcome = try parse(Sample.ij([Sample.guideR, Sample.guideL, record]))
        #expect(outcome.rejection?.reason == .recordTypeNotAllowed)
        #expect(outcome.rejection?.lineNumber == 4)
    }
}
