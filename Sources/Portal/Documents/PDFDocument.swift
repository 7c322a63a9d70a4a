import Foundation

/// A simple A4 portrait document (attestations, décomptes, blank forms): a title, then blocks laid
/// out top to bottom with automatic page breaks and "Page n / N" in every footer.
///
///     var pdf = PDFDocument(title: "Attestation d'adhésion")
///     pdf.heading("Assuré")
///     pdf.fields([("Matricule", "123456700002"), ("Nom", "DUBOIS MARTIN")])
///     pdf.table(columns: [("Période", 200), ("Montant", 80)], rows: [["07/05/2021 au 26/05/2021", "553,80 €"]])
///     let bytes = pdf.render()
///
/// Rendered by cairo (`CCairo`) into a PDF 1.4 file with the DejaVu Sans subset it uses embedded:
/// any UTF-8 text prints as written (accents, €, no-break spaces) and comes back from text
/// extraction. Without a creation date the output depends only on the input.
public struct PDFDocument: Sendable {
    public enum Alignment: Sendable {
        case left
        case right
    }

    public struct Column: Sendable {
        public var title: String
        /// In points (A4 is 595 wide; the text area 483). Columns wider in total are scaled down.
        public var width: Double
        public var alignment: Alignment

        public init(_ title: String, width: Double, alignment: Alignment = .left) {
            self.title = title
            self.width = width
            self.alignment = alignment
        }
    }

    public enum Block: Sendable {
        /// Bold, larger, kept with what follows.
        case heading(String)
        /// Wrapped to the text width; `\n` starts a new line.
        case paragraph(String)
        /// Label in bold, value beside it (wrapped).
        case fields([Field])
        /// A header row repeated on every page the table spans; cells wrap within their column.
        case table(columns: [Column], rows: [[String]])
        /// Vertical space, in points.
        case spacer(Double)
        /// What follows starts on a new page.
        case pageBreak
        /// Numbered questions, each followed on the right by a box to tick per option ("Oui", "Non").
        case questions([String], options: [String])
        /// Side-by-side boxes to sign in, each under its label.
        case signatures([String])
    }

    public struct Field: Sendable {
        public var label: String
        public var value: String

        public init(_ label: String, _ value: String) {
            self.label = label
            self.value = value
        }
    }

    public var title: String
    /// Written to the document information as /CreationDate when set; left out otherwise so the
    /// output stays reproducible.
    public var creationDate: Date?
    /// /Author in /Info.
    public var author: String?
    public private(set) var blocks: [Block] = []

    public init(title: String, author: String? = "OCSO", creationDate: Date? = nil) {
        self.title = title
        self.author = author
        self.creationDate = creationDate
    }

    public mutating func add(_ block: Block) { blocks.append(block) }

    public mutating func heading(_ text: String) { blocks.append(.heading(text)) }

    public mutating func paragraph(_ text: String) { blocks.append(.paragraph(text)) }

    public mutating func fields(_ pairs: [(String, String)]) { blocks.append(.fields(pairs.map { Field($0.0, $0.1) })) }

    public mutating func table(columns: [Column], rows: [[String]]) { blocks.append(.table(columns: columns, rows: rows)) }

    /// Columns as `(title, width in points)`, all left-aligned.
    public mutating func table(columns: [(String, Double)], rows: [[String]]) {
        table(columns: columns.map { Column($0.0, width: $0.1) }, rows: rows)
    }

    public mutating func spacer(_ points: Double = 12) { blocks.append(.spacer(points)) }

    public mutating func pageBreak() { blocks.append(.pageBreak) }

    public mutating func questions(_ questions: [String], options: [String] = ["Oui", "Non"]) {
        blocks.append(.questions(questions, options: options))
    }

    public mutating func signatures(_ labels: [String]) { blocks.append(.signatures(labels)) }

    /// The complete PDF file, or the reason cairo could not produce it (out of memory).
    public func rendered() throws -> [UInt8] {
        let canvas = try PDFCanvas(width: PDFLayout.pageWidth, height: PDFLayout.pageHeight, title: title, author: author,
                                   creationDate: creationDate)
        for page in PDFLayout.layOut(title: title, blocks: blocks, on: canvas) {
            for drawing in page {
                switch drawing {
                case .text(let text, let font, let x, let baseline):
                    canvas.text(text, font, x: x, baseline: baseline)
                case .line(let x1, let y1, let x2, let y2, let gray, let width):
                    canvas.line(from: (x1, y1), to: (x2, y2), gray: gray, width: width)
                case .box(let x, let y, let width, let height, let gray, let lineWidth):
                    canvas.box(x: x, y: y, width: width, height: height, gray: gray, lineWidth: lineWidth)
                case .fill(let x, let y, let width, let height, let gray):
                    canvas.fill(x: x, y: y, width: width, height: height, gray: gray)
                }
            }
            canvas.endPage()
        }
        return try canvas.finish()
    }

    /// The complete PDF file; empty in the one case cairo fails (out of memory). Seeds use it;
    /// request handlers use `rendered()` so that a failure is an error, not an empty download.
    public func render() -> [UInt8] {
        (try? rendered()) ?? []
    }
}
