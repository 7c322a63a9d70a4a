/// The text styles of the generated documents. One family, DejaVu Sans (Debian `fonts-dejavu-core`):
/// it covers French (accents, œ, «  », €, no-break spaces) and cairo embeds the subset it uses, so
/// every reader shows the same glyphs and text extraction gives back the characters written.
struct PDFFont: Sendable, Equatable {
    enum Weight: Sendable, Equatable {
        case regular
        case bold
    }

    static let family = "DejaVu Sans"

    var weight: Weight
    /// In points.
    var size: Double
    /// Distance between two baselines, in points.
    var leading: Double

    static let title = PDFFont(weight: .bold, size: 14, leading: 18)
    static let heading = PDFFont(weight: .bold, size: 11, leading: 15)
    static let body = PDFFont(weight: .regular, size: 9.5, leading: 12.5)
    static let label = PDFFont(weight: .bold, size: 9.5, leading: 12.5)
    static let cell = PDFFont(weight: .regular, size: 8, leading: 10.5)
    static let headerCell = PDFFont(weight: .bold, size: 8, leading: 10.5)
    static let footer = PDFFont(weight: .regular, size: 7.5, leading: 9)
}
