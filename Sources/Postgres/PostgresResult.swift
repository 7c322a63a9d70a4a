import CLibPQ

/// The rows of one statement, read lazily from libpq's result (binary format).
/// Owns the `PGresult` and frees it when the last reference goes.
public final class PostgresResult: RandomAccessCollection {
    @usableFromInline let handle: OpaquePointer
    public let columns: [PostgresColumn]
    /// Rows inserted, updated, deleted, copied or selected, from the command tag.
    public let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1` or `ROLLBACK`.
    public let commandTag: String

    init(handle: OpaquePointer) {
        self.handle = handle
        let count = Int(PQnfields(handle))
        var columns: [PostgresColumn] = []
        columns.reserveCapacity(count)
        for position in 0..<count {
            let name = String(cString: PQfname(handle, Int32(position)))
            columns.append(PostgresColumn(name: name, type: PostgresTypeOID(rawValue: PQftype(handle, Int32(position)))))
        }
        self.columns = columns
        self.affectedRows = Int(String(cString: PQcmdTuples(handle))) ?? 0
        self.commandTag = String(cString: PQcmdStatus(handle))
    }

    deinit { PQclear(handle) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(PQntuples(handle)) }
    public subscript(position: Int) -> PostgresRow { PostgresRow(result: self, index: position) }

    /// The first column of that name. A scan, not a dictionary: results have a few columns with
    /// short names, compared faster than they are hashed. A caller decoding many rows finds each
    /// column once and decodes by position.
    public func position(of name: String) throws -> Int {
        guard let position = columns.firstIndex(where: { $0.name == name }) else {
            throw PostgresDecodingError(column: name, kind: .noSuchColumn)
        }
        return position
    }

    /// Inlinable, as the row's `decode`: specialised in the caller for each type, rather than
    /// dispatched through witness tables for every value.
    @inlinable
    func decode<T: PostgresDecodable>(row: Int, column: Int, as _: T.Type) throws -> T {
        guard columns.indices.contains(column) else {
            throw PostgresDecodingError(column: "#\(column)", kind: .noSuchColumn)
        }
        let info = columns[column]
        if PQgetisnull(handle, Int32(row), Int32(column)) == 1 {
            return try T.decodeNull(column: info)
        }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        guard let start = PQgetvalue(handle, Int32(row), Int32(column)) else {
            throw info.invalid("missing value")
        }
        return try T.decode(UnsafeRawBufferPointer(start: start, count: length), column: info)
    }
}

/// One row of a result. Decode columns by position or by name.
public struct PostgresRow {
    @usableFromInline let result: PostgresResult
    @usableFromInline let index: Int

    @inlinable
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws -> T {
        try result.decode(row: index, column: column, as: type)
    }

    @inlinable
    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try result.decode(row: index, column: result.position(of: name), as: type)
    }
}
