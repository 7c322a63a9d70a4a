/// Lays blocks out on A4 pages and returns one content stream per page, footers included.
/// Coordinates are PDF points from the bottom-left corner.
struct PDFLayout {
    static let pageWidth = 595.28
    static let pageHeight = 841.89
    static let margin = 56.0
    static let bottomLimit = 64.0
    static var textWidth: Double { pageWidth - 2 * margin }

    private struct Style {
        var font: PDFFont
        var size: Double
        var leading: Double
    }

    private static let titleStyle = Style(font: .bold, size: 16, leading: 22)
    private static let headingStyle = Style(font: .bold, size: 12, leading: 16)
    private static let bodyStyle = Style(font: .regular, size: 10, leading: 13.5)
    private static let labelStyle = Style(font: .bold, size: 10, leading: 13.5)
    private static let cellStyle = Style(font: .regular, size: 9, leading: 12)
    private static let headerCellStyle = Style(font: .bold, size: 9, leading: 12)
    private static let footerStyle = Style(font: .regular, size: 8, leading: 10)
    private static let cellGap = 6.0
    private static let fieldLabelWidth = 160.0

    let title: String
    private var pages: [[UInt8]] = []
    private var current: [UInt8] = []
    /// Top of the free space on the current page.
    private var y = 0.0

    init(title: String) {
        self.title = title
    }

    func layOut(_ blocks: [PDFDocument.Block]) -> [[UInt8]] {
        var layout = self
        layout.startPage()
        for line in Self.wrap(title, style: Self.titleStyle, width: Self.textWidth) {
            layout.textLine(line, style: Self.titleStyle, x: Self.margin)
        }
        layout.rule(at: layout.y - 4, gray: 0.3, width: 0.8)
        layout.y -= 14
        for block in blocks {
            layout.place(block)
        }
        return layout.finish()
    }

    // MARK: Blocks

    private mutating func place(_ block: PDFDocument.Block) {
        switch block {
        case .heading(let text):
            let lines = Self.wrap(text, style: Self.headingStyle, width: Self.textWidth)
            if !isAtTopOfPage { y -= 8 }
            // Keep the heading with at least two lines of what follows.
            ensureSpace(Double(lines.count) * Self.headingStyle.leading + 2 * Self.bodyStyle.leading)
            for line in lines { textLine(line, style: Self.headingStyle, x: Self.margin) }
            y -= 2
        case .paragraph(let text):
            for line in Self.wrap(text, style: Self.bodyStyle, width: Self.textWidth) {
                ensureSpace(Self.bodyStyle.leading)
                textLine(line, style: Self.bodyStyle, x: Self.margin)
            }
            y -= 4
        case .fields(let fields):
            for field in fields { place(field) }
            y -= 4
        case .table(let columns, let rows):
            placeTable(columns: columns, rows: rows)
        case .spacer(let points):
            y -= max(0, points)
            if y < Self.bottomLimit { startPage() }
        }
    }

