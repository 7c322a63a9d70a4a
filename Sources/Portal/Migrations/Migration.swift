import Foundation

/// One file `NNNN_description.sql` of `sql/migrations`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// Hex SHA-256 of the file's bytes: an applied migration must never change.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Sodium.hex(Sodium.sha256(sql))
    }

    /// Reads every `*.sql` file of `directory`. Names that do not follow `NNNN_lowercase_words.sql`
    /// and duplicate numbers are errors, so a typo cannot silently skip a migration.
    public static func load(from directory: String) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError.unreadableDirectory(directory)
        }
        var migrations: [Migration] = []
        for file in names.sorted() where file.hasSuffix(".sql") {
            guard let (version, name) = parse(fileName: file) else { throw MigrationError.badFileName(file) }
            guard let data = FileManager.default.contents(atPath: directory + "/" + file),
                  let sql = String(data: data, encoding: .utf8) else { throw MigrationError.unreadableFile(file) }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError.duplicateVersion(version, clash.name, name)
            }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        return migrations
    }

    static func parse(fileName: String) -> (Int, String)? {
        let stem = fileName.dropLast(4)
        let parts = stem.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]), version > 0,
              parts[1].allSatisfy({ ($0.isLetter && $0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "_" })
        else { return nil }
        return (version, String(parts[1]))
    }
}

public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case unreadableDirectory(String)
    case unreadableFile(String)
    case badFileName(String)
    case duplicateVersion(Int, String, String)
    case changedAfterApply(version: Int, name: String)
    case missingFile(version: Int, name: String)

    public var description: String {
        switch self {
        case .unreadableDirectory(let path): "cannot read the migrations directory \(path)"
        case .unreadableFile(let file): "cannot read migration \(file) as UTF-8"
        case .badFileName(let file): "migration file \(file) is not named NNNN_description.sql"
        case .duplicateVersion(let version, let first, let second): "two migrations numbered \(version): \(first) and \(second)"
        case .changedAfterApply(let version, let name):
            "migration \(version) (\(name)) was changed after it was applied; write a new migration instead"
        case .missingFile(let version, let name): "migration \(version) (\(name)) was applied but its file is gone"
        }
    }
}
