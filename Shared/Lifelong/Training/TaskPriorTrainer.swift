import Glibc
import FoundationEssentials
import LifelongLearning

/// Transfer as a mechanism rather than tuned constants: every task starts from one model
/// trained on every task's rows that also sees the task attributes (the *prior*), specialized
/// to the task's attribute values, and adds a correction boosted on the task's own rows
/// from the prior's raw scores. How many correction rounds (0 allowed: the prior alone) is
/// chosen per task by k-fold validation on its training rows; nothing is fitted on test data.
///
/// How far a round trusts its corrections is one choice for every task trained in it
/// (``credibility(of:candidates:)``, by nested validation): where tasks are alike the prior
/// already is the best single model and the corrections are dropped; where a task differs,
/// its rows earn it rounds of its own. A task of a few rows is
/// served by the prior specialized to it, which knows the task through its attributes and
/// every other task through the shared trees.
struct TaskPriorTrainer: Sendable {
    /// Parameters of the corrections (`rounds` is the most tried).
    let parameters: GradientBoostingParameters
    /// Folds of the inner validation that picks a task's correction rounds.
    let folds: Int
    /// Fewest rows a task needs for a correction (below, the prior alone).
    let minCorrectionRows: Int

    /// The name of the prior's feature for an attribute column (apart from feature names).
    static func featureName(ofAttribute name: String) -> String { "@task:" + name }

    /// Per attribute column, the values of every task known so far.
    static func categories(attributeNames: [String], taskAttributes: [[String]]) -> [CategoricalEncoding] {
        attributeNames.indices.map { index in CategoricalEncoding(sortingDistinct: taskAttributes.map { $0[index] }) }
    }

    /// The rows' table with the attribute columns (`attributeNames`, the rows' own) appended
    /// as categorical features; the table itself without attribute columns.
    static func priorTable(_ rows: LabelledSet, attributeNames: [String], categories: [CategoricalEncoding]) -> Table {
        guard !attributeNames.isEmpty else { return rows.table }
        var encoding = rows.table.encoding
        var columns = rows.table.columns
        for (index, name) in attributeNames.enumerated() {
            encoding.features.append(FeatureColumn(name: featureName(ofAttribute: name), kind: .categorical(categories[index])))
            columns.append(rows.attributes.map { Float(categories[index].code(of: $0[index]) ?? -1).nanIfNegative })
        }
        return Table(unchecked: encoding, columns: columns, labels: rows.table.labels)
    }

    /// The prior: one model on every task's rows with their attributes (`priorTable`); nil
    /// with fewer than two classes.
    func trainPrior(_ table: Table, parameters: GradientBoostingParameters, seed: UInt64) throws -> GradientBoostedTrees? {
        guard table.classCounts().filter({ $0 > 0 }).count >= 2 else { return nil }
        var parameters = parameters
        parameters.seed = seed
        return try LifelongError.wrapping("training the prior") { try GradientBoostedTrees.train(on: table, parameters: parameters) }
    }

    /// The prior specialized to one task's attribute values, over the model features only.
    func taskPrior(
        _ prior: GradientBoostedTrees, attributeNames: [String], values: [String], categories: [CategoricalEncoding],
        encoding: FeatureEncoding
    ) throws -> GradientBoostedTrees {
        var fixed: [String: Float] = [:]
        for (index, name) in attributeNames.enumerated() {
            fixed[Self.featureName(ofAttribute: name)] = Float(categories[index].code(of: values[index]) ?? -1).nanIfNegative
        }
        return try LifelongError.wrapping("specializing the prior") { try prior.specialized(fixing: fixed, to: encoding) }
    }

    /// Priors that did not see a row: `folds` priors, each trained on the other folds
    /// (cross-fitting), and which fold holds each row out. A correction learned against their
    /// scores learns what the prior misses on new rows, not what it memorized; a related
    /// task's specialization is scored through them too, so every start is judged on rows
    /// its prior did not see.
    struct CrossFittedPriors {
        /// One prior per fold, trained without that fold's rows (nil: too few classes).
        var priors: [GradientBoostedTrees?]
        /// The fold holding each row out.
        var foldOfRow: [Int]

