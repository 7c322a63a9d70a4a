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
/// Text is set in Helvetica / Helvetica-Bold with WinAnsiEncoding (French accents and €); other
/// characters print as `?`. The output depends only on the input: same document, same bytes.
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
    /// Written to /Info as /CreationDate when set; left out otherwise so output stays reproducible.
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

    /// The complete PDF 1.4 file.
    public func render() -> [UInt8] {
        let pages = PDFLayout(title: title).layOut(blocks)
        return PDFWriter(title: title, author: author, creationDate: creationDate).write(pages: pages)
    }
}
