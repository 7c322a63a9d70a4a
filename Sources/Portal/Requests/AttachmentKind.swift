/// The file types a démarche may carry, recognised by their first bytes — never by the name or
/// the type the client declares.
public enum AttachmentKind: String, CaseIterable, Sendable, Codable {
    case pdf = "application/pdf"
    case jpeg = "image/jpeg"
    case png = "image/png"

    public var contentType: String { rawValue }

    var signature: [UInt8] {
        switch self {
        case .pdf: Array("%PDF-".utf8)
        case .jpeg: [0xFF, 0xD8, 0xFF]
        case .png: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        }
    }

    /// Extensions a file of this kind may keep; the first is added when the name has none of them.
    var extensions: [String] {
        switch self {
        case .pdf: ["pdf"]
        case .jpeg: ["jpg", "jpeg"]
        case .png: ["png"]
        }
    }

    /// The kind whose signature starts `content`, if any.
    public static func detect(_ content: [UInt8]) -> AttachmentKind? {
        allCases.first { content.starts(with: $0.signature) }
    }
}
