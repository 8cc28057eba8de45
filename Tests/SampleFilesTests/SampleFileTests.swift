import Foundation
import LifelongProto
import SampleFiles
import Testing

@Suite("Sample files")
struct SampleFileTests {
    static let labelled = """
        site,temp,clothing,comfort
        north,21.5,light,ok
        south,NA,heavy,cold
        north,25,light,hot
        ,19,"heavy",cold
        """

    static func file(_ text: String, name: String = "data/round-1.csv") throws -> SampleFile {
        try SampleFile(name: name, bytes: Array(text.utf8))
    }

    @Test("the key rule: file stem and 1-based data row, or the key column")
    func keyRule() throws {
        #expect(SampleKey.key(fileStem: "round-1", dataRow: 3, keyValue: nil) == "round-1:3")
        #expect(SampleKey.key(fileStem: "round-1", dataRow: 3, keyValue: "") == "round-1:3")
        #expect(SampleKey.key(fileStem: "round-1", dataRow: 3, keyValue: "s-9") == "s-9")
        #expect(SampleKey.stem(ofPath: "/tmp/x/round-1.csv") == "round-1")
        #expect(SampleKey.stem(ofPath: "a.b.csv") == "a.b")
        #expect(SampleKey.stem(ofPath: ".hidden") == ".hidden")
        #expect(SampleKey.clientKey(ofStored: "edge-1/round-1:3") == "round-1:3")
        #expect(try Self.file(Self.labelled).keys == ["round-1:1", "round-1:2", "round-1:3", "round-1:4"])
        let keyed = try Self.file("key,temp,comfort\na,1,ok\n\nb,2,hot\n")
        #expect(keyed.keys == ["a", "b"])
    }

    @Test("a schema is inferred: numeric and categorical features in file order, sorted categories and classes")
    func inferSchema() throws {
        let schema = try Self.file(Self.labelled).inferSchema(label: "comfort", attributes: ["site"])
        #expect(schema.columns.map(\.name) == ["temp", "clothing"])
        #expect(schema.columns.map(\.kind) == [.numeric, .categorical])
        #expect(schema.columns[1].categories == ["heavy", "light"])
        #expect(schema.classes == ["cold", "hot", "ok"])
        #expect(schema.labelName == "comfort")
        #expect(schema.attributeNames == ["site"])
    }

    @Test("the key column is not a feature")
    func keyIsNoFeature() throws {
        let schema = try Self.file("key,temp,comfort\na,1,ok\nb,2,hot\n").inferSchema(label: "comfort", attributes: [])
        #expect(schema.columns.map(\.name) == ["temp"])
    }

    @Test("rows become samples: schema order, NaN for missing, attributes, class indices, keys")
    func samples() throws {
        let file = try Self.file(Self.labelled)
        let schema = try file.inferSchema(label: "comfort", attributes: ["site"])
        let samples = try file.samples(schema: schema, jobID: "job-1", kind: .train)
        #expect(samples.count == 4)
        #expect(samples[0].key == "round-1:1")
        #expect(samples[0].jobId == "job-1")
        #expect(samples[0].kind == .train)
        #expect(samples[0].features == [21.5, 1])
        #expect(samples[1].features[0].isNaN)
        #expect(samples[1].features[1] == 0)
        #expect(samples[0].attributes.map(\.value) == ["north"])
        #expect(samples[3].attributes.map(\.value) == ["(empty)"])
        #expect(samples.map { $0.label?.classIndex } == [2, 0, 1, 0])
        #expect(samples.allSatisfy { $0.label?.present == true })
    }

    @Test("columns are found by name, in any order, and an unlabelled file gives samples without labels")
    func unlabelled() throws {
        let schema = try Self.file(Self.labelled).inferSchema(label: "comfort", attributes: ["site"])
        let file = try Self.file("clothing,site,temp\nheavy,east,18\n", name: "stream.csv")
        let samples = try file.samples(schema: schema, jobID: "j", kind: .unspecified)
        #expect(samples[0].features == [18, 0])
        #expect(samples[0].attributes.map(\.value) == ["east"])
        #expect(samples[0].label?.present != true)
        #expect(samples[0].key == "stream:1")
    }