    private mutating func place(_ field: PDFDocument.Field) {
        let labels = Self.wrap(field.label, style: Self.labelStyle, width: Self.fieldLabelWidth - Self.cellGap)
        let values = Self.wrap(field.value, style: Self.bodyStyle, width: Self.textWidth - Self.fieldLabelWidth)
        let count = max(labels.count, values.count)
        for index in 0..<count {
            ensureSpace(Self.bodyStyle.leading)
            let baseline = y - Self.bodyStyle.size
            if index < labels.count { text(labels[index], style: Self.labelStyle, x: Self.margin, baseline: baseline) }
            if index < values.count {
                text(values[index], style: Self.bodyStyle, x: Self.margin + Self.fieldLabelWidth, baseline: baseline)
            }
            y -= Self.bodyStyle.leading
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
        let headerHeight = rowHeight(header, columns: placed, style: Self.headerCellStyle)
        // A header alone at the bottom of a page is useless: require room for one row too.
        let firstRowHeight = rows.first.map { rowHeight($0, columns: placed, style: Self.cellStyle) } ?? 0
        ensureSpace(headerHeight + firstRowHeight + 4)
        placeRow(header, columns: placed, style: Self.headerCellStyle, right: right, ruleGray: 0.2)
        for row in rows {
            let height = rowHeight(row, columns: placed, style: Self.cellStyle)
            if y - height < Self.bottomLimit {
                startPage()
                placeRow(header, columns: placed, style: Self.headerCellStyle, right: right, ruleGray: 0.2)
            }
            placeRow(row, columns: placed, style: Self.cellStyle, right: right, ruleGray: 0.8)
        }
        y -= 8
    }

    private func cellLines(_ row: [String], columns: [PlacedColumn], style: Style) -> [[[UInt8]]] {
        columns.indices.map { index in
            let text = index < row.count ? row[index] : ""
            return Self.wrap(text, style: style, width: max(1, columns[index].width - Self.cellGap))
        }
    }

    private func rowHeight(_ row: [String], columns: [PlacedColumn], style: Style) -> Double {
        let lines = cellLines(row, columns: columns, style: style).map(\.count).max() ?? 1
        return Double(max(1, lines)) * style.leading + 3
    }

    private mutating func placeRow(_ row: [String], columns: [PlacedColumn], style: Style, right: Double, ruleGray: Double) {
        let cells = cellLines(row, columns: columns, style: style)
        let lineCount = max(1, cells.map(\.count).max() ?? 1)
        for (index, lines) in cells.enumerated() {
            let column = columns[index]
            for (number, line) in lines.enumerated() {
                let baseline = y - 1 - style.size - Double(number) * style.leading
                let x = column.alignment == .left
                    ? column.x
                    : column.x + column.width - Self.cellGap - style.font.width(of: line, size: style.size)
                text(line, style: style, x: x, baseline: baseline)
            }
        }
        y -= Double(lineCount) * style.leading + 3
        rule(from: Self.margin, to: right, at: y + 1, gray: ruleGray, width: 0.4)
    }

    // MARK: Pages

    private var isAtTopOfPage: Bool { y >= Self.pageHeight - Self.margin }

    private mutating func ensureSpace(_ height: Double) {
        if y - height < Self.bottomLimit, !isAtTopOfPage { startPage() }
    }

    private mutating func startPage() {
        if !current.isEmpty || !pages.isEmpty { pages.append(current) }
        current = []
        y = Self.pageHeight - Self.margin
    }

    private mutating func finish() -> [[UInt8]] {
        pages.append(current)
        let count = pages.count
        let footerTitle = Self.truncate(WinAnsiEncoding.encode(title), style: Self.footerStyle, width: Self.textWidth - 90)
        for index in pages.indices {
            current = pages[index]
            rule(from: Self.margin, to: Self.margin + Self.textWidth, at: 44, gray: 0.6, width: 0.4)
            text(footerTitle, style: Self.footerStyle, x: Self.margin, baseline: 32)
            let number = WinAnsiEncoding.encode("Page \(index + 1) / \(count)")
            let width = Self.footerStyle.font.width(of: number, size: Self.footerStyle.size)
            text(number, style: Self.footerStyle, x: Self.margin + Self.textWidth - width, baseline: 32)
            pages[index] = current
        }
        return pages
    }

    // MARK: Drawing

    private mutating func textLine(_ bytes: [UInt8], style: Style, x: Double) {
        text(bytes, style: style, x: x, baseline: y - style.size)
        y -= style.leading
    }

    private mutating func text(_ bytes: [UInt8], style: Style, x: Double, baseline: Double) {
        guard !bytes.isEmpty else { return }
        current += Array("BT /\(style.font.resourceName) \(Self.number(style.size)) Tf \(Self.number(x)) \(Self.number(baseline)) Td ".utf8)
        current += WinAnsiEncoding.literal(bytes)
        current += Array(" Tj ET\n".utf8)
    }

    private mutating func rule(at height: Double, gray: Double, width: Double) {
        rule(from: Self.margin, to: Self.margin + Self.textWidth, at: height, gray: gray, width: width)
    }

    private mutating func rule(from start: Double, to end: Double, at height: Double, gray: Double, width: Double) {
        current += Array(("\(Self.number(gray)) G \(Self.number(width)) w \(Self.number(start)) \(Self.number(height)) m "
            + "\(Self.number(end)) \(Self.number(height)) l S 0 G\n").utf8)
    }

    /// At most two decimals, no exponent, no locale: `56`, `770.5`, `539.28`.
    static func number(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let whole = magnitude / 100
        let fraction = magnitude % 100
        if fraction == 0 { return sign + String(whole) }
        if fraction % 10 == 0 { return sign + "\(whole).\(fraction / 10)" }
        return sign + "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    // MARK: Text measurement

    /// Lines of WinAnsi bytes no wider than `width`: breaks at spaces (never at a no-break space),
    /// inside a word only when the word alone is too wide. `\n` forces a break.
    private static func wrap(_ text: String, style: Style, width: Double) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = WinAnsiEncoding.encode(String(paragraph))
            let words = bytes.split(separator: 0x20, omittingEmptySubsequences: true).map(Array.init)
            var line: [UInt8] = []
            for word in words {
                let candidate = line.isEmpty ? word : line + [0x20] + word
                if style.font.width(of: candidate, size: style.size) <= width {
                    line = candidate
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                line = []
                var rest = word[...]
                while style.font.width(of: Array(rest), size: style.size) > width, rest.count > 1 {
                    var cut = rest.startIndex + 1
                    while cut < rest.endIndex, style.font.width(of: Array(rest[rest.startIndex...cut]), size: style.size) <= width {
                        cut += 1
                    }
                    lines.append(Array(rest[rest.startIndex..<cut]))
                    rest = rest[cut...]
                }
                line = Array(rest)
            }
            lines.append(line)
        }
        return lines
    }

    /// Cuts `bytes` to `width`, ending with an ellipsis when something was cut.
    private static func truncate(_ bytes: [UInt8], style: Style, width: Double) -> [UInt8] {
        guard style.font.width(of: bytes, size: style.size) > width else { return bytes }
        var kept = bytes
        while !kept.isEmpty, style.font.width(of: kept + [0x85], size: style.size) > width { kept.removeLast() }
        return kept + [0x85]
    }
}
