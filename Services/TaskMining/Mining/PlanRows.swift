import LifelongCore
import LifelongLearning

/// The rows of a data set grouped by the task the plan's allocator gives them.
struct PlanRows: Sendable {
    /// Row indices per task name, ascending.
    var byTask: [String: [Int]]
    /// Rows the allocator places in no task (unknown attribute combinations).
    var unallocated: [Int]

    /// Allocates every row of `data` with the plan's allocator.
    /// - Throws: `LifelongError.featureCountMismatch` for rows of another width.
    init(_ data: LabelledSet, plan: TaskPlan) throws {
        var byTask: [String: [Int]] = [:]
        var unallocated: [Int] = []
        for row in 0..<data.rowCount {
            if let task = try plan.index.allocator.allocate(features: data.table.features(ofRow: row), attributes: data.attributes[row]) {
                byTask[task, default: []].append(row)
            } else {
                unallocated.append(row)
            }
        }
        self.byTask = byTask
        self.unallocated = unallocated
    }
}
