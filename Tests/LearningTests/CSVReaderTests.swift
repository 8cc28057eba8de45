import Foundation
import LifelongLearning
import Testing

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("reads a header, numeric and categorical columns, and infers the schema")
    func infersSchema() throws {
        let text = "temp,room,label\n21.5,kitchen,warm\n18,hall,cold\n25.25,kitchen,warm\n"
        let table = try CSVReader().read(text: text)
        #expect(table.rowCount == 3)
        #expect(table.encoding.features.map(\.name) == ["temp", "room"])
        #expect(table.encoding.features[0].kind == .numeric)
        #expect(table.encoding.features[1].categories?.categories == ["hall", "kitchen"])
        #expect(table.encoding.classNames == ["cold", "warm"])
        #expect(table.columns[0] == [21.5, 18, 25.25])
        #expect(table.columns[1] == [1, 0, 1])
        #expect(table.labels == [1, 0, 1])
    }

    @Test("RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes")
    func quoting() throws {
        let text = "name,x,label\r\n\"a,b\",1,y\r\n\"say \"\"hi\"\"\",2,n\r\n\"two\nlines\",3,y\r\n"
        let table = try CSVReader().read(text: text)
        #expect(table.encoding.features[0].categories?.categories.sorted() == ["a,b", "say \"hi\"", "two\nlines"])
        #expect(table.columns[1] == [1, 2, 3])
    }

    @Test("missing markers become NaN; a BOM and blank lines are ignored")
    func missingValues() throws {
        let text = "\u{FEFF}x,c,label\n1,,a\n\nNA,k,b\n?,k,a\n"
        let table = try CSVReader().read(text: text)
        #expect(table.rowCount == 3)
        #expect(table.columns[0][0] == 1)
        #expect(table.columns[0][1].isNaN && table.columns[0][2].isNaN)
        #expect(table.columns[1][0].isNaN)
        #expect(table.columns[1][1] == 0)
    }

    @Test("numeric labels are regression unless classification is asked for")
    func labelChoice() throws {
        let text = "x,label\n1,0\n2,1\n3,2\n"
        #expect(try CSVReader().read(text: text).encoding.label == .regression)
        var options = CSVReader.Options()
        options.labelChoice = .classification
        let table = try CSVReader(options: options).read(text: text)
        #expect(table.encoding.classNames == ["0", "1", "2"])
    }

    @Test("a given schema maps columns by name and reuses the stored category codes")
    func givenSchema() throws {
        let training = try CSVReader().read(text: "room,x,label\nkitchen,1,a\nhall,2,b\n")
        var options = CSVReader.Options()
        options.encoding = training.encoding
        let table = try CSVReader(options: options).read(text: "extra,x,label,room\nz,5,b,kitchen\n")
        #expect(table.encoding == training.encoding)
        #expect(table.columns[0] == [1])  // kitchen keeps code 1
        #expect(table.columns[1] == [5])
        #expect(table.labels == [1])
    }

    @Test("an unknown category is rejected, or read as missing when asked")
    func unknownCategory() throws {
        let training = try CSVReader().read(text: "room,label\nkitchen,a\nhall,b\n")
        var options = CSVReader.Options()
        options.encoding = training.encoding
        let error = learningError { _ = try CSVReader(options: options).read(text: "room,label\nhall,a\nattic,b\n") }
        #expect(error?.code == .unknownCategory)
        #expect(error?.line == 3 && error?.column == 1 && error?.field == "room")
        options.unknownCategory = .treatAsMissing
        let table = try CSVReader(options: options).read(text: "room,label\nattic,b\n")
        #expect(table.columns[0][0].isNaN)
    }

    @Test("a label outside the given classes names its line and column")
    func labelOutsideClasses() throws {
        let training = try CSVReader().read(text: "x,label\n1,a\n2,b\n")
        var options = CSVReader.Options()
        options.encoding = training.encoding
        let error = learningError { _ = try CSVReader(options: options).read(text: "x,label\n1,a\n2,c\n") }
        #expect(error?.code == .invalidLabel)
        #expect(error?.line == 3 && error?.column == 2)
    }

    @Test("malformed input fails with the line and column", arguments: [
        ("x,label\n1,a\n2\n", LearningError.Code.raggedRow, 3),
        ("x,label\n1,a\n2,b,3\n", .raggedRow, 3),
        ("x,label\n\"1,a\n", .malformedCSV, 2),
        ("x,label\n1\"2,a\n", .malformedCSV, 2),
        ("x,label\n\"1\"2,a\n", .malformedCSV, 2),
        ("x,label\n1,a\n2,\n", .invalidLabel, 3),
        ("x,label\n1,a\ninf,b\n", .nonFiniteValue, 3),
        ("x,y\n1,2\n", .missingColumn, 1),
    ])
    func malformed(text: String, code: LearningError.Code, line: Int) {
        let error = learningError { _ = try CSVReader().read(text: text) }
        #expect(error?.code == code)
        #expect(error?.line == line)
    }

    @Test("a value that is not a number in a forced numeric schema names its position")
    func notANumber() throws {
        let training = try CSVReader().read(text: "x,label\n1,a\n2,b\n")
        var options = CSVReader.Options()
        options.encoding = training.encoding
        let error = learningError { _ = try CSVReader(options: options).read(text: "x,label\n1,a\nabc,b\n") }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == 3 && error?.column == 1 && error?.field == "x")
    }

    @Test("a quoted field spanning lines shifts later line numbers correctly")
    func lineNumbersAfterMultilineField() {
        let error = learningError { _ = try CSVReader().read(text: "c,label\n\"a\nb\",x\nq,y,z\n") }
        #expect(error?.code == .raggedRow)
        #expect(error?.line == 4)
    }

    @Test("reads a file from disk")
    func readsFile() throws {
        let directory = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("data.csv")
        try "a,label\n1.5,x\n-2e3,y\n".write(to: url, atomically: true, encoding: .utf8)
        let table = try CSVReader().read(contentsOf: url)
        #expect(table.columns[0] == [1.5, -2000])
    }

    @Test("a missing label fails by default, naming its line")
    func missingLabelRejected() throws {
        let text = "x,c,label\n1,a,y\n2,b,\n"
        let error = try #require(throws: LearningError.self) { try CSVReader().read(text: text) }
        #expect(error.code == .invalidLabel)
        #expect(error.line == 3)
    }

    @Test("with .skipRow, rows without a label are left out before inference and their lines reported")
    func missingLabelSkipped() throws {
        // Line 3 has an empty label; a quoted field makes the next row span lines 4-5; line 6 has "NA".
        let text = "x,c,label\n1,a,y\n2,gone,\n3,\"two\nlines\",n\nnot-a-number,gone,NA\n4,b,y\n"
        var options = CSVReader.Options()
        options.missingLabel = .skipRow
        let outcome = try CSVReader(options: options).readOutcome(bytes: Array(text.utf8))
        #expect(outcome.skippedLines == [3, 6])
        #expect(outcome.table.rowCount == 3)
        // The skipped rows' values do not reach the inferred schema: x stays numeric, "gone" is no category.
        #expect(outcome.table.encoding.features[0].kind == .numeric)
        #expect(outcome.table.columns[0] == [1, 3, 4])
        #expect(outcome.table.encoding.features[1].categories?.categories == ["a", "b", "two\nlines"])
        #expect(outcome.table.encoding.classNames == ["n", "y"])
        #expect(outcome.table.labels == [1, 0, 1])
        // Nothing to skip: the same table as `read`.
        let clean = try CSVReader(options: options).readOutcome(bytes: Array("x,label\n1,y\n".utf8))
        #expect(clean.skippedLines.isEmpty && clean.table.rowCount == 1)
    }
}
