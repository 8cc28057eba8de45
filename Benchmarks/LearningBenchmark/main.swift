// Our side of `make bench-learning` (scripts/learning/bench.sh runs it next to XGBoost,
// LightGBM and tl2cgen): trains gradient-boosted trees on the data written by
// `xgboost_bench.py generate` and prints its figures as key=value lines. With `--export DIR`
// it also writes the trained trees (trees.json) and its held-out probabilities
// (ours_probabilities.f32), so tl2cgen compiles the very same trees and the C harness can
// check it predicts what we predict.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import BenchmarkSupport
import LifelongLearning

struct Arguments {
    var data = ""
    var rounds = 100
    var depth = 6
    var eta: Float = 0.3
    var singleRows = 20_000
    var repeats = 3
    var export = ""

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { Self.usage("missing value for \(flag)") }
            switch flag {
            case "--data": data = value
            case "--rounds": rounds = Int(value) ?? rounds
            case "--depth": depth = Int(value) ?? depth
            case "--eta": eta = Float(value) ?? eta
            case "--single-rows": singleRows = Int(value) ?? singleRows
            case "--repeats": repeats = max(1, Int(value) ?? repeats)
            case "--export": export = value
            default: Self.usage("unknown flag \(flag)")
            }
        }
        if data.isEmpty { Self.usage("--data is required") }
    }

    static func usage(_ problem: String) -> Never {
        FileHandle.standardError.write(Data("learning-benchmark: \(problem)\nusage: learning-benchmark --data DIR [--rounds N] [--depth N] [--eta X] [--single-rows N] [--repeats N] [--export DIR]\n".utf8))
        exit(2)
    }
}

func floats(_ path: String) throws -> [Float] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

func nanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// User + system CPU time of the process so far: on a shared machine, wall time alone
/// mixes in other people's load.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func main() throws {
    let arguments = Arguments(CommandLine.arguments)
    let metaData = try Data(contentsOf: URL(fileURLWithPath: arguments.data + "/meta.json"))
    guard let meta = try JSONSerialization.jsonObject(with: metaData) as? [String: Any],
          let features = meta["features"] as? Int, let classes = meta["classes"] as? Int
    else { Arguments.usage("meta.json lacks features/classes") }
    let classNames = (0..<classes).map(String.init)
    let encoding = FeatureEncoding.numeric(
        featureCount: features, label: .classification(classes: try CategoricalEncoding(categories: classNames)))
    let train = try Table(
        encoding: encoding, rowMajor: try floats(arguments.data + "/train_x.f32"),
        labels: try floats(arguments.data + "/train_y.f32"))
    let testFeatures = try floats(arguments.data + "/test_x.f32")
    let testLabels = try floats(arguments.data + "/test_y.f32").map { Int($0) }

    var parameters = GradientBoostingParameters()
    parameters.rounds = arguments.rounds
    parameters.maxDepth = arguments.depth
    parameters.learningRate = arguments.eta

    // Training is deterministic: every repeat grows the same model; the median time counts.
    let rssBefore = residentBytes()
    var model: GradientBoostedTrees?
    var trainRuns: [Double] = [], cpuRuns: [Double] = []
    for _ in 0..<arguments.repeats {
        let cpuStart = cpuSeconds()
        let start = nanoseconds()
        model = try GradientBoostedTrees.train(on: train, parameters: parameters)
        trainRuns.append(Double(nanoseconds() - start) / 1e9)
        cpuRuns.append(cpuSeconds() - cpuStart)
    }
    let peak = peakResidentBytes()
    guard let model else { Arguments.usage("--repeats must be at least 1") }

    let probabilities = try model.predictBatch(rowMajor: testFeatures)
    let predicted = model.classes(fromBatch: probabilities)
    let metrics = try ClassificationMetrics(labels: testLabels, predicted: predicted, classCount: classes)
    if !arguments.export.isEmpty {
        try exportTrees(model, to: arguments.export + "/trees.json")
        try probabilities.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: arguments.export + "/ours_probabilities.f32")) }
    }

    // Single rows: each call timed on its own; the output buffer is reused.
    let testRows = testLabels.count
    var output = [Float](repeating: 0, count: model.outputCount)
    var singles = [UInt64](repeating: 0, count: arguments.singleRows)
    try testFeatures.withUnsafeBufferPointer { input in
        try output.withUnsafeMutableBufferPointer { output in
            for i in 0..<arguments.singleRows {
                let row = UnsafeBufferPointer(rebasing: input[((i % testRows) * features)..<((i % testRows + 1) * features)])
                let t0 = nanoseconds()
                try model.predict(row: row, into: output)
                singles[i] = nanoseconds() - t0
            }
        }
    }
    singles.sort()
    // Mean over a tight loop, without a clock read around each call.
    let tightCalls = arguments.singleRows
    let tightStart = try testFeatures.withUnsafeBufferPointer { input in
        try output.withUnsafeMutableBufferPointer { output in
            let t0 = nanoseconds()
            for i in 0..<tightCalls {
                let row = UnsafeBufferPointer(rebasing: input[((i % testRows) * features)..<((i % testRows + 1) * features)])
                try model.predict(row: row, into: output)
            }
            return t0
        }
    }
    let tightMean = Double(nanoseconds() - tightStart) / Double(tightCalls)
    let batchRows = min(10_000, testRows)
    let batch = Array(testFeatures[0..<(batchRows * features)])
    var batchTimes: [Double] = []
    for _ in 0..<5 {
        let t0 = nanoseconds()
        _ = try model.predictBatch(rowMajor: batch)
        batchTimes.append(Double(nanoseconds() - t0) / 1e9)
    }
    batchTimes.sort()
    let batchSeconds = batchTimes[2]

    var figures: [(String, String)] = [
        ("train_seconds", "\(median(trainRuns))"),
        ("train_seconds_runs", trainRuns.map { String(format: "%.3f", $0) }.joined(separator: ",")),
        ("train_cpu_seconds", "\(median(cpuRuns))"),
        ("accuracy", "\(metrics.accuracy)"),
        ("peak_rss_mb", "\(Double(peak) / 1_048_576)"),
        ("train_rss_growth_mb", "\(Double(max(0, peak - rssBefore)) / 1_048_576)"),
        ("predict_p50_ns", "\(singles[singles.count / 2])"),
        ("predict_p99_ns", "\(singles[Int(Double(singles.count - 1) * 0.99)])"),
        ("predict_mean_ns_tight_loop", "\(tightMean)"),
        ("batch_rows", "\(batchRows)"),
        ("batch_seconds", "\(batchSeconds)"),
        ("batch_rows_per_second", "\(Double(batchRows) / batchSeconds)"),
        ("trees", "\(model.trees.count)"),
    ]
    let csvPath = arguments.data + "/train.csv"
    if FileManager.default.fileExists(atPath: csvPath) {
        var options = CSVReader.Options()
        options.labelChoice = .classification
        let t0 = nanoseconds()
        let table = try CSVReader(options: options).read(contentsOf: URL(fileURLWithPath: csvPath))
        figures.append(("csv_read_seconds", "\(Double(nanoseconds() - t0) / 1e9)"))
        figures.append(("csv_rows", "\(table.rowCount)"))
    }
    for (key, value) in figures { print("\(key)=\(value)") }
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("learning-benchmark: \(error)\n".utf8))
    exit(1)
}
