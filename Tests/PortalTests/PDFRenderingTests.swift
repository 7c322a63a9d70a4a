import Foundation
import Portal
import Testing

/// `PDFDocument` renders through cairo: checked the way a reader sees the file, with poppler's
/// `pdftotext` and `pdfinfo` (poppler-utils), not by looking for bytes of a writer of our own.
@Suite struct PDFRenderingTests {
    static func sample() -> PDFDocument {
        var pdf = PDFDocument(title: "Attestation d'adhésion")
        pdf.heading("Assuré (principal)")
        pdf.fields([("Matricule", "123456700002"), ("Nom", "DUBOIS MARTIN"), ("Adresse", "3 rue de l'arc en ciel\n33700 MERIGNAC"),
                    ("Bénéficiaire", "Élise Ô ç")])
        pdf.paragraph("Règlement du 18/06/2021 : à reporter sur le décompte, façon « ÉCOLE » — coût 553,80 € (net).")
        pdf.heading("Indemnités journalières")
        pdf.table(columns: [PDFDocument.Column("Période indemnisée", width: 150), PDFDocument.Column("Nature", width: 90),
                            PDFDocument.Column("Jours", width: 50, alignment: .right),
                            PDFDocument.Column("Montant", width: 80, alignment: .right)],
                  rows: [["07/05/2021 au 26/05/2021", "Ind.Jour. Maladie", "20", "553,80\u{00A0}€"],
                         ["28/05/2021", "Ind.Jour. Maternité", "3", "1\u{202F}162,98\u{00A0}€"]])
        return pdf
    }

    static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/usr/local/bin/", "/opt/homebrew/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let popplerInstalled = tool("pdftotext") != nil && tool("pdfinfo") != nil

    /// Runs a poppler tool on `bytes` written to a temporary file; its standard output.
    static func poppler(_ name: String, _ arguments: [String], _ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "pdf-rendering-\(UUID().uuidString).pdf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(tool(name)))
        process.arguments = arguments + [path] + (name == "pdftotext" ? ["-"] : [])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(name) failed")
        return output
    }

    /// The text of the file, no-break spaces read as spaces (French amounts use them).
    static func text(_ bytes: [UInt8], layout: Bool = true, pages: ClosedRange<Int>? = nil) throws -> String {
        var arguments = ["-enc", "UTF-8"]
        if layout { arguments.append("-layout") }
        if let pages { arguments += ["-f", String(pages.lowerBound), "-l", String(pages.upperBound)] }
        return try poppler("pdftotext", arguments, bytes)
            .replacingOccurrences(of: "\u{00A0}", with: " ").replacingOccurrences(of: "\u{202F}", with: " ")
    }

