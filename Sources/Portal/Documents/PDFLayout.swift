/// Lays blocks out on A4 pages as drawing operations, measuring text with the canvas they will
/// be drawn on. Pages are laid out before anything is drawn so that every footer can say
/// "Page n / N". Coordinates are points from the top-left corner, y growing downwards.
struct PDFLayout {
    static let pageWidth = 595.28
    static let pageHeight = 841.89
    static let margin = 56.0
    /// Content stops here; the footer lives below.
    static let bottomLimit = pageHeight - 64
    static var textWidth: Double { pageWidth - 2 * margin }
    static let cellGap = 6.0
    static let fieldLabelWidth = 160.0

    enum Drawing {
        case text(String, PDFFont, x: Double, baseline: Double)
        case line(x1: Double, y1: Double, x2: Double, y2: Double, gray: Double, width: Double)
        case box(x: Double, y: Double, width: Double, height: Double, gray: Double, lineWidth: Double)
        case fill(x: Double, y: Double, width: Double, height: Double, gray: Double)
    }

    private let canvas: PDFCanvas
    private(set) var pages: [[Drawing]] = []
    private var current: [Drawing] = []
    /// Top of the free space on the current page.
    private var y = 0.0

    init(canvas: PDFCanvas) {
        self.canvas = canvas
    }

    /// The pages of `blocks` under `title`, footers included.
    static func layOut(title: String, blocks: [PDFDocument.Block], on canvas: PDFCanvas) -> [[Drawing]] {
        var layout = PDFLayout(canvas: canvas)
        layout.startPage()
        for line in layout.wrap(title, .title, width: textWidth) {
            layout.textLine(line, .title, x: margin)
        }
        layout.rule(at: layout.y + 4, gray: 0.3, width: 0.8)
        layout.y += 14
        for block in blocks {
            layout.place(block)
        }
        return layout.finish(title: title)
    }

    // MARK: Blocks

    private mutating func place(_ block: PDFDocument.Block) {
        switch block {
        case .heading(let text):
            let lines = wrap(text, .heading, width: Self.textWidth)
            if !isAtTopOfPage { y += 8 }
            // Keep the heading with at least two lines of what follows.
            ensureSpace(Double(lines.count) * PDFFont.heading.leading + 2 * PDFFont.body.leading)
            for line in lines { textLine(line, .heading, x: Self.margin) }
            y += 2
        case .paragraph(let text):
            for line in wrap(text, .body, width: Self.textWidth) {
                ensureSpace(PDFFont.body.leading)
                textLine(line, .body, x: Self.margin)
            }
            y += 4
        case .fields(let fields):
            for field in fields { place(field) }
            y += 4
        case .table(let columns, let rows):
            placeTable(columns: columns, rows: rows)
        case .spacer(let points):
            y += max(0, min(points, Self.bottomLimit))
            if y > Self.bottomLimit { startPage() }
        case .pageBreak:
            if !isAtTopOfPage { startPage() }
        case .questions(let questions, let options):
            placeQuestions(questions, options: options)
        case .signatures(let labels):
            placeSignatures(labels)
        }
    }

    private mutating func place(_ field: PDFDocument.Field) {
        let labels = wrap(field.label, .label, width: Self.fieldLabelWidth - Self.cellGap)
        let values = wrap(field.value, .body, width: Self.textWidth - Self.fieldLabelWidth)
        let count = max(labels.count, values.count)
        // A short field stays on one page.
        if count <= 4 { ensureSpace(Double(count) * PDFFont.body.leading) }
        for index in 0..<count {
            ensureSpace(PDFFont.body.leading)
            let baseline = y + PDFFont.body.size
            if index < labels.count { current.append(.text(labels[index], .label, x: Self.margin, baseline: baseline)) }
            if index < values.count {
                current.append(.text(values[index], .body, x: Self.margin + Self.fieldLabelWidth, baseline: baseline))
            }
            y += PDFFont.body.leading
        }
    }

    private struct PlacedColumn {
        var x: Double
        var width: Double
        var alignment: PDFDocument.Alignment
    }

