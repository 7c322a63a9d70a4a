import Foundation
@testable import OCSOBatch
import Postgres

/// A file in a fresh temporary directory, removed when the value goes away.
final class TemporaryFile {
    let directory: String
    let path: String

    init(bytes: [UInt8], name: String = "batch.txt") throws {
        directory = NSTemporaryDirectory() + "ocso-batch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    convenience init(_ text: String) throws {
        try self.init(bytes: Array(text.utf8))
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Everything one parse produced: the items until the end or the file-level rejection.
struct ParseOutcome {
    var header: BatchHeader?
    var items: [ParsedItem] = []
    var rejection: FileRejection?
    var trailer: BatchTrailer?
    var sha256: [UInt8]?
    var lineCount = 0
    var bufferCapacity = 0
    var bufferHighWaterBytes = 0
    var maxPendingLines = 0

    var payments: [IJPayment] {
        items.compactMap { if case .payment(let payment) = $0.item { payment } else { nil } }
    }

    var itemRejections: [ItemRejection] { items.flatMap(\.rejections) }

    /// The rejection's reason, or "ok" when the file parsed to the end.
    var outcome: String { rejection?.reason.rawValue ?? "ok" }
}

func parse(bytes: [UInt8], chunkSize: Int = BatchFileParser.defaultChunkSize,
           maxLineLength: Int = BatchFileParser.maxLineLength) throws -> ParseOutcome {
    let file = try TemporaryFile(bytes: bytes)
    return try parse(path: file.path, chunkSize: chunkSize, maxLineLength: maxLineLength)
}

func parse(_ text: String, chunkSize: Int = BatchFileParser.defaultChunkSize) throws -> ParseOutcome {
    try parse(bytes: Array(text.utf8), chunkSize: chunkSize)
}

func parse(path: String, chunkSize: Int = BatchFileParser.defaultChunkSize,
           maxLineLength: Int = BatchFileParser.maxLineLength) throws -> ParseOutcome {
    let parser = try BatchFileParser(path: path, chunkSize: chunkSize, maxLineLength: maxLineLength)
    var outcome = ParseOutcome()
    do {
        outcome.header = try parser.header()
        while let item = try parser.next() {
            outcome.items.append(item)
        }
    } catch let rejection as FileRejection {
        outcome.rejection = rejection
    }
    outcome.trailer = parser.trailer
    outcome.sha256 = parser.sha256
    outcome.lineCount = parser.lineCount
    outcome.bufferCapacity = parser.bufferCapacity
    outcome.bufferHighWaterBytes = parser.bufferHighWaterBytes
    outcome.maxPendingLines = parser.maxPendingLines
    return outcome
}

enum Sample {
    static let ijHeader = "H;IJ;1;LOT-IJ-20210618;2021-06-18T22:14:03+02:00;OCSO Gestion"
    static let affHeader = "H;AFF;1;LOT-AFF-20210618;2021-06-18T22:14:03+02:00;OCSO Gestion"

    static let client = "1234567"
    static let siret = "99999999800019"

    /// The guide's worked example: 07/05/2021 to 26/05/2021, 20 × (60.03 − 32.34) + 0.00 = 553.80,
    /// paid on 18/06/2021.
    static let guideR = "R;P2021061801;1234567;99999999800019;2021-06-18;553.80"
    static let guideL = "L;P2021061801;MAT001;DUPONT JEAN;2021-05-07;2021-05-26;MAL;20;32.34;0.00;60.03"

    /// A second, two-line payment: 10 × (45.00 − 30.00) + 0.00 + 5 × (50.00 − 20.00) − 12.50 = 287.50.
    static let secondPayment = [
        "R;P2021061802;A1B2C3D;12345678210001;2021-06-18;287.50",
        "L;P2021061802;MAT002;MARTIN Élodie;2021-03-01;2021-03-10;MAT;10;30.00;0.00;45.00",
        "L;P2021061802;MAT003;N'GUYEN-LÉA;2021-02-24;2021-02-28;TPT;5;20.00;-12.50;50.00",
    ]

    static var ijBody: [String] { [guideR, guideL] + secondPayment }

    /// An IJ file with a trailer computed from the body: records, R count, L count, sum of R amounts.
    static func ij(_ body: [String], header: String = ijHeader, trailer: String? = nil) -> String {
        let lines = [header] + body + [trailer ?? ijTrailer(body)]
        return lines.joined(separator: "\n") + "\n"
    }

    static func ijTrailer(_ body: [String], recordDelta: Int = 0, count1Delta: Int = 0, count2Delta: Int = 0,
                          controlDelta: Int64 = 0) -> String {
        let records = body.filter { $0.hasPrefix("R;") }
        let lines = body.filter { $0.hasPrefix("L;") }.count
        let control = records.reduce(Int64(0)) { sum, record in
            let fields = record.split(separator: ";", omittingEmptySubsequences: false)
            return sum + (fields.count > 5 ? Cents(decimal: String(fields[5]))?.value ?? 0 : 0)
        }
        return "T;\(body.count + 2 + recordDelta);\(records.count + count1Delta);\(lines + count2Delta);\(Cents(control + controlDelta))"
    }

    static let affBody = [
        "C;CTR-PREV-01;1234567;PREVOYANCE;Salarié ne relevant pas de la CCN 1947;DSN-0001;2020-01-01;",
        "C;CTR-SANTE-01;1234567;SANTE;Cadres;DSN-0002;2019-01-01;2025-12-31",
        "G;CTR-PREV-01;INCAP;Incapacité temporaire de travail;TRIMESTRIEL_ECHU;OCSO",
        "I;1234567;MAT001;DUPONT;Jean;185057800608491;1985-05-12;12 rue de la Paix;75002;Paris",
        "I;1234567;MAT004;CASANOVA;Marie;285122A00401235;1985-12-03;Route des Sanguinaires;20000;Ajaccio",
        "A;MAT001;CTR-PREV-01;2020-01-01;;",
        "A;MAT001;CTR-SANTE-01;2019-01-01;2023-06-30;2024-06-30",
        "B;MAT001;DUPONT;Claire;CJ;1987-09-21;2019-01-01;;",
        "B;MAT001;DUPONT;Léo;EA;2015-04-02;2019-01-01;2026-12-31;2024-01-31",
    ]

    static func aff(_ body: [String], header: String = affHeader, trailer: String? = nil) -> String {
        let lines = [header] + body + [trailer ?? affTrailer(body)]
        return lines.joined(separator: "\n") + "\n"
    }

    static func affTrailer(_ body: [String], recordDelta: Int = 0, count1Delta: Int = 0, count2Delta: Int = 0,
                           control: String = "0.00") -> String {
        let count1 = body.filter { $0.hasPrefix("C;") || $0.hasPrefix("G;") }.count
        let count2 = body.filter { $0.hasPrefix("I;") || $0.hasPrefix("A;") || $0.hasPrefix("B;") }.count
        return "T;\(body.count + 2 + recordDelta);\(count1 + count1Delta);\(count2 + count2Delta);\(control)"
    }

    /// `line` with field `index` (0 = record type) replaced.
    static func replacing(_ line: String, field index: Int, with value: String) -> String {
        var fields = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        fields[index] = value
        return fields.joined(separator: ";")
    }

    /// A generated IJ file of `payments` payments with `linesPerPayment` lines each, written in
    /// pieces (never held whole in memory).
    static func writeLargeIJ(to path: String, payments: Int, linesPerPayment: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var text = ijHeader + "\n"
        var control: Int64 = 0
        for number in 0..<payments {
            let ref = "P\(100_000_000 + number)"
            // Each line: 20 days from 2021-05-07, 20 × (60.03 − 32.34) = 553.80.
            let amount = Cents(55_380 * Int64(linesPerPayment))
            control += amount.value
            text += "R;\(ref);\(client);\(siret);2021-06-18;\(amount)\n"
            for line in 0..<linesPerPayment {
                text += "L;\(ref);MAT\(number % 5000)X\(line);BÉNÉFICIAIRE \(number);2021-05-07;2021-05-26;MAL;20;32.34;0.00;60.03\n"
            }
            if text.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        text += "T;\(payments * (1 + linesPerPayment) + 2);\(payments);\(payments * linesPerPayment);\(Cents(control))\n"
        try handle.write(contentsOf: Data(text.utf8))
    }
}
