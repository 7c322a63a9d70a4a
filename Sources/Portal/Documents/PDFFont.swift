/// The two standard Type1 fonts the documents use. Every PDF reader has them, so nothing is
/// embedded; their advance widths (1/1000 em) are needed to wrap and right-align text.
enum PDFFont: Sendable {
    case regular
    case bold

    /// Resource name in the page dictionaries.
    var resourceName: String {
        switch self {
        case .regular: "F1"
        case .bold: "F2"
        }
    }

    var baseFont: String {
        switch self {
        case .regular: "Helvetica"
        case .bold: "Helvetica-Bold"
        }
    }

    /// Width of WinAnsi `bytes` set in this font at `size` points.
    func width(of bytes: [UInt8], size: Double) -> Double {
        var units = 0
        for byte in bytes { units += advance(byte) }
        return Double(units) * size / 1000
    }

    func advance(_ byte: UInt8) -> Int {
        let table = self == .regular ? Self.regularASCII : Self.boldASCII
        switch byte {
        case 0x20...0x7E:
            return table[Int(byte) - 0x20]
        case 0xC0...0xFF:
            // Accented letters advance like their base letter; the few others are listed.
            let base = Self.latinBase[Int(byte) - 0xC0]
            if base != 0x3F { return advance(base) }
            return Self.latinOthers[byte] ?? 556
        default:
            return Self.symbols[byte] ?? 556
        }
    }

    /// Helvetica, 0x20…0x7E.
    private static let regularASCII: [Int] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space … /
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 … ?
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ … O
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P … _
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` … o
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p … ~
    ]

    /// Helvetica-Bold, 0x20…0x7E.
    private static let boldASCII: [Int] = [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    ]

    /// Base letter of 0xC0…0xFF (À … ÿ); `?` where there is none.
    private static let latinBase: [UInt8] = Array("AAAAAA?CEEEEIIII?NOOOOO?OUUUUY??aaaaaa?ceeeeiiii?nooooo?ouuuuy?y".utf8)

    private static let latinOthers: [UInt8: Int] = [
        0xC6: 1000, 0xD0: 722, 0xD7: 584, 0xDE: 667, 0xDF: 611,
        0xE6: 889, 0xF0: 556, 0xF7: 584, 0xFE: 556,
    ]

    private static let symbols: [UInt8: Int] = [
        0x80: 556, 0x82: 222, 0x84: 333, 0x85: 1000, 0x89: 1000, 0x8A: 667, 0x8B: 333, 0x8C: 1000,
        0x8E: 611, 0x91: 222, 0x92: 222, 0x93: 333, 0x94: 333, 0x95: 350, 0x96: 556, 0x97: 1000,
        0x98: 333, 0x99: 1000, 0x9A: 500, 0x9B: 333, 0x9C: 944, 0x9E: 500, 0x9F: 667,
        0xA0: 278, 0xA1: 333, 0xA6: 260, 0xA8: 333, 0xA9: 737, 0xAA: 370, 0xAB: 556, 0xAC: 584,
        0xAD: 333, 0xAE: 737, 0xAF: 333, 0xB0: 400, 0xB1: 584, 0xB2: 333, 0xB3: 333, 0xB4: 333,
        0xB6: 537, 0xB7: 278, 0xB8: 333, 0xB9: 333, 0xBA: 365, 0xBB: 556, 0xBC: 834, 0xBD: 834,
        0xBE: 834, 0xBF: 611,
    ]
}
