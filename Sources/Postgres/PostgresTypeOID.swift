/// The built-in type OIDs this layer encodes and decodes (from pg_type.dat; stable across versions).
public struct PostgresTypeOID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let unspecified = PostgresTypeOID(rawValue: 0)
    public static let bool = PostgresTypeOID(rawValue: 16)
    public static let bytea = PostgresTypeOID(rawValue: 17)
    public static let name = PostgresTypeOID(rawValue: 19)
    public static let int8 = PostgresTypeOID(rawValue: 20)
    public static let int2 = PostgresTypeOID(rawValue: 21)
    public static let int4 = PostgresTypeOID(rawValue: 23)
    public static let text = PostgresTypeOID(rawValue: 25)
    public static let oid = PostgresTypeOID(rawValue: 26)
    public static let json = PostgresTypeOID(rawValue: 114)
    public static let float4 = PostgresTypeOID(rawValue: 700)
    public static let float8 = PostgresTypeOID(rawValue: 701)
    public static let unknown = PostgresTypeOID(rawValue: 705)
    public static let bpchar = PostgresTypeOID(rawValue: 1042)
    public static let varchar = PostgresTypeOID(rawValue: 1043)
    public static let date = PostgresTypeOID(rawValue: 1082)
    public static let timestamp = PostgresTypeOID(rawValue: 1114)
    public static let timestamptz = PostgresTypeOID(rawValue: 1184)
    public static let numeric = PostgresTypeOID(rawValue: 1700)
    public static let uuid = PostgresTypeOID(rawValue: 2950)
    public static let jsonb = PostgresTypeOID(rawValue: 3802)

    public var description: String {
        switch self {
        case .bool: "bool"
        case .bytea: "bytea"
        case .name: "name"
        case .int8: "int8"
        case .int2: "int2"
        case .int4: "int4"
        case .text: "text"
        case .oid: "oid"
        case .json: "json"
        case .float4: "float4"
        case .float8: "float8"
        case .unknown: "unknown"
        case .bpchar: "bpchar"
        case .varchar: "varchar"
        case .date: "date"
        case .timestamp: "timestamp"
        case .timestamptz: "timestamptz"
        case .numeric: "numeric"
        case .uuid: "uuid"
        case .jsonb: "jsonb"
        default: "oid \(rawValue)"
        }
    }
}
