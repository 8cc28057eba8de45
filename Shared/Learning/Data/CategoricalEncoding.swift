/// The fixed list of categories of one categorical column (or of the label's classes): a
/// value's code is its index in the list. Stored with a model so that training and inference
/// map the same string to the same code.
public struct CategoricalEncoding: Sendable, Hashable {
    /// The categories, in code order.
    public let categories: [String]
    private let codes: [String: Int]

    /// Creates an encoding from categories in code order.
    /// - Parameter categories: Distinct strings; the first has code 0.
    /// - Throws: `LearningError` `.invalidParameter` when a category appears twice.
    public init(categories: [String]) throws {
        var codes: [String: Int] = [:]
        codes.reserveCapacity(categories.count)
        for (index, category) in categories.enumerated() {
            if codes.updateValue(index, forKey: category) != nil {
                throw LearningError(
                    .invalidParameter, "category '\(category)' appears twice in an encoding")
            }
        }
        self.categories = categories
        self.codes = codes
    }

    /// Creates an encoding from the distinct values seen in data, in a stable order: numeric
    /// order when every value reads as a number, otherwise lexicographic order.
    /// - Parameter values: The observed values, repeats allowed.
    public init<S: Sequence>(sortingDistinct values: S) where S.Element == String {
        let distinct = Array(Set(values))
        let numbers = distinct.map { Double($0) }
        let sorted: [String]
        if !distinct.isEmpty, numbers.allSatisfy({ $0 != nil && !$0!.isNaN }) {
            sorted = zip(distinct, numbers).sorted { lhs, rhs in
                lhs.1! == rhs.1! ? lhs.0 < rhs.0 : lhs.1! < rhs.1!
            }.map(\.0)
        } else {
            sorted = distinct.sorted()
        }
        // Distinct by construction, so this cannot fail.
        var codes: [String: Int] = [:]
        for (index, category) in sorted.enumerated() { codes[category] = index }
        self.categories = sorted
        self.codes = codes
    }

    /// The number of categories.
    public var count: Int { categories.count }

    /// The code of `category`, or nil when the encoding does not know it.
    public func code(of category: String) -> Int? { codes[category] }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.categories == rhs.categories }
    public func hash(into hasher: inout Hasher) { hasher.combine(categories) }
}
