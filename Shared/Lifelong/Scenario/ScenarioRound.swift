/// The data of one round of a generated scenario: training rows (new tasks, and extra rows of
/// a known task) and test rows of the tasks whose training data arrive in that round.
public struct ScenarioRound: Sendable {
    /// 0 for the initial data, then 1, 2, …
    public var index: Int
    /// Labelled training rows.
    public var train: LabelledSet
    /// Held-out test rows of this round's tasks.
    public var test: LabelledSet
    /// Task keys (the attribute values joined with "_") whose first data arrive in this round.
    public var newTasks: [String]
    /// Known task keys receiving more data in this round.
    public var updatedTasks: [String]

    /// Creates a round.
    public init(index: Int, train: LabelledSet, test: LabelledSet, newTasks: [String], updatedTasks: [String]) {
        self.index = index
        self.train = train
        self.test = test
        self.newTasks = newTasks
        self.updatedTasks = updatedTasks
    }

    /// The file name stem of the round: "initial" for round 0, "round-N" after.
    public var fileStem: String { index == 0 ? "initial" : "round-\(index)" }
}
