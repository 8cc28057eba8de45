import ArgumentParser
import Foundation
import LifelongCore
import LifelongLearning

/// Reads every CSV file of an experiment with one shared schema.
enum ExperimentData {
    /// Reads the files twice: first to learn each file's columns and categories, then with
    /// the union of the categories as a given schema, so a site that appears only in a later
    /// round has the same codes everywhere.
    static func read(files: [String], label: String, attributes: [String]) throws -> [LabelledSet] {
        var options = CSVReader.Options()
        options.labelColumn = label
        options.labelChoice = .classification
        options.forceCategorical = Set(attributes)
        var inferred: [Table] = []
        for file in files {
            do {
                inferred.append(try CSVReader(options: options).read(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw ValidationError("\(file): \(error)")
            }
        }
        let first = inferred[0].encoding
        var features: [FeatureColumn] = []
        for column in first.features {
            switch column.kind {
            case .numeric:
                for (file, table) in zip(files, inferred) where table.encoding.features.first(where: { $0.name == column.name })?.categories != nil {
                    throw ValidationError("\(file): column '\(column.name)' is not numeric there, as it is in \(files[0])")
                }
                features.append(column)
            case .categorical:
                let values = inferred.flatMap { $0.encoding.features.first { $0.name == column.name }?.categories?.categories ?? [] }
                features.append(FeatureColumn(name: column.name, kind: .categorical(CategoricalEncoding(sortingDistinct: values))))
            }
        }
        let classes = CategoricalEncoding(sortingDistinct: inferred.flatMap { $0.encoding.classNames })
        var given = options
        given.encoding = FeatureEncoding(features: features, labelName: label, label: .classification(classes: classes))
        return try files.map { file in
            let table: Table
            do {
                table = try CSVReader(options: given).read(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw ValidationError("\(file): \(error)")
            }
            do {
                return try LabelledSet(splitting: table, attributeNames: attributes)
            } catch {
                throw ValidationError("\(file): \(error)")
            }
        }
    }
}
