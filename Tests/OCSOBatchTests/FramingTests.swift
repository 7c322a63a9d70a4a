import Foundation
@testable import OCSOBatch
import Portal
import Postgres
import Testing

/// Spec §1: encoding, lines, header, trailer, and the file as a whole.
@Suite struct FramingTests {
    @Test func emptyFileIsRejected() throws {
        let outcome = try parse(bytes: [])
        #expect(outcome.rejection?.reason == .emptyFile)
        #expect(outcome.rejection?.lineNumber == nil)
        #expect(outcome.header == nil)
    }

    @Test func aByteOrderMarkAloneIsAnEmptyFile() throws {
        #expect(try parse(bytes: [0xEF, 0xBB, 0xBF]).rejection?.reason == .emptyFile)
    }

    @Test func headerOnlyIsTruncated() throws {
        let outcome = try parse(Sample.ijHeader + "\n")
        #expect(outcome.header?.batchID == "LOT-IJ-20210618")
        #expect(outcome.rejection?.reason == .missingTrailer)
        #expect(outcome.items.isEmpty)
    }

    @Test func missingTrailerIsRejectedAfterTheLastPayment() throws {
        let text = ([Sample.ijHeader] + Sample.ijBody).joined(separator: "\n") + "\n"
        let outcome = try parse(text)
        #expect(outcome.rejection?.reason == .missingTrailer)
        // The first payment came back before the truncation was known: the loader must not commit.
        #expect(outcome.payments.map(\.paymentRef) == ["P2021061801"])
    }

    /// Every strict prefix of a valid file is rejected (except the one without its final LF).
    @Test func everyTruncationIsRejected() throws {
        let bytes = Array(Sample.ij(Sample.ijBody).utf8)
        #expect(try parse(bytes: bytes).outcome == "ok")
        #expect(try parse(bytes: Array(bytes.dropLast())).outcome == "ok")
        var accepted: [Int] = []
        for length in 0..<(bytes.count - 1) {
            if try parse(bytes: Array(bytes[0..<length]), chunkSize: 16).rejection == nil { accepted.append(length) }
        }
        #expect(accepted.isEmpty)
    }

    @Test(arguments: [
        ("record_count + 1", Sample.ijTrailer(Sample.ijBody, recordDelta: 1)),
        ("record_count - 1", Sample.ijTrailer(Sample.ijBody, recordDelta: -1)),
        ("count_1 + 1", Sample.ijTrailer(Sample.ijBody, count1Delta: 1)),
        ("count_1 - 1", Sample.ijTrailer(Sample.ijBody, count1Delta: -1)),
        ("count_2 + 1", Sample.ijTrailer(Sample.ijBody, count2Delta: 1)),
        ("count_2 - 1", Sample.ijTrailer(Sample.ijBody, count2Delta: -1)),
        ("control + 0.01", Sample.ijTrailer(Sample.ijBody, controlDelta: 1)),
        ("control - 0.01", Sample.ijTrailer(Sample.ijBody, controlDelta: -1)),
    ])
    func ijTrailerOffByOneIsRejected(label: String, trailer: String) throws {
        #expect(try parse(Sample.ij(Sample.ijBody)).outcome == "ok")
        let outcome = try parse(Sample.ij(Sample.ijBody, trailer: trailer))
        #expect(outcome.rejection?.reason == .trailerMismatch, "\(label)")
        #expect(outcome.rejection?.lineNumber == Sample.ijBody.count + 2)
        #expect(outcome.rejection?.recordType == "T")
        #expect(outcome.trailer != nil)
    }

    @Test(arguments: [
        Sample.affTrailer(Sample.affBody, recordDelta: 1),
        Sample.affTrailer(Sample.affBody, count1Delta: -1),
        Sample.affTrailer(Sample.affBody, count2Delta: 1),
        Sample.affTrailer(Sample.affBody, control: "0.01"),
    ])
    func affTrailerOffByOneIsRejected(trailer: String) throws {
        #expect(try parse(Sample.aff(Sample.affBody)).outcome == "ok")
        #expect(try parse(Sample.aff(Sample.affBody, trailer: trailer)).rejection?.reason == .trailerMismatch)
    }