        /// The raw scores of `table`'s rows `rows` from the priors that did not see them,
        /// each prior first passed through `transform` (e.g. specialized to a task); nil when
        /// a fold has no prior.
        func margins(
            of table: Table, rows: some Sequence<Int>, transform: (Int, GradientBoostedTrees) throws -> GradientBoostedTrees
        ) throws -> [[Float]]? {
            var models: [Int: GradientBoostedTrees] = [:]
            var margins: [[Float]] = []
            margins.reserveCapacity(rows.underestimatedCount)
            for row in rows {
                let fold = foldOfRow[row]
                if models[fold] == nil {
                    guard let prior = priors[fold] else { return nil }
                    models[fold] = try transform(fold, prior)
                }
                margins.append(try models[fold]!.rawScores(table.features(ofRow: row)))
            }
            return margins
        }
    }

    /// Cross-fitted priors over given folds trained on a subset of the rows (`keeping`; the
    /// others are left out of every fold prior), for scoring rows as if some had never been
    /// seen; `folds[row]` is the fold holding each row out.
    func crossFittedPriors(
        _ table: Table, keeping rows: [Int], folds foldOfRow: [Int], parameters: GradientBoostingParameters, seed: UInt64
    ) throws -> CrossFittedPriors {
        let count = (foldOfRow.max() ?? -1) + 1
        let priors = try (0..<count).map { fold in
            try trainPrior(table.selecting(rows: rows.filter { foldOfRow[$0] != fold }), parameters: parameters, seed: seed)
        }
        return CrossFittedPriors(priors: priors, foldOfRow: foldOfRow)
    }

    /// The cross-fitted priors of every row of `table` (see ``CrossFittedPriors``).
    func crossFittedPriors(_ table: Table, parameters: GradientBoostingParameters, seed: UInt64) throws -> CrossFittedPriors {
        var result = CrossFittedPriors(priors: [], foldOfRow: [Int](repeating: 0, count: table.rowCount))
        for (number, fold) in Folds(rowCount: table.rowCount, count: folds, seed: seed ^ 0x00F0_1D5A).enumerated() {
            result.priors.append(try trainPrior(table.selecting(rows: fold.kept), parameters: parameters, seed: seed))
            for row in fold.held { result.foldOfRow[row] = number }
        }
        return result
    }

    /// Which of several starts of a task's correction fits its rows best: the index of the
    /// margin set with the lowest mean log loss among those that beat the first (the task's
    /// own prior) by more than one standard error of the paired per-row loss differences —
    /// the usual one-standard-error rule, so that with a few rows a neighbour must fit
    /// clearly better, not by chance. A few rows of a new task say little about its own
    /// attribute values, yet enough to tell which known task it resembles. Each margin set
    /// should hold the rows' scores from priors that did not see them (see
    /// ``CrossFittedPriors``), so the comparison is fair.
    static func bestStart(_ marginSets: [[[Float]]], labels: [Int]) -> Int {
        guard let own = marginSets.first.map({ rowLosses(margins: $0, labels: labels) }), own.count > 1 else { return 0 }
        var best = 0
        var bestLoss = own.reduce(0, +) / Double(own.count)
        for (index, margins) in marginSets.enumerated().dropFirst() {
            let losses = rowLosses(margins: margins, labels: labels)
            let loss = losses.reduce(0, +) / Double(losses.count)
            if fitsBetter(losses, than: own), loss < bestLoss - 1e-12 { (best, bestLoss) = (index, loss) }
        }
        return best
    }

    /// Whether per-row losses beat a reference's on the same rows by more than `standardErrors`
    /// standard errors of the paired differences (by default the one-standard-error rule: with
    /// a few rows, a candidate must fit clearly better, not by chance).
    static func fitsBetter(_ losses: [Double], than reference: [Double], standardErrors: Double = 1) -> Bool {
        guard losses.count == reference.count, losses.count > 1 else { return false }
        let gain = LifelongMetrics.meanWithStandardError(zip(reference, losses).map { $0 - $1 })
        return gain.mean > standardErrors * gain.standardError
    }

    /// Mean negative log-likelihood of the labels under raw scores (softmax over classes; one
    /// score: the positive class's logit).
    static func meanLogLoss(margins: [[Float]], labels: [Int]) -> Double {
        rowLosses(margins: margins, labels: labels).reduce(0, +) / Double(max(labels.count, 1))
    }

