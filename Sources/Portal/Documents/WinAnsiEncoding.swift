import Foundation

/// Windows-1252, the byte encoding of the standard PDF fonts under `/Encoding /WinAnsiEncoding`.
/// Covers French completely (é è à ç ô œ É « » €); anything else becomes `?`.
public enum WinAnsiEncoding {
    /// The bytes for `text`, one per character. Decomposed accents (e + U+0301) are composed first;
    /// typographic spaces (narrow no-break, figure, thin) become a no-break space.
    public static func encode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for character in text.precomposedStringWithCanonicalMapping {
            let scalars = character.unicodeScalars
            if scalars.count == 1, let byte = byte(for: scalars.first!) {
                bytes.append(byte)
            } else if character == "\r\n" {
                bytes.append(0x20)
            } else {
                bytes.append(questionMark)
            }
        }
        return bytes
    }

    static let questionMark: UInt8 = 0x3F

    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        switch value {
        case 0x09, 0x0A, 0x0D: return 0x20 // layout is done before; stray control whitespace is a space
        case 0x20...0x7E, 0xA0...0xFF: return UInt8(value)
        case 0x2007, 0x2009, 0x202F: return 0xA0
        default: return upperHalf[value]
        }
    }

    /// The code points that CP1252 places in 0x80–0x9F (0x81, 0x8D, 0x8F, 0x90 and 0x9D are unused).
    private static let upperHalf: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
        0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E,
        0x2018: 0x91, 0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97,
        0x02DC: 0x98, 0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B, 0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
    ]

    /// A PDF literal string, `(…)`, with `(`, `)` and `\` escaped. Bytes are already WinAnsi.
    static func literal(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x28]
        out.reserveCapacity(bytes.count + 8)
        for byte in bytes {
            switch byte {
            case 0x28, 0x29, 0x5C: out.append(0x5C); out.append(byte)
            case 0x00..<0x20: out.append(0x20)
            default: out.append(byte)
            }
        }
        out.append(0x29)
        return out
    }

    /// A PDF text string for metadata (/Info): UTF-16BE with its byte order mark, in hex.
    static func utf16Hex(_ text: String) -> String {
        var hex = "<FEFF"
        for unit in text.utf16 {
            let digits = String(unit, radix: 16, uppercase: true)
            hex += String(repeating: "0", count: 4 - digits.count) + digits
        }
        return hex + ">"
    }
}
