/// How a task with few rows borrows from related tasks.
public struct TransferParameters: Sendable, Hashable {
    /// Tasks with fewer training rows than this are trained with transfer; larger tasks
    /// train on their own rows only.
    public var smallTaskSize: Int = 150
    /// Related tasks lending rows, at most.
    public var maxLenders: Int = 3
    /// Lenders whose weight is below this share of the best lender's are not used.
    public var minRelativeWeight: Double = 0.85
    /// Rows borrowed in total, at most (split between lenders by weight).
    public var borrowedRows: Int = 600
    /// Share of the training set's weight the task's own rows carry (by repeating them).
    public var ownShare: Double = 0.3
    /// Whether a task with transfer also has the trees fitted on the lenders blended in at
    /// inference (as fallbacks).
    public var fallbackCount: Int = 3

    /// Defaults.
    public init() {}

    /// Checks ranges.
    /// - Throws: `LifelongError.invalidParameter` naming the field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ expectation: String) throws {
            if !ok { throw LifelongError(.invalidParameter, "transfer.\(field) must be \(expectation)", field: field) }
        }
        try check(smallTaskSize >= 0, "smallTaskSize", ">= 0")
        try check(maxLenders >= 0, "maxLenders", ">= 0")
        try check((0...1).contains(minRelativeWeight), "minRelativeWeight", "in [0, 1]")
        try check(borrowedRows >= 0, "borrowedRows", ">= 0")
        try check(ownShare > 0 && ownShare < 1, "ownShare", "in (0, 1)")
        try check(fallbackCount >= 0, "fallbackCount", ">= 0")
    }
}
