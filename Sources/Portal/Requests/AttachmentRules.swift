/// The limits on the files of a démarche or a reply, checked before anything is written.
public enum AttachmentRules {
    public static let maximumFiles = 5
    public static let maximumFileBytes = 10 << 20
    public static let maximumTotalBytes = 25 << 20

    /// A file as it arrived: the name the client gave (if any) and the bytes.
    public struct Upload: Sendable {
        public let fileName: String?
        public let content: [UInt8]

        public init(fileName: String?, content: [UInt8]) {
            self.fileName = fileName
            self.content = content
        }
    }

    /// Why a file, or the set of files, was refused. `position` counts from 1.
    public struct Issue: Sendable, Equatable {
        public enum Code: String, Sendable {
            case tooManyFiles = "too_many_files"
            case emptyFile = "empty_file"
            case unsupportedFileType = "unsupported_file_type"
            case attachmentTooLarge = "attachment_too_large"
            case attachmentsTooLarge = "attachments_too_large"

            /// Size problems are 413 Content Too Large, the others 422.
            public var isSizeProblem: Bool { self == .attachmentTooLarge || self == .attachmentsTooLarge }
        }

        public let code: Code
        public let position: Int?
        /// Sanitised, for the message only.
        public let fileName: String?

        public var message: String {
            let file = fileName.map { "« \($0) » : " } ?? ""
            return switch code {
            case .tooManyFiles: "Vous pouvez joindre au plus \(AttachmentRules.maximumFiles) fichiers."
            case .emptyFile: file + "le fichier est vide."
            case .unsupportedFileType: file + "seuls les fichiers PDF, JPEG et PNG sont acceptés."
            case .attachmentTooLarge: file + "un fichier ne doit pas dépasser 10 Mio."
            case .attachmentsTooLarge: "L'ensemble des fichiers ne doit pas dépasser 25 Mio."
            }
        }
    }

    /// Every problem found with the files; nothing is stored.
    public struct Rejection: Error, Sendable {
        public let issues: [Issue]
    }

    /// The accepted files with their detected type and safe name; throws `Rejection`.
    public static func inspect(_ uploads: [Upload]) throws(Rejection) -> [NewAttachment] {
        if uploads.count > maximumFiles {
            throw Rejection(issues: [Issue(code: .tooManyFiles, position: nil, fileName: nil)])
        }
        var issues: [Issue] = []
        var accepted: [NewAttachment] = []
        for (index, upload) in uploads.enumerated() {
            let position = index + 1
            let displayName = AttachmentFileName.display(upload.fileName, position: position)
            if upload.content.count > maximumFileBytes {
                issues.append(Issue(code: .attachmentTooLarge, position: position, fileName: displayName))
            } else if upload.content.isEmpty {
                issues.append(Issue(code: .emptyFile, position: position, fileName: displayName))
            } else if let kind = AttachmentKind.detect(upload.content) {
                accepted.append(NewAttachment(fileName: AttachmentFileName.sanitized(upload.fileName, kind: kind, position: position),
                                              kind: kind, content: upload.content))
            } else {
                issues.append(Issue(code: .unsupportedFileType, position: position, fileName: displayName))
            }
        }
        if uploads.reduce(0, { $0 + $1.content.count }) > maximumTotalBytes {
            issues.append(Issue(code: .attachmentsTooLarge, position: nil, fileName: nil))
        }
        guard issues.isEmpty else { throw Rejection(issues: issues) }
        return accepted
    }
}

/// A file accepted for storage.
public struct NewAttachment: Sendable {
    public let fileName: String
    public let kind: AttachmentKind
    public let content: [UInt8]
}
