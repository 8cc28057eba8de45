public import FoundationEssentials
import LifelongLearning

/// The CSV files of an experiment (initial rows, each round's rows and test rows), read with
/// one schema decided from all of them together.
///
/// The rules (also in `lifelong experiment --help` and docs/lifelong.md):
/// - **Columns**: the first file's header, without the label and the ignored columns. Every
///   other file must have the same columns (in any order); a column that only some files have
///   fails with `.schemaMismatch` unless it is ignored.
/// - **Kinds**: a column is numeric only when every present value in every file reads as a
///   number; otherwise it is categorical over the union of its values in every file (as
///   written: "1" and "1.0" are two categories). Attribute columns are always categorical.
/// - **Label**: classification; the classes are the union of the label values. A row whose
///   label is missing (empty or a missing marker such as `NA`) is left out and counted in
///   `File.skippedLines`.
/// - **Attributes**: they define tasks and leave the features unless `attributesAsFeatures`;
///   a missing attribute value is the task value `LabelledSet.emptyAttributeValue`, "(empty)".
public struct ExperimentFiles: Sendable {
    /// How to read the files; every field has a default.
    public struct Options: Sendable, Hashable {
        /// The label column.
        public var label: String = "label"
        /// The task-attribute columns, in task-key order.
        public var attributes: [String] = []
        /// Columns dropped from every file.
        public var ignoredColumns: [String] = []
        /// Whether the attribute columns also stay (categorical) model features.
        public var attributesAsFeatures: Bool = false

        /// Creates default options.
        public init() {}
    }

    /// One file as read.
    public struct File: Sendable {
        /// The name it was given (its path for files).
        public var name: String
        /// Its labelled rows.
        public var set: LabelledSet
        /// 1-based lines of the rows left out because their label was missing.
        public var skippedLines: [Int]
    }

    /// The options the files were read with.
    public var options: Options
    /// The files, in the order given.
    public var files: [File]

    /// Reads CSV files.
    /// - Parameters:
    ///   - urls: The files (at least one).
    ///   - options: How to read them.
    /// - Throws: `LifelongError` naming the file: `.schemaMismatch` when the files' columns
    ///   differ, `.missingColumn` for an unknown label or attribute, `.invalidParameter` for an
    ///   ignored label or attribute, `.learning` for unreadable CSV (with the line and column).
    public init(reading urls: [URL], options: Options) throws {
        let contents = try urls.map { url in
            do {
                return (name: url.path, bytes: [UInt8](try Data(contentsOf: url)))
            } catch {
                throw LifelongError(.invalidParameter, "\(url.path): cannot be read: \(error)", field: url.path)
            }
        }
        try self.init(contents: contents, options: options)
    }

    /// Reads CSV contents given with their names (used in errors and `File.name`).
    /// - Throws: As `init(reading:options:)`.
    public init(contents: [(name: String, bytes: [UInt8])], options: Options) throws {
        guard !contents.isEmpty else { throw LifelongError(.emptyData, "an experiment needs at least one file") }
        let ignored = Set(options.ignoredColumns)
        for column in [options.label] + options.attributes where ignored.contains(column) {
            throw LifelongError(.invalidParameter, "column '\(column)' is the label or an attribute and cannot be ignored", field: column)
        }
        var base = CSVReader.Options()
        base.labelColumn = options.label
        base.labelChoice = .classification
        base.missingLabel = .skipRow
        base.ignoredColumns = ignored
        base.forceCategorical = Set(options.attributes)

        // Pass 1: each file's own columns and kinds.
        var inferred = try contents.map { try Self.read($0, with: base) }
        let columns = inferred[0].table.encoding.features.map(\.name)
        for (content, outcome) in zip(contents, inferred).dropFirst() {
            let names = outcome.table.encoding.features.map(\.name)
            if let extra = names.first(where: { !columns.contains($0) }) {
                throw LifelongError(
                    .schemaMismatch, "\(content.name): column '\(extra)' is not in \(contents[0].name) (ignore it to leave it out)",
                    field: extra)
            }
            if let missing = columns.first(where: { !names.contains($0) }) {
                throw LifelongError(
                    .schemaMismatch, "\(content.name): column '\(missing)' of \(contents[0].name) is missing", field: missing)
            }
        }
        // A column categorical in any file is categorical everywhere: files that read it as
        // numbers are read again for its values as text.
        let categorical = Set(
            columns.filter { name in inferred.contains { $0.table.encoding.feature(named: name)?.categories != nil } })
        var asText = base
        asText.forceCategorical.formUnion(categorical)
        for index in inferred.indices
        where inferred[index].table.encoding.features.contains(where: { categorical.contains($0.name) && $0.categories == nil }) {
            inferred[index] = try Self.read(contents[index], with: asText)
        }
        let features = columns.map { name in
            guard categorical.contains(name) else { return FeatureColumn(name: name, kind: .numeric) }
            let values = inferred.flatMap { $0.table.encoding.feature(named: name)?.categories?.categories ?? [] }
            return FeatureColumn(name: name, kind: .categorical(CategoricalEncoding(sortingDistinct: values)))
        }
        let classes = CategoricalEncoding(sortingDistinct: inferred.flatMap { $0.table.encoding.classNames })

        // Pass 2: every file with the shared schema.
        var shared = base
        shared.encoding = FeatureEncoding(features: features, labelName: options.label, label: .classification(classes: classes))
        let keep = options.attributesAsFeatures ? Set(options.attributes) : []
        files = try contents.map { content in
            let outcome = try Self.read(content, with: shared)
            do {
                let set = try LabelledSet(splitting: outcome.table, attributeNames: options.attributes, keepAsFeatures: keep)
                return File(name: content.name, set: set, skippedLines: outcome.skippedLines)
            } catch let error as LifelongError {
                throw LifelongError(error.code, "\(content.name): \(error.message)", field: error.field, cause: error)
            }
        }
        self.options = options
    }

    /// The rows left out because their label was missing, over every file.
    public var skippedRowCount: Int { files.reduce(0) { $0 + $1.skippedLines.count } }

    private static func read(_ content: (name: String, bytes: [UInt8]), with options: CSVReader.Options) throws
        -> CSVReader.Outcome
    {
        do {
            return try CSVReader(options: options).readOutcome(bytes: content.bytes)
        } catch let error as LearningError {
            let code: LifelongError.Code = error.code == .missingColumn ? .missingColumn : .learning
            throw LifelongError(code, "\(content.name): \(error)", field: error.field, cause: error)
        }
    }
}

extension FeatureEncoding {
    /// The feature column with this name, if any.
    fileprivate func feature(named name: String) -> FeatureColumn? {
        features.first { $0.name == name }
    }
}
