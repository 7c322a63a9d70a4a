import Foundation
import Portal
import Testing

@Suite struct PDFWriterTests {
    static func sample() -> PDFDocument {
        var pdf = PDFDocument(title: "Attestation d'adhésion")
        pdf.heading("Assuré (principal)")
        pdf.fields([("Matricule", "123456700002"), ("Nom", "DUBOIS MARTIN"), ("Adresse", "3 rue de l'arc en ciel\n33700 MERIGNAC")])
        pdf.paragraph("Règlement du 18/06/2021 : à reporter sur le décompte, façon « ÉCOLE » — coût 553,80 € (net).")
        pdf.table(columns: [PDFDocument.Column("Période indemnisée", width: 150), PDFDocument.Column("Nature", width: 90),
                            PDFDocument.Column("Jours", width: 50, alignment: .right),
                            PDFDocument.Column("Montant", width: 80, alignment: .right)],
                  rows: [["07/05/2021 au 26/05/2021", "Ind.Jour. Maladie", "20", "553,80 €"]])
        return pdf
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self) }

    static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= bytes.count else { return false }
        return (0...(bytes.count - needle.count)).contains { start in bytes[start..<(start + needle.count)].elementsEqual(needle) }
    }

    /// The value after `/Count ` in the page tree.
    static func pageCount(_ bytes: [UInt8]) -> Int? {
        let text = text(bytes)
        guard let range = text.range(of: "/Count ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func hasHeaderAndTrailer() {
        let bytes = Self.sample().render()
        #expect(Array(bytes.prefix(9)) == Array("%PDF-1.4\n".utf8))
        #expect(bytes[10...13].allSatisfy { $0 >= 0x80 }) // binary marker comment
        #expect(Self.text(bytes).hasSuffix("%%EOF\n"))
        #expect(Self.text(bytes).contains("/BaseFont /Helvetica /Encoding /WinAnsiEncoding"))
        #expect(Self.text(bytes).contains("/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding"))
        #expect(Self.text(bytes).contains("/MediaBox [0 0 595.28 841.89]"))
    }

    @Test func crossReferenceOffsetsPointAtTheirObjects() throws {
        let bytes = Self.sample().render()
        let text = Self.text(bytes)
        let startxref = try #require(text.range(of: "startxref\n", options: .backwards))
        let offset = try #require(Int(text[startxref.upperBound...].prefix { $0.isNumber }))
        #expect(Array(bytes[offset..<(offset + 5)]) == Array("xref\n".utf8))
        let lines = text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: offset)...]
            .split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        let header = lines[1].split(separator: " ")
        let size = try #require(Int(header[1]))
        #expect(header[0] == "0")
        #expect(lines[2] == "0000000000 65535 f ")
        for number in 1..<size {
            let entry = lines[2 + number]
            #expect(entry.utf8.count == 19) // 20 bytes with the newline
            #expect(entry.hasSuffix(" 00000 n "))
            let objectOffset = try #require(Int(entry.prefix(10)))
            let expected = Array("\(number) 0 obj\n".utf8)
            #expect(Array(bytes[objectOffset..<(objectOffset + expected.count)]) == expected, "object \(number)")
        }
        #expect(text.contains("trailer\n<< /Size \(size) /Root 1 0 R /Info 5 0 R >>"))
        // Every stream's /Length is exact.
        var searchStart = text.startIndex
        while let lengthRange = text.range(of: "<< /Length ", range: searchStart..<text.endIndex) {
            let length = try #require(Int(text[lengthRange.upperBound...].prefix { $0.isNumber }))
            let streamStart = try #require(text.range(of: ">>\nstream\n", range: lengthRange.upperBound..<text.endIndex)).upperBound
            let start = text.utf8.distance(from: text.utf8.startIndex, to: streamStart)
            #expect(Array(bytes[(start + length)..<(start + length + 10)]) == Array("\nendstream".utf8))
            searchStart = streamStart
        }
    }

    @Test func encodesFrenchInWinAnsi() {
        #expect(WinAnsiEncoding.encode("é è à ç ô É €") == [0xE9, 0x20, 0xE8, 0x20, 0xE0, 0x20, 0xE7, 0x20, 0xF4, 0x20, 0xC9, 0x20, 0x80])
        #expect(WinAnsiEncoding.encode("œ Œ « » – ’") == [0x9C, 0x20, 0x8C, 0x20, 0xAB, 0x20, 0xBB, 0x20, 0x96, 0x20, 0x92])
        // Decomposed é (e + combining acute) is the same letter.
        #expect(WinAnsiEncoding.encode("e\u{301}") == [0xE9])
        // Outside CP1252: one question mark per character.
        #expect(WinAnsiEncoding.encode("日本 🇫🇷 ł") == [0x3F, 0x3F, 0x20, 0x3F, 0x20, 0x3F])
        #expect(WinAnsiEncoding.encode("553,80\u{202F}€") == [0x35, 0x35, 0x33, 0x2C, 0x38, 0x30, 0xA0, 0x80])

        var pdf = PDFDocument(title: "Récapitulatif")
        pdf.paragraph("Décès Accident 60,03 €")
        let bytes = pdf.render()
        #expect(Self.contains(bytes, Array("(D".utf8) + [0xE9] + Array("c".utf8) + [0xE8] + Array("s Accident 60,03 ".utf8) + [0x80, 0x29]))
        #expect(!Self.contains(bytes, Array("Décès".utf8))) // never UTF-8 in content streams
    }

    @Test func escapesParenthesesAndBackslashes() {
        var pdf = PDFDocument(title: "T")
        pdf.paragraph(#"a (b) c\d"#)
        let bytes = pdf.render()
        #expect(Self.contains(bytes, Array(#"(a \(b\) c\\d) Tj"#.utf8)))
    }

    @Test func breaksPagesAndNumbersThem() throws {
        var pdf = PDFDocument(title: "Longue liste")
        for index in 1...120 { pdf.paragraph("Ligne numéro \(index)") }
        pdf.table(columns: [("Matricule", 120), ("Nom", 200)], rows: (1...80).map { ["1234567\($0)", "NOM \($0)"] })
        let bytes = pdf.render()
        let pages = try #require(Self.pageCount(bytes))
        #expect(pages >= 3)
        #expect(Self.text(bytes).contains("(Page 1 / \(pages)) Tj"))
        #expect(Self.text(bytes).contains("(Page \(pages) / \(pages)) Tj"))
        #expect(Self.text(bytes).components(separatedBy: "/Type /Page ").count - 1 == pages)
        // The table header is repeated on the page the table continues on.
        #expect(Self.text(bytes).components(separatedBy: "(Matricule) Tj").count - 1 >= 2)

        var short = PDFDocument(title: "Court")
        short.paragraph("Une ligne")
        #expect(Self.pageCount(short.render()) == 1)
    }

    @Test func wrapsLongParagraphsWithinTheMargins() {
        var pdf = PDFDocument(title: "T")
        pdf.paragraph(String(repeating: "mot ", count: 300) + String(repeating: "x", count: 400))
        let text = Self.text(pdf.render())
        #expect(text.components(separatedBy: " Tj ET").count > 10)
        #expect(!text.contains("(" + String(repeating: "mot ", count: 40)))
    }

    @Test func isDeterministic() {
        #expect(Self.sample().render() == Self.sample().render())
        var dated = PDFDocument(title: "Daté", creationDate: Date(timeIntervalSince1970: 1_782_000_000))
        dated.paragraph("x")
        #expect(Self.text(dated.render()).contains("/CreationDate (D:20260621000000Z)"))
        #expect(!Self.text(Self.sample().render()).contains("/CreationDate"))
    }

    static let pdftotext: String? = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext", "/opt/homebrew/bin/pdftotext"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A real reader's view of the file (poppler-utils): the accents and € come back as written.
    @Test(.enabled(if: pdftotext != nil, "pdftotext (poppler-utils) is not installed"))
    func textExtractsWithAccentsAndEuro() throws {
        let path = NSTemporaryDirectory() + "pdfwriter-\(UUID().uuidString).pdf"
        try Data(Self.sample().render()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.pdftotext!)
        process.arguments = ["-enc", "UTF-8", "-layout", path, "-"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.contains("Attestation d'adhésion"))
        #expect(output.contains("553,80 €"))
        #expect(output.contains("Assuré (principal)"))
        #expect(output.contains("façon « ÉCOLE » — coût"))
        #expect(output.contains("Page 1 / 1"))
    }
}
