// Our side of `make bench-learning` (scripts/learning/bench.sh runs it next to XGBoost):
// trains gradient-boosted trees on the data written by `xgboost_bench.py generate` and prints
// its figures as key=value lines.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LifelongLearning

struct Arguments {
    var data = ""
    var rounds = 100
    var depth = 6
    var eta: Float = 0.3
    var singleRows = 20_000

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
            default: Self.usage("unknown flag \(flag)")
            }
        }
        if data.isEmpty { Self.usage("--data is required") }
    }

    static func usage(_ problem: String) -> Never {
        FileHandle.standardError.write(Data("learning-benchmark: \(problem)\nusage: learning-benchmark --data DIR [--rounds N] [--depth N] [--eta X] [--single-rows N]\n".utf8))
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

func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = Int(text.split(separator: " ")[1])
    else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
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

    let rssBefore = residentBytes()
    let start = nanoseconds()
    let model = try GradientBoostedTrees.train(on: train, parameters: parameters)
    let trainSeconds = Double(nanoseconds() - start) / 1e9
    let peak = peakResidentBytes()

    let probabilities = try model.predictBatch(rowMajor: testFeatures)
    let predicted = model.classes(fromBatch: probabilities)
    let metrics = try ClassificationMetrics(labels: testLabels, predicted: predicted, classCount: classes)

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
        ("train_seconds", "\(trainSeconds)"),
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
