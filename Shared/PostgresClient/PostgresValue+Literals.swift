// Literals make parameter lists read like SQL: `execute(sql, parameters: [42, "name", nil])`.

extension PostgresValue: ExpressibleByNilLiteral {
    /// Creates ``null``.
    public init(nilLiteral: ()) { self = .null }
}

extension PostgresValue: ExpressibleByIntegerLiteral {
    /// Creates an ``int8(_:)``.
    public init(integerLiteral value: Int64) { self = .int8(value) }
}

extension PostgresValue: ExpressibleByFloatLiteral {
    /// Creates a ``float8(_:)``.
    public init(floatLiteral value: Double) { self = .float8(value) }
}

extension PostgresValue: ExpressibleByBooleanLiteral {
    /// Creates a ``bool(_:)``.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension PostgresValue: ExpressibleByStringLiteral {
    /// Creates a ``text(_:)``.
    public init(stringLiteral value: String) { self = .text(value) }
}
