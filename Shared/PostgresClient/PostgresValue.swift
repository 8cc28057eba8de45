/// A value sent to PostgreSQL as a statement parameter, or read back from a result.
///
/// Parameters travel in binary format with an explicit type, so `$1` of an `int8` is never
/// re-parsed from text and `bytea` needs no escaping.
public enum PostgresValue: Sendable, Hashable {
    /// SQL `NULL`; sent untyped, so the server infers the type from the statement.
    case null
    /// `int8` (`bigint`).
    case int8(Int64)
    /// `float8` (`double precision`), including NaN and the infinities.
    case float8(Double)
    /// `bool`.
    case bool(Bool)
    /// `text`, UTF-8. PostgreSQL text cannot hold the NUL character.
    case text(String)
    /// `bytea`: raw bytes.
    case bytea([UInt8])
    /// `timestamptz`, as microseconds since the Unix epoch (1970-01-01 UTC).
    case timestamptz(Int64)
    /// `jsonb`, as JSON text (the server checks it).
    case jsonb(String)
    /// `float8[]`, one dimension.
    case float8Array([Double])
    /// `int8[]`, one dimension.
    case int8Array([Int64])
    /// `text[]`, one dimension.
    case textArray([String])
    /// `bool[]`, one dimension.
    case boolArray([Bool])
    /// `bytea[]`, one dimension.
    case byteaArray([[UInt8]])
}

extension PostgresValue {
    /// The type this value is sent as; `nil` for ``null``, whose type the server infers.
    public var dataType: PostgresDataType? {
        switch self {
        case .null: nil
        case .int8: .int8
        case .float8: .float8
        case .bool: .bool
        case .text: .text
        case .bytea: .bytea
        case .timestamptz: .timestamptz
        case .jsonb: .jsonb
        case .float8Array: .float8Array
        case .int8Array: .int8Array
        case .textArray: .textArray
        case .boolArray: .boolArray
        case .byteaArray: .byteaArray
        }
    }

    /// Whether this is SQL `NULL`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}
