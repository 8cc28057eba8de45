import LifelongCore
import LifelongLearning

/// Checks samples against the snapshot they will be predicted with and turns them into what
/// `TaskIndexPredictor.predict` reads. A whole batch is checked before anything is predicted or
/// buffered; every bad sample is named in the one error (up to ``reportedProblems``).
struct SampleChecker {
    /// The bad samples an error message lists at most.
    static let reportedProblems = 8

    /// A checked batch: one row-major feature matrix, and each sample's attribute values in
    /// the schema's order (empty arrays, which allocate nothing, when the job has none).
    struct Checked {
        var features: [Float]
        var attributes: [[String]]
        let width: Int

        /// Sample `row`'s features.
        func features(ofRow row: Int) -> ArraySlice<Float> { features[row * width..<(row + 1) * width] }
    }

    let snapshot: LoadedSnapshot

    /// Checks every input.
    /// - Parameters:
    ///   - inputs: The samples.
    ///   - field: The request field of sample `i`'s part `part` (`features`, `features[2]`,
    ///     `attributes[0].name`), as the caller's contract names it.
    /// - Throws: ``EdgeError`` INVALID_ARGUMENT naming each bad sample's field.
    func check(_ inputs: [EdgeSampleInput], field: (Int, String) -> String) throws -> Checked {
        var problems: [String] = []
        let width = snapshot.predictor.encoding.featureCount
        var checked = Checked(features: [Float](repeating: 0, count: inputs.count * width), attributes: [], width: width)
        checked.attributes.reserveCapacity(inputs.count)
        for (position, input) in inputs.enumerated() {
            do {
                let attributes = try checked.features.withUnsafeMutableBufferPointer { matrix in
                    try check(input, into: UnsafeMutableBufferPointer(rebasing: matrix[position * width..<(position + 1) * width]),
                              field: { field(position, $0) })
                }
                checked.attributes.append(attributes)
            } catch let problem as Problem {
                problems.append(problem.message)
            }
        }
        guard problems.isEmpty else {
            let shown = problems.prefix(Self.reportedProblems).joined(separator: "; ")
            let more = problems.count > Self.reportedProblems ? "; and \(problems.count - Self.reportedProblems) more bad samples" : ""
            throw EdgeError(.invalidArgument, shown + more)
        }
        return checked
    }

    private struct Problem: Error {
        var message: String
    }

    /// Checks one sample, writes its features to `features` and returns its attribute values.
    private func check(
        _ input: EdgeSampleInput, into features: UnsafeMutableBufferPointer<Float>, field: (String) -> String
    ) throws(Problem) -> [String] {
        let columns = snapshot.predictor.encoding.features
        guard input.features.count == columns.count else {
            throw Problem(message: "\(field("features")): \(input.features.count) values, the schema has \(columns.count) features")
        }
        for (column, value) in input.features.enumerated() {
            guard !value.isInfinite else {
                throw Problem(message: "\(field("features[\(column)]")) (\(columns[column].name)): \(value) is not finite (NaN means missing)")
            }
            if let categories = columns[column].categories, !value.isNaN {
                guard value.rounded() == value, value >= 0, value < Double(categories.count) else {
                    throw Problem(
                        message: "\(field("features[\(column)]")) (\(columns[column].name)): categorical, "
                            + "expects a category code 0…\(categories.count - 1) or NaN, got \(value)")
                }
            }
            features[column] = Float(value)
        }
        let names = snapshot.predictor.attributeNames
        guard !names.isEmpty || !input.attributes.isEmpty else { return [] }
        var attributes = [String](repeating: LabelledSet.emptyAttributeValue, count: names.count)
        var seen = Set<String>()
        for (position, attribute) in input.attributes.enumerated() {
            guard let slot = snapshot.attributePositions[attribute.name] else {
                throw Problem(
                    message: "\(field("attributes[\(position)].name")): '\(attribute.name)' is not an attribute of the schema "
                        + "(\(names.joined(separator: ", ")))")
            }
            guard seen.insert(attribute.name).inserted else {
                throw Problem(message: "\(field("attributes[\(position)].name")): '\(attribute.name)' is given twice")
            }
            if !attribute.value.isEmpty { attributes[slot] = attribute.value }
        }
        return attributes
    }
}