    private mutating func placeTable(columns: [PDFDocument.Column], rows: [[String]]) {
        guard !columns.isEmpty else { return }
        let total = columns.reduce(0) { $0 + max(0, $1.width) }
        let scale = total > Self.textWidth ? Self.textWidth / total : 1
        var placed: [PlacedColumn] = []
        var x = Self.margin
        for column in columns {
            let width = max(0, column.width) * scale
            placed.append(PlacedColumn(x: x, width: width, alignment: column.alignment))
            x += width
        }
        let right = min(x, Self.margin + Self.textWidth)
        let header = columns.map(\.title)
        let headerCells = cellLines(header, columns: placed, font: .headerCell)
        let headerHeight = rowHeight(headerCells, font: .headerCell)
        // A header alone at the bottom of a page is useless: require room for one row too.
        let firstRow = rows.first.map { rowHeight(cellLines($0, columns: placed, font: .cell), font: .cell) } ?? 0
        ensureSpace(headerHeight + firstRow)
        placeRow(headerCells, columns: placed, font: .headerCell, right: right, isHeader: true)
        for row in rows {
            let cells = cellLines(row, columns: placed, font: .cell)
            let height = rowHeight(cells, font: .cell)
            if y + height > Self.bottomLimit, y > Self.margin + headerHeight {
                startPage()
                placeRow(headerCells, columns: placed, font: .headerCell, right: right, isHeader: true)
            }
            placeRow(cells, columns: placed, font: .cell, right: right, isHeader: false)
        }
        y += 8
    }

    private func cellLines(_ row: [String], columns: [PlacedColumn], font: PDFFont) -> [[String]] {
        columns.indices.map { index in
            wrap(index < row.count ? row[index] : "", font, width: max(1, columns[index].width - Self.cellGap))
        }
    }

    private func rowHeight(_ cells: [[String]], font: PDFFont) -> Double {
        Double(max(1, cells.map(\.count).max() ?? 1)) * font.leading + 4
    }

    private mutating func placeRow(_ cells: [[String]], columns: [PlacedColumn], font: PDFFont, right: Double, isHeader: Bool) {
        let height = rowHeight(cells, font: font)
        if isHeader { current.append(.fill(x: Self.margin, y: y, width: right - Self.margin, height: height, gray: 0.9)) }
        for (index, lines) in cells.enumerated() {
            let column = columns[index]
            for (number, line) in lines.enumerated() {
                let baseline = y + 2 + font.size + Double(number) * font.leading
                let x = column.alignment == .left
                    ? column.x + 2
                    : column.x + column.width - Self.cellGap + 2 - canvas.width(line, font)
                current.append(.text(line, font, x: x, baseline: baseline))
            }
        }
        y += height
        rule(from: Self.margin, to: right, at: y, gray: isHeader ? 0.2 : 0.75, width: 0.4)
    }

    /// Each question with a small box before every option, on the right.
    private mutating func placeQuestions(_ questions: [String], options: [String]) {
        let boxSize = 8.0
        let optionWidths = options.map { canvas.width($0, .body) + boxSize + 4 + 14 }
        let optionsWidth = optionWidths.reduce(0, +)
        let questionWidth = max(100, Self.textWidth - optionsWidth - 12)
        for (number, question) in questions.enumerated() {
            let lines = wrap("\(number + 1). \(question)", .body, width: questionWidth)
            ensureSpace(Double(lines.count) * PDFFont.body.leading + 4)
            var x = Self.margin + Self.textWidth - optionsWidth
            for (index, option) in options.enumerated() {
                current.append(.box(x: x, y: y + 2, width: boxSize, height: boxSize, gray: 0, lineWidth: 0.6))
                current.append(.text(option, .body, x: x + boxSize + 4, baseline: y + PDFFont.body.size))
                x += optionWidths[index]
            }
            for line in lines { textLine(line, .body, x: Self.margin) }
            y += 4
        }
        y += 4
    }