    @Test func trailerFieldsMustParse() throws {
        let good = Sample.ijTrailer(Sample.ijBody)
        for bad in [good + ";", "T;5;2;3", Sample.replacing(good, field: 1, with: "6 "), Sample.replacing(good, field: 2, with: "-2"),
                    Sample.replacing(good, field: 4, with: "841.3")] {
            let outcome = try parse(Sample.ij(Sample.ijBody, trailer: bad))
            #expect([.wrongFieldCount, .invalidField].contains(outcome.rejection?.reason), "\(bad)")
        }
    }

    @Test func theControlAmountCountsRejectedPaymentsToo() throws {
        // The second payment is rejected (amount ≠ its lines) but is in the file: its amount counts.
        var body = Sample.ijBody
        body[2] = Sample.replacing(body[2], field: 5, with: "287.51")
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.outcome == "ok")
        #expect(outcome.trailer?.controlAmount == Cents(55_380 + 28_751))
        #expect(outcome.items.map(\.isRejected) == [false, true])
    }

    @Test func invalidUTF8IsRejectedWithItsLineNumber() throws {
        let sequences: [[UInt8]] = [
            [0xC3, 0x28],              // bad continuation
            [0xC0, 0xAF],              // overlong "/"
            [0xE0, 0x80, 0xAF],        // overlong
            [0xED, 0xA0, 0x80],        // surrogate U+D800
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xF5, 0x80, 0x80, 0x80],
            [0xE2, 0x82],              // truncated €
            [0xFF],
            [0x80],                    // lone continuation
        ]
        for sequence in sequences {
            let before = Array((Sample.ijHeader + "\n" + Sample.guideR + "\nL;P2021061801;MAT001;DUPONT ").utf8)
            let after = Array(";2021-05-07;2021-05-26;MAL;20;32.34;0.00;60.03\n".utf8)
            let outcome = try parse(bytes: before + sequence + after + Array((Sample.ijTrailer([Sample.guideR, Sample.guideL]) + "\n").utf8))
            #expect(outcome.rejection?.reason == .invalidUTF8, "\(sequence)")
            #expect(outcome.rejection?.lineNumber == 3)
        }
        // The same place with valid multi-byte characters parses.
        let valid = Sample.ij([Sample.guideR, Sample.replacing(Sample.guideL, field: 3, with: "DUPONT Ĳ € 𝄞 Zoë")])
        let outcome = try parse(valid)
        #expect(outcome.outcome == "ok")
        #expect(outcome.payments.first?.lines.first?.beneficiaryName == "DUPONT Ĳ € 𝄞 Zoë")
    }

    @Test func aByteOrderMarkIsSkippedAndHashed() throws {
        let text = Sample.ij(Sample.ijBody)
        let bytes = [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        let outcome = try parse(bytes: bytes, chunkSize: 2)
        #expect(outcome.outcome == "ok")
        #expect(outcome.header?.fileType == .ij)
        #expect(outcome.payments.count == 2)
        #expect(outcome.sha256 == Sodium.sha256(bytes))
        // A BOM anywhere else is content, not tolerated.
        let inside = Array((Sample.ijHeader + "\n").utf8) + [0xEF, 0xBB, 0xBF] + Array(text.utf8.dropFirst(Sample.ijHeader.utf8.count + 1))
        #expect(try parse(bytes: inside).rejection?.reason == .unknownRecordType)
    }

    @Test func crlfLineEndingsAreAccepted() throws {
        let text = Sample.ij(Sample.ijBody).replacingOccurrences(of: "\n", with: "\r\n")
        let outcome = try parse(text, chunkSize: 5)
        #expect(outcome.outcome == "ok")
        #expect(outcome.payments == (try parse(Sample.ij(Sample.ijBody)).payments))
        #expect(outcome.payments.last?.lines.last?.insurerDaily == Cents(5000))
        // Without the final line ending too.
        #expect(text.hasSuffix("0\r\n"))
        #expect(try parse(String(text.dropLast())).outcome == "ok")
    }

    @Test func aStrayCarriageReturnIsNotALineEnd() throws {
        let text = Sample.ij(Sample.ijBody).replacingOccurrences(of: "553.80\n", with: "553.80\r\r\n")
        #expect(try parse(text).rejection?.reason == .invalidField)
    }

    @Test func emptyLinesAreRejected() throws {
        let inside = Sample.ij(Sample.ijBody).replacingOccurrences(of: Sample.guideL + "\n", with: Sample.guideL + "\n\n")
        let outcome = try parse(inside)
        #expect(outcome.rejection?.reason == .emptyLine)
        #expect(outcome.rejection?.lineNumber == 4)
        #expect(try parse(Sample.ij(Sample.ijBody) + "\n").rejection?.reason == .emptyLine)
        #expect(try parse(Sample.ij(Sample.ijBody) + "\r\n").rejection?.reason == .emptyLine)
        #expect(try parse("\n" + Sample.ij(Sample.ijBody)).rejection?.reason == .emptyLine)
    }

    @Test func recordsAfterTheTrailerAreRejected() throws {
        let outcome = try parse(Sample.ij(Sample.ijBody) + Sample.guideR + "\n")
        #expect(outcome.rejection?.reason == .recordAfterTrailer)
        #expect(outcome.rejection?.lineNumber == Sample.ijBody.count + 3)
        // The last payment is held back until the trailer and the end of the file are checked.
        #expect(outcome.payments.map(\.paymentRef) == ["P2021061801"])
    }

    @Test func linesLongerThanTheCapAreRejectedWithoutBuffering() throws {
        let long = Sample.replacing(Sample.guideL, field: 3, with: String(repeating: "A", count: 500))
        let outcome = try parse(bytes: Array(Sample.ij([Sample.guideR, long]).utf8), chunkSize: 7, maxLineLength: 200)
        #expect(outcome.rejection?.reason == .lineTooLong)
        #expect(outcome.rejection?.lineNumber == 3)
        #expect(outcome.bufferCapacity == 7 + 200 + 2)
        #expect(outcome.bufferHighWaterBytes <= outcome.bufferCapacity)

        // Exactly at the cap (plus CRLF) is not too long.
        let header = Sample.ijHeader
        let exact = try parse(bytes: Array((header + "\r\n").utf8), chunkSize: 3, maxLineLength: header.utf8.count)
        #expect(exact.rejection?.reason == .missingTrailer)
        let over = try parse(bytes: Array((header + "\r\n").utf8), chunkSize: 3, maxLineLength: header.utf8.count - 1)
        #expect(over.rejection?.reason == .lineTooLong)

        // With the real cap: a 70,000-byte line.
        let huge = Sample.replacing(Sample.guideL, field: 3, with: String(repeating: "B", count: 70_000))
        #expect(try parse(Sample.ij([Sample.guideR, huge])).rejection?.reason == .lineTooLong)
    }

    // MARK: Header

    @Test(arguments: [
        ("R;IJ;1;LOT1;2021-06-18T22:14:03+02:00;OCSO", BatchRejectionReason.badHeader),
        ("H;IJ;1;LOT1;2021-06-18T22:14:03+02:00", .badHeader),
        ("H;IJ;1;LOT1;2021-06-18T22:14:03+02:00;OCSO;x", .badHeader),
        ("H;XX;1;LOT1;2021-06-18T22:14:03+02:00;OCSO", .unknownFileType),
        ("H;ij;1;LOT1;2021-06-18T22:14:03+02:00;OCSO", .unknownFileType),
        ("H;IJ;2;LOT1;2021-06-18T22:14:03+02:00;OCSO", .unsupportedFormatVersion),
        ("H;IJ;v1;LOT1;2021-06-18T22:14:03+02:00;OCSO", .badHeader),
        ("H;IJ;1;LOT 1;2021-06-18T22:14:03+02:00;OCSO", .badHeader),
        ("H;IJ;1;;2021-06-18T22:14:03+02:00;OCSO", .badHeader),
        ("H;IJ;1;\(String(repeating: "L", count: 33));2021-06-18T22:14:03+02:00;OCSO", .badHeader),
        ("H;IJ;1;LOT1;2021-06-18T22:14:03;OCSO", .badHeader),
        ("H;IJ;1;LOT1;2021-06-18 22:14:03+02:00;OCSO", .badHeader),
        ("H;IJ;1;LOT1;2021-02-30T22:14:03+02:00;OCSO", .badHeader),
        ("H;IJ;1;LOT1;2021-06-18T24:00:00+02:00;OCSO", .badHeader),
        ("H;IJ;1;LOT1;2021-06-18T22:14:03+0200;OCSO", .badHeader),
        ("H;IJ;1;LOT1;2021-06-18T22:14:03+02:00;", .badHeader),
        ("H;IJ;1;LOT1;2021-06-18T22:14:03+02:00;\(String(repeating: "é", count: 65))", .badHeader),
        ("H;IJ;1;LOT1;2021-06-18T22:14:03+02:00;OCSO\tGestion", .badHeader),
    ])
    func badHeadersAreRejected(header: String, reason: BatchRejectionReason) throws {
        let outcome = try parse(Sample.ij(Sample.ijBody, header: header))
        #expect(outcome.rejection?.reason == reason)
        #expect(outcome.rejection?.lineNumber == 1)
    }

    @Test(arguments: [
        "2021-06-18T22:14:03+02:00", "2021-06-18T22:14:03Z", "2021-06-18T22:14:03.123456-05:30",
        "2024-02-29T00:00:00+00:00",
    ])
    func headerTimestampsWithAnOffsetAreAccepted(createdAt: String) throws {
        let header = "H;IJ;1;LOT_2021-06;\(createdAt);\(String(repeating: "é", count: 64))"
        let outcome = try parse(Sample.ij(Sample.ijBody, header: header))
        #expect(outcome.outcome == "ok")
        #expect(outcome.header == BatchHeader(fileType: .ij, formatVersion: 1, batchID: "LOT_2021-06", createdAt: createdAt,
                                              sender: String(repeating: "é", count: 64)))
    }

    @Test func aSecondHeaderIsRejected() throws {
        let outcome = try parse(Sample.ij([Sample.guideR, Sample.guideL, Sample.ijHeader]))
        #expect(outcome.rejection?.reason == .recordTypeNotAllowed)
        #expect(outcome.rejection?.lineNumber == 4)
    }

    // MARK: Record types and field counts

    @Test(arguments: ["X;1;2", "r;P1;1234567;99999999800019;2021-06-18;553.80", "RR;P1", "R", " R;P1", "T", "#comment"])
    func unknownRecordTypesAreRejected(record: String) throws {
        let outcome = try parse(Sample.ij([Sample.guideR, Sample.guideL, record]))
        let reason = outcome.rejection?.reason
        #expect(reason == .unknownRecordType || (record == "R" && reason == .wrongFieldCount) || (record == "T" && reason == .wrongFieldCount),
                "\(record)")
        #expect(outcome.rejection?.lineNumber == 4)
    }

    @Test(arguments: [
        (Sample.guideR + ";", 2),
        (Sample.replacing(Sample.guideR, field: 5, with: "553.80;extra"), 2),
        ("R;P2021061801;1234567;99999999800019;2021-06-18", 2),
        (Sample.guideL + ";", 3),
        ("L;P2021061801;MAT001;DUPONT JEAN;2021-05-07;2021-05-26;MAL;20;32.34;60.03", 3),
    ])
    func wrongFieldCountsAreRejected(line: String, lineNumber: Int) throws {
        var body = [Sample.guideR, Sample.guideL]
        body[lineNumber - 2] = line
        let outcome = try parse(Sample.ij(body))
        #expect(outcome.rejection?.reason == .wrongFieldCount)
        #expect(outcome.rejection?.lineNumber == lineNumber)
    }

    // MARK: Hash, chunks, memory

    @Test func sha256IsTheWholeFilesDigest() throws {
        let contents = Array(("\u{FEFF}" + Sample.ij(Sample.ijBody).replacingOccurrences(of: "\n", with: "\r\n")).utf8)
        let expected = Sodium.sha256(contents)
        for chunkSize in [1, 7, 64, BatchFileParser.defaultChunkSize] {
            let outcome = try parse(bytes: contents, chunkSize: chunkSize)
            #expect(outcome.outcome == "ok")
            #expect(outcome.sha256 == expected, "chunk size \(chunkSize)")
        }
        let file = try TemporaryFile(bytes: contents)
        #expect(try BatchFileParser.sha256(ofFileAt: file.path, chunkSize: 5) == expected)
        #expect(try BatchFileParser.sha256(ofFileAt: file.path) != Sodium.sha256(Array(contents.dropLast())))
    }

    @Test func aRejectedFileStillGivesItsWholeDigest() throws {
        var body = Sample.ijBody
        body[0] = Sample.replacing(body[0], field: 4, with: "2021-02-30")
        let contents = Array(Sample.ij(body).utf8)
        let file = try TemporaryFile(bytes: contents)
        let parser = try BatchFileParser(path: file.path, chunkSize: 16)
        _ = try parser.header()
        #expect(throws: FileRejection.self) { _ = try parser.next() }
        #expect(parser.sha256 == nil)
        #expect(try parser.finishDigest() == Sodium.sha256(contents))
        // The rejection sticks.
        let again = #expect(throws: FileRejection.self) { _ = try parser.next() }
        #expect(again?.reason == .invalidField)
        #expect(again?.lineNumber == 2)
    }

    @Test func nextReturnsNilAfterTheEndAndTheHeaderIsCached() throws {
        let file = try TemporaryFile(Sample.ij(Sample.ijBody))
        let parser = try BatchFileParser(path: file.path)
        #expect(parser.trailer == nil)
        var count = 0
        while try parser.next() != nil { count += 1 }
        #expect(count == 2)
        #expect(try parser.next() == nil)
        #expect(try parser.header().batchID == "LOT-IJ-20210618")
        #expect(parser.trailer == BatchTrailer(recordCount: 7, count1: 2, count2: 3, controlAmount: Cents(55_380 + 28_750)))
        #expect(parser.lineCount == 7)
        #expect(parser.byteCount == Int64(Sample.ij(Sample.ijBody).utf8.count))
    }

    @Test func unreadableFilesThrowAReadErrorNotARejection() {
        #expect(throws: BatchFileReadError.self) { _ = try BatchFileParser(path: "/nonexistent/ocso/batch.txt") }
    }

    @Test func linesSplitAcrossChunksParseIdentically() throws {
        let text = Sample.ij(Sample.ijBody + [
            "R;P2021061803;1234567;99999999800019;2021-07-01;-10.00",
            "L;P2021061803;MAT001;ÉLÉONORE D'ARC-EN-CIEL;2021-06-01;2021-06-01;ATP;1;0.00;-10.00;0.00",
        ])
        let reference = try parse(text)
        #expect(reference.outcome == "ok")
        #expect(reference.payments.count == 3)
        for chunkSize in [1, 2, 3, 7, 13, 64, 1000] {
            let outcome = try parse(text, chunkSize: chunkSize)
            #expect(outcome.outcome == "ok", "chunk size \(chunkSize)")
            #expect(outcome.items == reference.items, "chunk size \(chunkSize)")
            #expect(outcome.sha256 == reference.sha256)
            #expect(outcome.bufferHighWaterBytes <= chunkSize + BatchFileParser.maxLineLength + 2)
        }
    }

    /// 200,002 lines: the parser holds one chunk-sized buffer and one payment group, never the file.
    @Test func memoryIsBoundedWhateverTheFileSize() throws {
        let directory = try TemporaryFile(bytes: [])
        let path = directory.directory + "/large.txt"
        try Sample.writeLargeIJ(to: path, payments: 50_000, linesPerPayment: 3)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let chunkSize = 64 * 1024
        let parser = try BatchFileParser(path: path, chunkSize: chunkSize)
        var payments = 0
        var lines = 0
        while let parsed = try parser.next() {
            guard case .payment(let payment) = parsed.item, !parsed.isRejected else {
                Issue.record("unexpected item \(parsed)")
                break
            }
            payments += 1
            lines += payment.lines.count
        }
        #expect(payments == 50_000)
        #expect(lines == 150_000)
        #expect(parser.lineCount == 200_002)
        #expect(size > 15_000_000)
        #expect(parser.bufferCapacity == chunkSize + BatchFileParser.maxLineLength + 2)
        #expect(parser.bufferHighWaterBytes <= parser.bufferCapacity)
        #expect(parser.bufferHighWaterBytes < size / 100)
        #expect(parser.maxPendingLines == 3)
    }
}
