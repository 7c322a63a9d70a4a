@testable import OCSOBatch
import Postgres
import Testing

/// Spec §3: C, G, I, A and B records.
@Suite struct AFFParsingTests {
    private func day(_ text: String) -> CalendarDate { CalendarDate(iso: text)! }

    @Test func aValidFileWithAllFiveRecordTypesParses() throws {
        let outcome = try parse(Sample.aff(Sample.affBody))
        #expect(outcome.outcome == "ok")
        #expect(outcome.header?.fileType == .aff)
        #expect(outcome.itemRejections.isEmpty)
        #expect(outcome.items.map(\.item.recordType) == ["C", "C", "G", "I", "I", "A", "A", "B", "B"])
        #expect(outcome.items.map(\.item.lineNumber) == Array(2...10))
        #expect(outcome.trailer == BatchTrailer(recordCount: 11, count1: 3, count2: 6, controlAmount: Cents(0)))
        let items = outcome.items.map(\.item)
        #expect(items[0] == .contract(ContractRecord(lineNumber: 2, contractRef: "CTR-PREV-01", clientNumber: "1234567",
                                                     kind: .prevoyance, college: "Salarié ne relevant pas de la CCN 1947",
                                                     dsnReference: "DSN-0001", startDate: day("2020-01-01"), endDate: nil)))
        #expect(items[1] == .contract(ContractRecord(lineNumber: 3, contractRef: "CTR-SANTE-01", clientNumber: "1234567",
                                                     kind: .sante, college: "Cadres", dsnReference: "DSN-0002",
                                                     startDate: day("2019-01-01"), endDate: day("2025-12-31"))))
        #expect(items[2] == .guarantee(GuaranteeRecord(lineNumber: 4, contractRef: "CTR-PREV-01", guaranteeCode: "INCAP",
                                                       label: "Incapacité temporaire de travail", periodicity: "TRIMESTRIEL_ECHU",
                                                       paymentMode: "OCSO")))
        #expect(items[3] == .insured(InsuredRecord(lineNumber: 5, clientNumber: "1234567", matricule: "MAT001", lastName: "DUPONT",
                                                   firstName: "Jean", nir: "185057800608491", birthDate: day("1985-05-12"),
                                                   addressLine: "12 rue de la Paix", postalCode: "75002", city: "Paris")))
        #expect(items[5] == .affiliation(AffiliationRecord(lineNumber: 7, matricule: "MAT001", contractRef: "CTR-PREV-01",
                                                           entryDate: day("2020-01-01"), endDate: nil, portabilityEnd: nil)))
        #expect(items[6] == .affiliation(AffiliationRecord(lineNumber: 8, matricule: "MAT001", contractRef: "CTR-SANTE-01",
                                                           entryDate: day("2019-01-01"), endDate: day("2023-06-30"),
                                                           portabilityEnd: day("2024-06-30"))))
        #expect(items[7] == .beneficiary(BeneficiaryRecord(lineNumber: 9, matricule: "MAT001", lastName: "DUPONT", firstName: "Claire",
                                                           rank: "CJ", birthDate: day("1987-09-21"), adhesionDate: day("2019-01-01"),
                                                           validityDate: nil, radiationDate: nil)))
        #expect(items[8] == .beneficiary(BeneficiaryRecord(lineNumber: 10, matricule: "MAT001", lastName: "DUPONT", firstName: "Léo",
                                                           rank: "EA", birthDate: day("2015-04-02"), adhesionDate: day("2019-01-01"),
                                                           validityDate: day("2026-12-31"), radiationDate: day("2024-01-31"))))
        #expect(items.map(\.key) == [
            "CTR-PREV-01", "CTR-SANTE-01", "CTR-PREV-01;INCAP", "1234567;MAT001", "1234567;MAT004",
            "MAT001;CTR-PREV-01;2020-01-01", "MAT001;CTR-SANTE-01;2019-01-01", "MAT001;DUPONT;Claire;1987-09-21",
            "MAT001;DUPONT;Léo;2015-04-02",
        ])
    }

    @Test(arguments: ["185057800608490", "285122A00401262", "18505780060849", "1850578006084911", "18505780060849A", ""])
    func anInvalidNIRRejectsTheInsuredOnly(nir: String) throws {
        var body = Sample.affBody
        body[3] = Sample.replacing(body[3], field: 5, with: nir)
        let outcome = try parse(Sample.aff(body))
        #expect(outcome.outcome == "ok")
        #expect(outcome.items.map(\.isRejected) == [false, false, false, true, false, false, false, false, false])
        let rejection = try #require(outcome.itemRejections.first)
        #expect(outcome.itemRejections.count == 1)
        #expect(rejection.reason == .invalidNIR)
        #expect(rejection.lineNumber == 5)
        #expect(rejection.recordType == "I")
        #expect(rejection.key == "1234567;MAT001")
        // Health data never goes into a message, a key or a description.
        if nir.count >= 13 {
            let digits = String(nir.prefix(13))
            #expect(!rejection.message.contains(digits))
            #expect(!rejection.description.contains(digits))
            #expect(!String(describing: outcome.items[3].item).contains(digits))
            #expect(!String(reflecting: outcome.items[3].item).contains(digits))
        }
    }

    @Test func fileLevelMessagesOnAnInsuredLineDoNotShowItsNIR() throws {
        var body = Sample.affBody
        body[3] = Sample.replacing(body[3], field: 6, with: "1985-02-30")
        let outcome = try parse(Sample.aff(body))
        #expect(outcome.rejection?.reason == .invalidField)
        #expect(outcome.rejection?.message.contains("1985-02-30") == true)
        #expect(outcome.rejection?.message.contains("1850578006084") == false)
        let extra = try parse(Sample.aff([body[3] + ";"]))
        #expect(extra.rejection?.reason == .wrongFieldCount)
        #expect(extra.rejection?.message.contains("1850578006084") == false)
    }

    @Test func inconsistentDatesRejectTheRecord() throws {
        var body = Sample.affBody
        body[1] = Sample.replacing(body[1], field: 7, with: "2018-12-31")  // C end before start
        body[6] = Sample.replacing(body[6], field: 5, with: "2023-06-29")  // A portability end before end
        let outcome = try parse(Sample.aff(body))
        #expect(outcome.outcome == "ok")
        #expect(outcome.itemRejections.map(\.reason) == [.datesInconsistent, .datesInconsistent])
        #expect(outcome.itemRejections.map(\.lineNumber) == [3, 8])
        #expect(outcome.itemRejections.map(\.recordType) == ["C", "A"])
        #expect(outcome.itemRejections.map(\.key) == ["CTR-SANTE-01", "MAT001;CTR-SANTE-01;2019-01-01"])

        var affiliation = Sample.affBody
        affiliation[5] = Sample.replacing(affiliation[5], field: 4, with: "2019-12-31")  // A end before entry
        #expect(try parse(Sample.aff(affiliation)).itemRejections.map(\.lineNumber) == [7])
    }

    @Test(arguments: [
        (0, 2, "SANTE"), (0, 2, "123456"), (0, 3, "Prevoyance"), (0, 3, "SANTÉ"), (0, 4, ""), (0, 5, " DSN-0001"),
        (0, 6, ""), (0, 6, "2020-02-30"), (0, 7, "2025-12-31 "), (0, 1, "CTR PREV"),
        (2, 2, "INC AP"), (2, 3, ""), (2, 4, "TRIMESTRIEL_ECHU "), (2, 5, ""), (2, 3, String(repeating: "L", count: 201)),
        (3, 2, "mat001"), (3, 3, ""), (3, 4, String(repeating: "J", count: 101)), (3, 6, ""), (3, 7, ""), (3, 8, "75002 "),
        (3, 8, "75002-12345"), (3, 9, ""),
        (5, 1, ""), (5, 2, ""), (5, 3, "2020-1-01"), (5, 4, " "), (5, 5, "2024-06-31"),
        (7, 4, "cj"), (7, 4, "C"), (7, 4, "C1"), (7, 5, ""), (7, 6, ""), (7, 7, "31/12/2026"), (7, 8, "2024-01-32"),
    ])
    func fieldsThatDoNotParseRejectTheFile(record: Int, field: Int, value: String) throws {
        var body = Sample.affBody
        body[record] = Sample.replacing(body[record], field: field, with: value)
        let outcome = try parse(Sample.aff(body))
        #expect(outcome.rejection?.reason == .invalidField, "\(body[record])")
        #expect(outcome.rejection?.lineNumber == record + 2)
    }

    @Test(arguments: [0, 2, 3, 5, 7])
    func wrongFieldCountsRejectTheFile(record: Int) throws {
        for line in [Sample.affBody[record] + ";", String(Sample.affBody[record].prefix { $0 != ";" }) + ";x"] {
            var body = Sample.affBody
            body[record] = line
            let outcome = try parse(Sample.aff(body))
            #expect(outcome.rejection?.reason == .wrongFieldCount, "\(line)")
            #expect(outcome.rejection?.lineNumber == record + 2)
        }
    }

    @Test(arguments: [Sample.guideR, Sample.guideL])
    func ijRecordsAreNotAllowedInAnAFFFile(record: String) throws {
        let outcome = try parse(Sample.aff(Sample.affBody + [record]))
        #expect(outcome.rejection?.reason == .recordTypeNotAllowed)
        #expect(outcome.rejection?.lineNumber == Sample.affBody.count + 2)
        #expect(outcome.rejection?.recordType == String(record.prefix(1)))
        // Everything before it came back, but the file as a whole is rejected.
        #expect(outcome.items.count == Sample.affBody.count)
    }

    @Test func unknownRecordTypesAreRejectedInAFFToo() throws {
        let outcome = try parse(Sample.aff(Sample.affBody + ["Z;MAT001"]))
        #expect(outcome.rejection?.reason == .unknownRecordType)
        #expect(outcome.rejection?.message.contains("« Z »") == true)
    }

    @Test func anAFFFileWithOnlyHeaderAndTrailerIsValid() throws {
        let outcome = try parse(Sample.aff([]))
        #expect(outcome.outcome == "ok")
        #expect(outcome.items.isEmpty)
        #expect(outcome.trailer == BatchTrailer(recordCount: 2, count1: 0, count2: 0, controlAmount: Cents(0)))
    }
}