    /// Side-by-side boxes to sign in, each with its label above.
    private mutating func placeSignatures(_ labels: [String]) {
        guard !labels.isEmpty else { return }
        let gap = 16.0
        let width = (Self.textWidth - gap * Double(labels.count - 1)) / Double(labels.count)
        let wrapped = labels.map { wrap($0, .label, width: width) }
        let labelHeight = Double(wrapped.map(\.count).max() ?? 1) * PDFFont.label.leading
        let boxHeight = 64.0
        ensureSpace(labelHeight + boxHeight + 4)
        for (index, lines) in wrapped.enumerated() {
            let x = Self.margin + Double(index) * (width + gap)
            for (number, line) in lines.enumerated() {
                current.append(.text(line, .label, x: x, baseline: y + PDFFont.label.size + Double(number) * PDFFont.label.leading))
            }
            current.append(.box(x: x, y: y + labelHeight + 2, width: width, height: boxHeight, gray: 0.4, lineWidth: 0.5))
        }
        y += labelHeight + boxHeight + 12
    }

    // MARK: Pages

    private var isAtTopOfPage: Bool { y <= Self.margin }

    private mutating func ensureSpace(_ height: Double) {
        if y + height > Self.bottomLimit, !isAtTopOfPage { startPage() }
    }

    private mutating func startPage() {
        if !current.isEmpty || !pages.isEmpty { pages.append(current) }
        current = []
        y = Self.margin
    }

    private mutating func finish(title: String) -> [[Drawing]] {
        pages.append(current)
        let count = pages.count
        let footerTitle = truncate(title.replacingOccurrences(of: "\n", with: " "), .footer, width: Self.textWidth - 90)
        let footerBaseline = Self.pageHeight - 32
        for index in pages.indices {
            pages[index].append(.line(x1: Self.margin, y1: Self.pageHeight - 44, x2: Self.margin + Self.textWidth,
                                      y2: Self.pageHeight - 44, gray: 0.6, width: 0.4))
            pages[index].append(.text(footerTitle, .footer, x: Self.margin, baseline: footerBaseline))
            let number = "Page \(index + 1) / \(count)"
            let width = canvas.width(number, .footer)
            pages[index].append(.text(number, .footer, x: Self.margin + Self.textWidth - width, baseline: footerBaseline))
        }
        return pages
    }

    // MARK: Drawing

    private mutating func textLine(_ text: String, _ font: PDFFont, x: Double) {
        current.append(.text(text, font, x: x, baseline: y + font.size))
        y += font.leading
    }

    private mutating func rule(at height: Double, gray: Double, width: Double) {
        rule(from: Self.margin, to: Self.margin + Self.textWidth, at: height, gray: gray, width: width)
    }

    private mutating func rule(from start: Double, to end: Double, at height: Double, gray: Double, width: Double) {
        current.append(.line(x1: start, y1: height, x2: end, y2: height, gray: gray, width: width))
    }

    // MARK: Text measurement

    /// Lines no wider than `width`: breaks at spaces (never at a no-break space), inside a word
    /// only when the word alone is too wide. `\n` (or `\r\n`) forces a break.
    func wrap(_ text: String, _ font: PDFFont, width: Double) -> [String] {
        var lines: [String] = []
        let space = canvas.width(" ", font)
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        for paragraph in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0.0
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
                let wordWidth = canvas.width(word, font)
                if line.isEmpty, wordWidth <= width {
                    line = word
                    lineWidth = wordWidth
                    continue
                }
                if !line.isEmpty, lineWidth + space + wordWidth <= width {
                    line += " " + word
                    lineWidth += space + wordWidth
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                line = ""
                lineWidth = 0
                // A word wider than the line is cut where it must be.
                var rest = Substring(word)
                while canvas.width(String(rest), font) > width, rest.count > 1 {
                    var cut = rest.index(after: rest.startIndex)
                    while cut < rest.endIndex, canvas.width(String(rest[rest.startIndex...cut]), font) <= width {
                        cut = rest.index(after: cut)
                    }
                    lines.append(String(rest[rest.startIndex..<cut]))
                    rest = rest[cut...]
                }
                line = String(rest)
                lineWidth = canvas.width(line, font)
            }
            lines.append(line)
        }
        return lines
    }

    /// Cuts `text` to `width`, ending with an ellipsis when something was cut.
    private func truncate(_ text: String, _ font: PDFFont, width: Double) -> String {
        guard canvas.width(text, font) > width else { return text }
        var kept = text
        while !kept.isEmpty, canvas.width(kept + "…", font) > width { kept.removeLast() }
        return kept + "…"
    }
}
