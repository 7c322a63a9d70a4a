import Foundation

/// Turns the name a browser sent into one that is safe to store and to hand back in a
/// `Content-Disposition`: never a path, no control or bidirectional-override character, no
/// leading dot, at most `maximumLength` characters, ending with an extension of the detected type.
public enum AttachmentFileName {
    public static let maximumLength = 120

    public static func sanitized(_ raw: String?, kind: AttachmentKind, position: Int) -> String {
        let name = cleaned(raw)
        var stem = name
        var ext = ""
        if let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex {
            let candidate = String(name[name.index(after: dot)...]).lowercased()
            if kind.extensions.contains(candidate) {
                stem = String(name[..<dot])
                ext = candidate
            }
        }
        if ext.isEmpty { ext = kind.extensions[0] }
        stem = stem.trimmingCharacters(in: .whitespaces)
        if stem.isEmpty { stem = "piece-jointe-\(position)" }
        let room = maximumLength - ext.count - 1
        if stem.count > room {
            stem = String(stem.prefix(room)).trimmingCharacters(in: .whitespaces)
            while let last = stem.last, last == "." { stem.removeLast() }
            if stem.isEmpty { stem = "piece-jointe-\(position)" }
        }
        return stem + "." + ext
    }

    /// The name without path, controls or leading dots, for messages about a refused file.
    public static func display(_ raw: String?, position: Int) -> String {
        let name = cleaned(raw)
        if name.isEmpty { return "fichier \(position)" }
        return name.count > maximumLength ? String(name.prefix(maximumLength)) + "…" : name
    }

    static func cleaned(_ raw: String?) -> String {
        // Browsers on Windows have sent full paths ("C:\…\scan.pdf"); only the last component is a name.
        var name = (raw ?? "").precomposedStringWithCanonicalMapping
        if let separator = name.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
            name = String(name[name.index(after: separator)...])
        }
        name = String(String.UnicodeScalarView(name.unicodeScalars.filter { scalar in
            switch scalar.properties.generalCategory {
            // Cc: C0, DEL and C1 controls. Cf: format characters, among them the bidirectional
            // overrides that make "gpj.exe" display as "exe.jpg". Line and paragraph separators too.
            case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate, .privateUse: false
            default: true
            }
        }))
        // No hidden file, no "." or "..", no trailing dot or space (refused by Windows).
        name = String(name.drop { $0 == "." || $0.isWhitespace })
        while let last = name.last, last == "." || last.isWhitespace { name.removeLast() }

        return name
    }
}
