import Foundation

/// Serialises laid-out pages as a PDF 1.4 file: catalog, page tree, two standard fonts, one
/// uncompressed content stream per page, /Info, a cross-reference table with exact byte offsets.
struct PDFWriter {
    let title: String
    let author: String?
    let creationDate: Date?

    // Fixed object numbers; pages and their contents follow in pairs from 6.
    private static let catalog = 1
    private static let pageTree = 2
    private static let regularFont = 3
    private static let boldFont = 4
    private static let info = 5

    func write(pages: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        // The comment of four high bytes tells transfer tools the file is binary.
        out += Array("%PDF-1.4\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3] + [0x0A]
        let pageObjects = pages.indices.map { 6 + 2 * $0 }
        let objectCount = 5 + 2 * pages.count
        var offsets = [Int](repeating: 0, count: objectCount + 1)

        func object(_ number: Int, _ body: [UInt8]) {
            offsets[number] = out.count
            out += Array("\(number) 0 obj\n".utf8)
            out += body
            out += Array("\nendobj\n".utf8)
        }
        func object(_ number: Int, _ body: String) { object(number, Array(body.utf8)) }

        object(Self.catalog, "<< /Type /Catalog /Pages \(Self.pageTree) 0 R >>")
        let kids = pageObjects.map { "\($0) 0 R" }.joined(separator: " ")
        object(Self.pageTree, "<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>")
        for (number, font) in [(Self.regularFont, PDFFont.regular), (Self.boldFont, PDFFont.bold)] {
            object(number, "<< /Type /Font /Subtype /Type1 /BaseFont /\(font.baseFont) /Encoding /WinAnsiEncoding >>")
        }
        var info = "<< /Title \(WinAnsiEncoding.utf16Hex(title)) /Producer \(WinAnsiEncoding.utf16Hex("Espace Employeur OCSO"))"
        if let author { info += " /Author \(WinAnsiEncoding.utf16Hex(author))" }
        if let creationDate { info += " /CreationDate (\(Self.pdfDate(creationDate)))" }
        object(Self.info, info + " >>")

        let mediaBox = "[0 0 \(PDFLayout.number(PDFLayout.pageWidth)) \(PDFLayout.number(PDFLayout.pageHeight))]"
        for (index, content) in pages.enumerated() {
            let page = pageObjects[index]
            object(page, "<< /Type /Page /Parent \(Self.pageTree) 0 R /MediaBox \(mediaBox) "
                + "/Resources << /Font << /F1 \(Self.regularFont) 0 R /F2 \(Self.boldFont) 0 R >> >> /Contents \(page + 1) 0 R >>")
            object(page + 1, Array("<< /Length \(content.count) >>\nstream\n".utf8) + content + Array("\nendstream".utf8))
        }

        let xref = out.count
        out += Array("xref\n0 \(objectCount + 1)\n".utf8)
        out += Array("0000000000 65535 f \n".utf8)
        for number in 1...objectCount {
            let digits = String(offsets[number])
            out += Array((String(repeating: "0", count: max(0, 10 - digits.count)) + digits + " 00000 n \n").utf8)
        }
        out += Array("trailer\n<< /Size \(objectCount + 1) /Root \(Self.catalog) 0 R /Info \(Self.info) 0 R >>\n".utf8)
        out += Array("startxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    /// `D:YYYYMMDDHHmmSSZ`, in UTC.
    static func pdfDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "D:\(parts.year ?? 1970)\(two(parts.month))\(two(parts.day))\(two(parts.hour))\(two(parts.minute))\(two(parts.second))Z"
    }
}