    static func info(_ bytes: [UInt8]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try poppler("pdfinfo", ["-enc", "UTF-8"], bytes).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    @Test func isAPDFFileFromCairo() throws {
        let bytes = try Self.sample().rendered()
        #expect(Array(bytes.prefix(9)) == Array("%PDF-1.4\n".utf8))
        let tail = String(decoding: bytes.suffix(32), as: UTF8.self)
        #expect(tail.contains("%%EOF"))
        #expect(Self.sample().render() == bytes)
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func hasA4PagesMetadataAndAnEmbeddedUnicodeFont() throws {
        let bytes = try Self.sample().rendered()
        let info = try Self.info(bytes)
        #expect(info["Pages"] == "1")
        #expect(info["Title"] == "Attestation d'adhésion")
        #expect(info["Author"] == "OCSO")
        #expect(info["Page size"]?.hasPrefix("595.28 x 841.89 pts") == true, "\(info["Page size"] ?? "nil")")
        #expect(info["PDF version"] == "1.4")
        #expect(info["CreationDate"] == nil, "no creation date unless given")
        let fonts = try Self.poppler("pdffonts", [], bytes)
        #expect(fonts.contains("DejaVuSans-Bold"))
        #expect(fonts.contains("DejaVuSans "))
        let lines = fonts.split(separator: "\n").dropFirst(2)
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.contains(" yes ") }, "every font embedded (and subset) with a ToUnicode map: \(fonts)")
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func frenchTextComesBackExactly() throws {
        let text = try Self.text(try Self.sample().rendered())
        #expect(text.contains("Attestation d'adhésion"))
        #expect(text.contains("Indemnités journalières"))
        #expect(text.contains("Assuré (principal)"))
        #expect(text.contains("Élise Ô ç"))
        #expect(text.contains("façon « ÉCOLE » — coût 553,80 € (net)."))
        #expect(text.contains("553,80 €"))
        #expect(text.contains("1 162,98 €"))
        #expect(text.contains("Ind.Jour. Maternité"))
        #expect(text.contains("Page 1 / 1"))
        // Characters outside Latin-1 too: the font is Unicode.
        var other = PDFDocument(title: "Œuvre")
        other.paragraph("cœur Ÿ ‰ ≤ ½ ł")
        #expect(try Self.text(try other.rendered()).contains("cœur Ÿ ‰ ≤ ½ ł"))
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func fieldsKeepTheirOrderAndLabelsSitBesideValues() throws {
        let lines = try Self.text(try Self.sample().rendered()).split(separator: "\n").map(String.init)
        func line(_ needle: String) -> Int? { lines.firstIndex { $0.contains(needle) } }
        let matricule = try #require(line("Matricule"))
        let name = try #require(line("Nom "))
        let address = try #require(line("Adresse"))
        let beneficiary = try #require(line("Bénéficiaire"))
        #expect(matricule < name && name < address && address < beneficiary)
        #expect(lines[matricule].contains("123456700002"))
        #expect(lines[name].contains("DUBOIS MARTIN"))
        #expect(lines[address].contains("3 rue de l'arc en ciel"))
        #expect(lines[address + 1].contains("33700 MERIGNAC"), "a line break in a value starts a new line")
    }

    /// Words with their boxes (`pdftotext -bbox`): text and right edge, in reading order.
    static func words(_ bytes: [UInt8]) throws -> [(text: String, xMin: Double, xMax: Double)] {
        try poppler("pdftotext", ["-enc", "UTF-8", "-bbox"], bytes).split(separator: "\n").compactMap { line in
            guard line.contains("<word"), let open = line.firstIndex(of: ">"), let close = line.range(of: "</word>") else { return nil }
            func attribute(_ name: String) -> Double? {
                guard let start = line.range(of: name + "=\"") else { return nil }
                return Double(line[start.upperBound...].prefix { $0 != "\"" })
            }
            guard let xMin = attribute("xMin"), let xMax = attribute("xMax") else { return nil }
            return (String(line[line.index(after: open)..<close.lowerBound]), xMin, xMax)
        }
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func rightAlignedColumnsEndTogether() throws {
        let all = try Self.words(try Self.sample().rendered())
        let words = all.drop { $0.text != "Période" }
        // "Jours" header and the day counts, then the amounts: same right edge within a column.
        let days = words.filter { ["Jours", "20", "3"].contains($0.text) }.map(\.xMax)
        #expect(days.count == 3)
        #expect(days.allSatisfy { abs($0 - days[0]) < 0.5 }, "\(days)")
        let amounts = words.filter { ["Montant", "€", "553,80\u{00A0}€", "162,98\u{00A0}€"].contains($0.text) }.map(\.xMax)
        #expect(amounts.count >= 3, "\(words.map(\.text))")
        #expect(amounts.allSatisfy { abs($0 - amounts[0]) < 0.5 }, "\(amounts)")
        let periods = words.filter { ["Période", "07/05/2021", "28/05/2021"].contains($0.text) }.map(\.xMin)
        #expect(periods.count == 3)
        #expect(periods.allSatisfy { abs($0 - periods[0]) < 0.5 }, "left-aligned: \(periods)")
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func longTablesBreakPagesRepeatTheirHeaderAndNumberEveryPage() throws {
        var pdf = PDFDocument(title: "Longue liste")
        for index in 1...60 { pdf.paragraph("Ligne numéro \(index)") }
        pdf.table(columns: [("Matricule", 120), ("Nom", 200)], rows: (1...120).map { ["1234567\($0)", "NOM \($0)"] })
        let bytes = try pdf.rendered()
        let pages = try #require(Int(try Self.info(bytes)["Pages"] ?? ""))
        #expect(pages >= 3)
        for page in 1...pages {
            let text = try Self.text(bytes, pages: page...page)
            #expect(text.contains("Page \(page) / \(pages)"), "footer of page \(page)")
            if page >= 2 { #expect(text.contains("Matricule"), "the table header is repeated on page \(page)") }
        }
        // Every row once, in order.
        let all = try Self.text(bytes, layout: false)
        let rows = all.split(separator: "\n").filter { $0.hasPrefix("NOM ") }
        #expect(rows.count == 120)
        #expect(rows.first == "NOM 1" && rows.last == "NOM 120")

        var short = PDFDocument(title: "Court")
        short.paragraph("Une ligne")
        #expect(try Self.info(try short.rendered())["Pages"] == "1")
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func pageBreaksQuestionsAndSignatures() throws {
        var pdf = PDFDocument(title: "Formulaire")
        pdf.paragraph("Première page")
        pdf.signatures(["Signature du salarié", "Signature et cachet de l'employeur"])
        pdf.pageBreak()
        pdf.pageBreak() // a second break at the top of a page adds nothing
        pdf.heading("Questions")
        pdf.questions(["Êtes-vous actuellement en arrêt de travail ?", "Suivez-vous un traitement médical régulier ?"])
        let bytes = try pdf.rendered()
        #expect(try Self.info(bytes)["Pages"] == "2")
        let first = try Self.text(bytes, pages: 1...1)
        #expect(first.contains("Signature du salarié") && first.contains("Signature et cachet de l'employeur"))
        let second = try Self.text(bytes, pages: 2...2)
        #expect(second.contains("1. Êtes-vous actuellement en arrêt de travail ?"))
        #expect(second.contains("2. Suivez-vous un traitement médical régulier ?"))
        #expect(second.components(separatedBy: "Oui").count - 1 == 2)
        #expect(second.components(separatedBy: "Non").count - 1 == 2)
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func wrapsLongParagraphsAndWordsWithinTheMargins() throws {
        var pdf = PDFDocument(title: "T")
        pdf.paragraph(String(repeating: "mot ", count: 300) + String(repeating: "x", count: 400))
        let text = try Self.text(try pdf.rendered(), layout: false)
        let lines = text.split(separator: "\n").filter { $0.contains("mot") || $0.contains("x") }
        #expect(lines.count > 10)
        #expect(lines.allSatisfy { $0.count < 120 }, "no line runs off the page")
        #expect(text.filter { $0 == "x" }.count == 400, "a word too long is cut, not lost")
        #expect(text.components(separatedBy: "mot").count - 1 == 300)
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func controlCharactersNeverCutTheText() throws {
        var pdf = PDFDocument(title: "T\u{0}itre")
        pdf.paragraph("avant\u{0}après\u{7}\ttab\r\nligne")
        let text = try Self.text(try pdf.rendered(), layout: false)
        #expect(text.contains("avant après"))
        #expect(text.contains("tab"))
        #expect(text.contains("ligne"))
    }

    @Test(.enabled(if: popplerInstalled, "poppler-utils is not installed"))
    func isDeterministicWithoutADateAndDatedWhenAsked() throws {
        #expect(try Self.sample().rendered() == (try Self.sample().rendered()))
        var dated = PDFDocument(title: "Daté", creationDate: Date(timeIntervalSince1970: 1_782_000_000))
        dated.paragraph("x")
        let bytes = try dated.rendered()
        // cairo 1.16 writes `(20260621000000Z)`, later versions `(D:20260621000000Z)`: readers take both.
        let date = try Self.info(bytes)["CreationDate"] ?? ""
        #expect(date.contains("Jun 21") && date.contains("2026"), "\(date)")
    }

    @Test func rendersFromManyThreadsAtOnce() async throws {
        let expected = try Self.sample().rendered()
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<8 {
                group.addTask { try await Task.detached { try Self.sample().rendered() }.value }
            }
            for try await bytes in group { #expect(bytes == expected) }
        }
    }
}
