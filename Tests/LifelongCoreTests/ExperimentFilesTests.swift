import LifelongCore
import LifelongLearning
import Testing

@Suite("Experiment files: one schema over every file")
struct ExperimentFilesTests {
    static func read(_ files: [String], _ configure: (inout ExperimentFiles.Options) -> Void = { _ in }) throws -> ExperimentFiles {
        var options = ExperimentFiles.Options()
        options.attributes = ["site"]
        configure(&options)
        return try ExperimentFiles(
            contents: files.enumerated().map { (name: "file\($0.offset).csv", bytes: Array($0.element.utf8)) }, options: options)
    }

    static func feature(_ set: LabelledSet, _ name: String) -> FeatureColumn? {
        set.table.encoding.features.first { $0.name == name }
    }

    @Test("a column that is text in the first file and numeric in a later one is categorical over both")
    func textThenNumbers() throws {
        let files = try Self.read([
            "site,room,t,label\ns1,kitchen,20,a\ns1,hall,21,b\n",
            "site,room,t,label\ns2,12,22,a\ns2,7,23,b\n",
        ])
        for file in files.files {
            let room = try #require(Self.feature(file.set, "room"))
            #expect(room.categories?.categories == ["12", "7", "hall", "kitchen"])
            #expect(Self.feature(file.set, "t")?.kind == .numeric)
        }
        let rooms = try #require(Self.feature(files.files[1].set, "room")?.categories)
        let column = try #require(files.files[1].set.table.encoding.features.firstIndex { $0.name == "room" })
        #expect(files.files[1].set.table.columns[column].map { rooms.categories[Int($0)] } == ["12", "7"])
    }

    @Test("a column that is numeric in the first file and text in a later one is categorical over both")
    func numbersThenText() throws {
        let files = try Self.read([
            "site,room,t,label\ns1,12,20,a\ns1,7,21,b\n",
            "site,room,t,label\ns2,kitchen,22,a\ns2,12,23,b\n",
        ])
        // Every file has the same encoding (the experiment requires it).
        #expect(files.files[0].set.table.encoding == files.files[1].set.table.encoding)
        let room = try #require(Self.feature(files.files[0].set, "room"))
        #expect(room.categories?.categories == ["12", "7", "kitchen"])
        let column = try #require(files.files[0].set.table.encoding.features.firstIndex { $0.name == "room" })
        // "12" has one code in both files.
        #expect(files.files[0].set.table.columns[column][0] == files.files[1].set.table.columns[column][1])
    }

    @Test("classes and categories are the union of every file's")
    func unions() throws {
        let files = try Self.read([
            "site,t,label\ns1,20,a\ns1,21,b\n",
            "site,t,label\ns2,22,c\ns2,23,a\n",
        ])
        #expect(files.files[0].set.table.encoding.classNames == ["a", "b", "c"])
        #expect(files.files[1].set.attributes == [["s2"], ["s2"]])
    }

    @Test("rows without a label are skipped and counted per file")
    func missingLabels() throws {
        let files = try Self.read([
            "site,t,label\ns1,20,a\ns1,21,\ns1,22,b\n",
            "site,t,label\ns2,22,NA\ns2,23,a\ns2,24,?\n",
        ])
        #expect(files.files.map(\.skippedLines) == [[3], [2, 4]])
        #expect(files.skippedRowCount == 3)
        #expect(files.files.map(\.set.rowCount) == [2, 1])
    }

    @Test("an empty or NA attribute value is the task value \"(empty)\"")
    func emptyAttributes() throws {
        let files = try Self.read(
            ["site,season,t,label\ns1,summer,20,a\n,summer,21,b\nNA,,22,a\n"], { $0.attributes = ["site", "season"] })
        let set = files.files[0].set
        #expect(LabelledSet.emptyAttributeValue == "(empty)")
        #expect((0..<set.rowCount).map { set.attributeKey(ofRow: $0) } == ["s1_summer", "(empty)_summer", "(empty)_(empty)"])
    }

    @Test("--ignore drops columns; the label and attributes cannot be ignored")
    func ignoredColumns() throws {
        let files = try Self.read(["site,id,t,label\ns1,x1,20,a\ns1,x2,21,b\n"], { $0.ignoredColumns = ["id"] })
        #expect(files.files[0].set.table.encoding.features.map(\.name) == ["t"])
        for column in ["label", "site"] {
            let error = try #require(throws: LifelongError.self) {
                try Self.read(["site,id,t,label\ns1,x1,20,a\n"], { $0.ignoredColumns = [column] })
            }
            #expect(error.code == .invalidParameter)
        }
    }

    @Test("attributes as features: the attribute columns are also categorical features")
    func attributesAsFeatures() throws {
        let plain = try Self.read(["site,t,label\n1,20,a\n2,21,b\n"])
        #expect(plain.files[0].set.table.encoding.features.map(\.name) == ["t"])
        let kept = try Self.read(["site,t,label\n1,20,a\n2,21,b\n"], { $0.attributesAsFeatures = true })
        let set = kept.files[0].set
        #expect(set.table.encoding.features.map(\.name) == ["site", "t"])
        #expect(Self.feature(set, "site")?.categories?.categories == ["1", "2"])
        #expect(set.attributes == [["1"], ["2"]])
    }

    @Test("files with different columns fail with a schema mismatch naming the file and column")
    func differentColumns() throws {
        let extra = try #require(throws: LifelongError.self) {
            try Self.read(["site,t,label\ns1,20,a\n", "site,t,id,label\ns1,20,x,a\n"])
        }
        #expect(extra.code == .schemaMismatch)
        #expect(extra.field == "id" && extra.message.contains("file1.csv"))
        let missing = try #require(throws: LifelongError.self) {
            try Self.read(["site,t,u,label\ns1,20,1,a\n", "site,t,label\ns1,20,a\n"])
        }
        #expect(missing.code == .schemaMismatch)
        #expect(missing.field == "u")
        // Ignoring the extra column makes the files agree.
        #expect(throws: Never.self) {
            try Self.read(["site,t,label\ns1,20,a\n", "site,t,id,label\ns1,20,x,a\n"], { $0.ignoredColumns = ["id"] })
        }
    }

    @Test("a missing attribute column and malformed CSV name the file")
    func errorsNameTheFile() throws {
        let attribute = try #require(throws: LifelongError.self) { try Self.read(["t,label\n20,a\n"]) }
        #expect(attribute.code == .missingColumn)
        #expect(attribute.message.contains("file0.csv"))
        let ragged = try #require(throws: LifelongError.self) {
            try Self.read(["site,t,label\ns1,20,a\n", "site,t,label\ns1,20\n"])
        }
        #expect(ragged.code == .learning)
        #expect(ragged.message.contains("file1.csv"))
    }
}
