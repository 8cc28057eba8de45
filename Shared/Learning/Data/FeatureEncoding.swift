/// Whether a feature is a number or one of a fixed set of strings.
public enum FeatureKind: Sendable, Hashable {
    /// A real number; NaN means missing.
    case numeric
    /// A category, passed to models as its code (index in the column's encoding) as a Float.
    case categorical(CategoricalEncoding)
}

/// One input column: its name and kind.
public struct FeatureColumn: Sendable, Hashable {
    /// The column's name (the CSV header field).
    public var name: String
    /// Numeric or categorical, with the categories.
    public var kind: FeatureKind

    /// Creates a column description.
    public init(name: String, kind: FeatureKind) {
        self.name = name
        self.kind = kind
    }

    /// The encoding of a categorical column, nil for a numeric one.
    public var categories: CategoricalEncoding? {
        if case .categorical(let encoding) = kind { return encoding }
        return nil
    }
}

/// What the label is: a number to regress, or one of a fixed set of classes.
public enum LabelKind: Sendable, Hashable {
    /// A real-valued target.
    case regression
    /// A class, stored as its code (index in `classes`) as a Float.
    case classification(classes: CategoricalEncoding)
}

/// What to do with a categorical value the encoding does not know.
public enum UnknownCategoryPolicy: Sendable, Hashable {
    /// Fail with `LearningError.Code.unknownCategory`.
    case reject
    /// Encode it as missing (NaN): trees send it the learned default direction, linear
    /// models give it an all-zero one-hot.
    case treatAsMissing
}

/// The columns a model reads, in order, with their categorical encodings, and its label.
/// Stored with every trained model so training and inference encode data the same way.
public struct FeatureEncoding: Sendable, Hashable {
    /// The feature columns in model input order.
    public var features: [FeatureColumn]
    /// The label column's name.
    public var labelName: String
    /// Regression or classification (with the class names).
    public var label: LabelKind

    /// Creates an encoding.
    public init(features: [FeatureColumn], labelName: String, label: LabelKind) {
        self.features = features
        self.labelName = labelName
        self.label = label
    }

    /// An encoding of `count` numeric features named `f0`, `f1`, …
    public static func numeric(featureCount count: Int, labelName: String = "label", label: LabelKind) -> Self {
        Self(features: (0..<count).map { FeatureColumn(name: "f\($0)", kind: .numeric) },
             labelName: labelName, label: label)
    }

    /// The number of features.
    public var featureCount: Int { features.count }

    /// The number of classes, or 0 for regression.
    public var classCount: Int {
        if case .classification(let classes) = label { return classes.count }
        return 0
    }

    /// The class names, empty for regression.
    public var classNames: [String] {
        if case .classification(let classes) = label { return classes.categories }
        return []
    }

    /// Encodes one row given as strings (nil or "" means missing) into model input.
    /// - Parameters:
    ///   - values: One value per feature, in `features` order.
    ///   - unknownCategory: What to do with a categorical value the encoding does not know.
    /// - Returns: The row as Floats: numbers as read, categories as codes, missing as NaN.
    /// - Throws: `LearningError` `.featureCountMismatch`, `.invalidValue`, `.nonFiniteValue`
    ///   or `.unknownCategory`, naming the feature.
    public func encodeRow(_ values: [String?], unknownCategory: UnknownCategoryPolicy = .reject) throws -> [Float] {
        guard values.count == features.count else {
            throw LearningError(
                .featureCountMismatch, "expected \(features.count) feature values, got \(values.count)")
        }
        var row = [Float](repeating: .nan, count: features.count)
        for (index, feature) in features.enumerated() {
            guard let text = values[index], !text.isEmpty else { continue }
            switch feature.kind {
            case .numeric:
                guard let value = Float(text) else {
                    throw LearningError(
                        .invalidValue, "'\(text)' is not a number", column: index + 1, field: feature.name)
                }
                if value.isInfinite {
                    throw LearningError(
                        .nonFiniteValue, "infinite value '\(text)'", column: index + 1, field: feature.name)
                }
                row[index] = value
            case .categorical(let encoding):
                if let code = encoding.code(of: text) {
                    row[index] = Float(code)
                } else if unknownCategory == .reject {
                    throw LearningError(
                        .unknownCategory, "unknown category '\(text)'", column: index + 1, field: feature.name)
                }
            }
        }
        return row
    }

    /// Encodes one row given by column name; absent names are missing.
    /// - Throws: As `encodeRow(_:unknownCategory:)`.
    public func encodeRow(named values: [String: String], unknownCategory: UnknownCategoryPolicy = .reject) throws -> [Float] {
        try encodeRow(features.map { values[$0.name] }, unknownCategory: unknownCategory)
    }
}
