/// A PostgreSQL type, identified by its OID (`pg_type.oid`).
///
/// Only built-in types have fixed OIDs; the ones named here are those this layer encodes or
/// decodes. Any other OID is kept as is and reported by number.
public struct PostgresDataType: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The type's OID.
    public var rawValue: UInt32

    /// Wraps an OID.
    /// - Parameter rawValue: The OID, as found in `pg_type`.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `bool`, OID 16.
    public static let bool = PostgresDataType(rawValue: 16)
    /// `bytea`, OID 17.
    public static let bytea = PostgresDataType(rawValue: 17)
    /// `name`, OID 19.
    public static let name = PostgresDataType(rawValue: 19)
    /// `int8` / `bigint`, OID 20.
    public static let int8 = PostgresDataType(rawValue: 20)
    /// `int2` / `smallint`, OID 21.
    public static let int2 = PostgresDataType(rawValue: 21)
    /// `int4` / `integer`, OID 23.
    public static let int4 = PostgresDataType(rawValue: 23)
    /// `text`, OID 25.
    public static let text = PostgresDataType(rawValue: 25)
    /// `float4` / `real`, OID 700.
    public static let float4 = PostgresDataType(rawValue: 700)
    /// `float8` / `double precision`, OID 701.
    public static let float8 = PostgresDataType(rawValue: 701)
    /// `unknown` (an untyped literal), OID 705.
    public static let unknown = PostgresDataType(rawValue: 705)
    /// `bpchar` / `character(n)`, OID 1042.
    public static let bpchar = PostgresDataType(rawValue: 1042)
    /// `varchar` / `character varying(n)`, OID 1043.
    public static let varchar = PostgresDataType(rawValue: 1043)
    /// `numeric`, OID 1700.
    public static let numeric = PostgresDataType(rawValue: 1700)

    private static let names: [UInt32: String] = [
        16: "bool", 17: "bytea", 19: "name", 20: "int8", 21: "int2", 23: "int4", 25: "text",
        700: "float4", 701: "float8", 705: "unknown", 1042: "bpchar", 1043: "varchar",
        1700: "numeric", 114: "json", 1114: "timestamp", 1184: "timestamptz", 3802: "jsonb", 1000: "bool[]",
        1001: "bytea[]", 1009: "text[]", 1016: "int8[]", 1022: "float8[]",
    ]

    /// The type's name for the built-in types named here, `nil` for others.
    public var name: String? { Self.names[rawValue] }

    /// `oid 23 (int4)`, or `oid 123456` for a type not named here.
    public var description: String {
        if let name { "oid \(rawValue) (\(name))" } else { "oid \(rawValue)" }
    }

    /// Whether values of this type are UTF-8 text in binary format as well.
    var isTextual: Bool {
        self == .text || self == .varchar || self == .bpchar || self == .name || self == .unknown
    }
}