    /// The share of rows whose highest raw score is not their label's (one score: the
    /// positive class above 0).
    static func errorRate(margins: [[Float]], labels: [Int]) -> Double {
        let wrong = zip(margins, labels).filter { scores, label in
            let predicted = scores.count == 1 ? (scores[0] > 0 ? 1 : 0) : scores.indices.max { scores[$0] < scores[$1] } ?? 0
            return predicted != label
        }.count
        return Double(wrong) / Double(max(labels.count, 1))
    }

    /// Each row's negative log-likelihood of its label under its raw scores.
    static func rowLosses(margins: [[Float]], labels: [Int]) -> [Double] {
        zip(margins, labels).map { scores, label in
            if scores.count == 1 {
                let z = Double(scores[0]) * (label == 1 ? 1 : -1)
                return z > 0 ? Glibc.log1p(Glibc.exp(-z)) : -z + Glibc.log1p(Glibc.exp(z))
            }
            let maximum = Double(scores.max()!)
            let sum = scores.reduce(0.0) { $0 + Glibc.exp(Double($1) - maximum) }
            return maximum + Glibc.log(sum) - Double(scores[label])
        }
    }

    /// A task's model: its prior plus the correction rounds its rows earn, and that number.
    /// - Parameter margins: The prior's raw scores for each row, out of fold when available
    ///   (see ``CrossFittedPriors``); the task's prior's own scores otherwise.
    /// - Parameter scale: The factor on the correction's scores (see ``credibility(of:candidates:)``).
    func taskModel(
        prior: GradientBoostedTrees, rows: Table, margins outOfFold: [[Float]]? = nil, scale: Float = 1, seed: UInt64
    ) throws -> (model: GradientBoostedTrees, rounds: Int) {
        guard scale > 0, let margins = try correctionMargins(prior: prior, rows: rows, outOfFold: outOfFold),
            let correction = try correction(rows: rows, margins: margins, seed: seed)
        else { return (prior, 0) }
        let shrunk = scale < 1 ? correction.model.scaled(by: scale) : correction.model
        return (try LifelongError.wrapping("joining prior and correction") { try prior.appending(shrunk) }, correction.rounds)
    }

    /// Whether rows are enough for a correction: `minCorrectionRows` (and one per fold), two classes.
    func canCorrect(_ rows: Table) -> Bool {
        rows.rowCount >= max(minCorrectionRows, folds) && rows.classCounts().filter({ $0 > 0 }).count >= 2
    }

    /// A task's rows as a held-out correction sees them (``heldOutCorrection(rows:margins:seed:)``):
    /// each row's label, its start's raw scores, the raw-score change from a correction that did
    /// not see it, and how many rows that correction was trained on.
    struct HeldOutCorrection: Sendable {
        var labels: [Int]
        var margins: [[Float]]
        var changes: [[Float]]
        var trainedRows: [Int]
    }

    /// The credibility constants tried (rows; infinity: no correction at all).
    static let credibilityCandidates: [Double] = [0, 5, 10, 20, 40, 80, 160, 320, 640, .infinity]

    /// The factor on a correction trained on `rows` rows under credibility constant `k`:
    /// rows / (rows + k) (Bühlmann's credibility weight: the more rows, the more the task's own
    /// evidence counts against the prior's).
    static func correctionScale(rows: Int, credibility k: Double) -> Float {
        k.isInfinite ? 0 : Float(Double(rows) / (Double(rows) + k))
    }

    /// The credibility constant of a round's corrections: the candidate under which the
    /// tasks' held-out corrections, each scaled by ``correctionScale(rows:credibility:)``, give
    /// the lowest log loss on rows they did not see — each task's mean loss counted once, as
    /// each task's test rows count alike. One constant for the round, chosen on every trained
    /// task's rows together: a 30-row task cannot tell by itself whether its correction
    /// learned its own function or its noise, the round's tasks together can. Ties go to the
    /// smaller constant (0: corrections as trained).
    static func credibility(
        of tasks: [HeldOutCorrection], candidates: [Double] = credibilityCandidates
    ) -> Double {
        var best = 0.0
        var bestLoss = Double.infinity
        for k in candidates {
            var total = 0.0
            for task in tasks {
                let scaled = task.margins.indices.map { row in
                    let factor = correctionScale(rows: task.trainedRows[row], credibility: k)
                    return zip(task.margins[row], task.changes[row]).map { $0 + factor * $1 }
                }
                total += meanLogLoss(margins: scaled, labels: task.labels)
            }
            if total < bestLoss - 1e-12 { (best, bestLoss) = (k, total) }
        }
        return best
    }

