import PostgresClient
import Testing

@Suite("PostgresValue binary encoding")
struct PostgresValueTests {
    @Test("types and OIDs")
    func dataTypes() {
        #expect(PostgresValue.int8(1).dataType?.rawValue == 20)
        #expect(PostgresValue.float8(1).dataType?.rawValue == 701)
        #expect(PostgresValue.bool(true).dataType?.rawValue == 16)
        #expect(PostgresValue.text("").dataType?.rawValue == 25)
        #expect(PostgresValue.bytea([]).dataType?.rawValue == 17)
        #expect(PostgresValue.null.dataType == nil)
        #expect(PostgresDataType.int4.description == "oid 23 (int4)")
        #expect(PostgresDataType(rawValue: 424242).description == "oid 424242")
    }

    @Test("network byte order")
    func encoding() {
        #expect(PostgresValue.int8(1).binaryEncoding == [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(PostgresValue.int8(-2).binaryEncoding == [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe])
        #expect(PostgresValue.float8(1.0).binaryEncoding == [0x3f, 0xf0, 0, 0, 0, 0, 0, 0])
        #expect(PostgresValue.bool(true).binaryEncoding == [1])
        #expect(PostgresValue.bool(false).binaryEncoding == [0])
        #expect(PostgresValue.text("é").binaryEncoding == [0xc3, 0xa9])
        #expect(PostgresValue.bytea([0, 255]).binaryEncoding == [0, 255])
        #expect(PostgresValue.null.binaryEncoding == nil)
    }

    @Test("literals")
    func literals() {
        let values: [PostgresValue] = [nil, 7, 2.5, true, "x"]
        #expect(values == [.null, .int8(7), .float8(2.5), .bool(true), .text("x")])
    }
}