    @Test("errors name the file, the line and the column")
    func errors() throws {
        let schema = try Self.file(Self.labelled).inferSchema(label: "comfort", attributes: ["site"])
        let badNumber = try Self.file("site,temp,clothing,comfort\nn,20,light,ok\nn,warm,light,ok\n")
        let error = try #require(throws: SampleFileError.self) { try badNumber.samples(schema: schema, jobID: "j", kind: .train) }
        #expect(error.code == .invalidValue)
        #expect(error.line == 3)
        #expect(error.column == "temp")
        #expect(error.description.contains("round-1.csv"))
        let badClass = try Self.file("site,temp,clothing,comfort\nn,20,light,tepid\n")
        #expect(throws: SampleFileError.self) { try badClass.samples(schema: schema, jobID: "j", kind: .train) }
        let noColumn = try Self.file("site,clothing,comfort\nn,light,ok\n")
        let missing = try #require(throws: SampleFileError.self) { try noColumn.samples(schema: schema, jobID: "j", kind: .train) }
        #expect(missing.code == .missingColumn)
        #expect(throws: SampleFileError.self) { try Self.file(Self.labelled).inferSchema(label: "nope", attributes: []) }
        let oneClass = try Self.file("x,y\n1,a\n2,a\n")
        #expect(throws: SampleFileError.self) { try oneClass.inferSchema(label: "y", attributes: []) }
        #expect(throws: SampleFileError.self) { try Self.file("a,b\n1,2,3\n") }
    }

    @Test("an unknown category is missing on request")
    func unknownCategory() throws {
        let schema = try Self.file(Self.labelled).inferSchema(label: "comfort", attributes: ["site"])
        let file = try Self.file("site,temp,clothing\nn,20,wool\n")
        #expect(throws: SampleFileError.self) { try file.samples(schema: schema, jobID: "j", kind: .unspecified) }
        let samples = try file.samples(schema: schema, jobID: "j", kind: .unspecified, unknownCategoriesAsMissing: true)
        #expect(samples[0].features[1].isNaN)
    }
}

@Suite("Oracle labels")
struct OracleLabelsTests {
    @Test("labels by key, also for an edge's stored key; unlabelled rows are left out")
    func lookup() throws {
        let text = "site,temp,clothing,comfort\nnorth,21.5,light,ok\nsouth,20,heavy,\nnorth,25,light,hot\n"
        let file = try SampleFile(name: "round-2.csv", bytes: Array(text.utf8))
        let schema = try file.inferSchema(label: "comfort", attributes: ["site"])
        let oracle = try OracleLabels(file: file, schema: schema)
        #expect(oracle.count == 2)
        #expect(oracle.label(forKey: "round-2:1")?.classIndex == 1)
        #expect(oracle.label(forKey: "edge-2/round-2:3")?.classIndex == 0)
        #expect(oracle.label(forKey: "round-2:2") == nil)
        #expect(oracle.label(forKey: "round-1:1") == nil)
    }

    @Test("the oracle reads a file from disk and agrees with the samples' keys")
    func fromDisk() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-\(UUID().uuidString).csv")
        try Data("key,x,y\nk1,1,a\nk2,2,b\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SampleFile(contentsOf: url)
        let schema = try file.inferSchema(label: "y", attributes: [])
        let oracle = try OracleLabels(contentsOf: url, schema: schema)
        for sample in try file.samples(schema: schema, jobID: "j", kind: .train) {
            #expect(oracle.label(forKey: sample.key) == sample.label)
        }
    }

    @Test("a key given twice is an error")
    func duplicateKey() throws {
        let file = try SampleFile(name: "d.csv", bytes: Array("key,x,y\nk,1,a\nk,2,b\n".utf8))
        let schema = try file.inferSchema(label: "y", attributes: [])
        #expect(throws: SampleFileError.self) { try OracleLabels(file: file, schema: schema) }
    }
}