    /// The start's scores a correction continues from (out of fold when given); nil when the
    /// rows are too few for a correction or hold one class.
    private func correctionMargins(prior: GradientBoostedTrees, rows: Table, outOfFold: [[Float]]?) throws -> [[Float]]? {
        guard canCorrect(rows) else { return nil }
        return try outOfFold.flatMap { $0.allSatisfy { !$0.isEmpty } ? $0 : nil }
            ?? (0..<rows.rowCount).map { try prior.rawScores(rows.features(ofRow: $0)) }
    }

    /// The correction of rows from their start's scores, with the rounds inner validation
    /// picks; nil when it picks none.
    private func correction(rows: Table, margins: [[Float]], seed: UInt64) throws -> (model: GradientBoostedTrees, rounds: Int)? {
        let rounds = try correctionRounds(rows: rows, margins: margins, seed: seed)
        guard rounds > 0 else { return nil }
        var parameters = parameters
        parameters.rounds = rounds
        parameters.seed = seed
        let model = try LifelongError.wrapping("training a task correction") {
            try GradientBoostedTrees.train(on: rows, parameters: parameters, start: BoostingStart(baseMargin: margins.flatMap { $0 }))
        }
        return (model, rounds)
    }

    /// What a task's correction does to rows it did not see (nested validation): `folds`
    /// corrections, each built as ``taskModel(prior:rows:margins:scale:seed:)`` builds one —
    /// rounds chosen by inner validation — on the other folds, and each row's raw-score change
    /// from the one that left it out. Rows of a fold whose correction would be too small or
    /// picks no rounds change by nothing.
    /// - Returns: Per row the change, and the rows each row's correction was trained on; nil
    ///   when the task's rows are too few for a correction or hold one class.
    func heldOutCorrection(rows: Table, margins: [[Float]], seed: UInt64) throws -> HeldOutCorrection? {
        guard canCorrect(rows) else { return nil }
        let width = margins.first?.count ?? 0
        var result = HeldOutCorrection(
            labels: rows.classLabels, margins: margins,
            changes: [[Float]](repeating: [Float](repeating: 0, count: width), count: rows.rowCount),
            trainedRows: [Int](repeating: 0, count: rows.rowCount))
        for fold in Folds(rowCount: rows.rowCount, count: folds, seed: seed ^ 0x0E57_ED00) {
            let train = rows.selecting(rows: fold.kept)
            for row in fold.held { result.trainedRows[row] = fold.kept.count }
            guard canCorrect(train), let correction = try correction(rows: train, margins: fold.kept.map { margins[$0] }, seed: seed)
            else { continue }
            for row in fold.held { result.changes[row] = try correction.model.rawScores(rows.features(ofRow: row)) }
        }
        return result
    }

    /// The correction rounds with the lowest mean validation loss over the folds (0: the
    /// prior's own loss is the lowest).
    func correctionRounds(rows: Table, margins: [[Float]], seed: UInt64) throws -> Int {
        var totals = [Double](repeating: 0, count: parameters.rounds + 1)
        var parameters = parameters
        parameters.seed = seed
        for fold in Folds(rowCount: rows.rowCount, count: folds, seed: seed ^ 0x5EED_F01D) {
            let (held, kept) = (fold.held, fold.kept)
            let train = rows.selecting(rows: kept), validation = rows.selecting(rows: held)
            guard train.classCounts().filter({ $0 > 0 }).count >= 2 else { continue }
            let model = try LifelongError.wrapping("validating a task correction") {
                try GradientBoostedTrees.train(
                    on: train, validation: validation, parameters: parameters,
                    start: BoostingStart(
                        baseMargin: kept.flatMap { margins[$0] }, validationBaseMargin: held.flatMap { margins[$0] }))
            }
            let losses = [model.initialValidationLoss ?? 0] + model.validationLosses
            for (round, loss) in losses.enumerated() where round < totals.count { totals[round] += loss }
        }
        var best = 0
        for round in totals.indices where totals[round] < totals[best] - 1e-12 { best = round }
        return best
    }
}

extension Float {
    /// NaN for a negative value (an unknown category code).
    fileprivate var nanIfNegative: Float { self < 0 ? .nan : self }
}
