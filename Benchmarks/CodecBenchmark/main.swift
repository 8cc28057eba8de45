// `codec-benchmark`: encode and decode a realistic 1,000-task `TaskIndexSnapshot` and print the
// median time of each. Usage: codec-benchmark [runs] [tasks]   (defaults: 50 runs, 1000 tasks)
import LifelongProto
#if canImport(Glibc)
import Glibc
#endif

/// A snapshot shaped like the knowledge base's: tasks with attributes, a 6-column schema and
/// statistics, relations between neighbouring tasks, and one model assignment per task.
func makeSnapshot(tasks taskCount: Int) -> Lifelong_V1_TaskIndexSnapshot {
    func sha(_ seed: Int) -> String {
        var hex = ""
        var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        while hex.count < 64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            hex += String(state, radix: 16)
        }
        return String(hex.prefix(64))
    }
    var schema = Lifelong_V1_FeatureSchema()
    for index in 0..<6 {
        var column = Lifelong_V1_FeatureColumn()
        column.name = "feature_\(index)"
        column.kind = index % 3 == 0 ? .categorical : .numeric
        if column.kind == .categorical { column.categories = ["low", "medium", "high", "very_high"] }
        column.description = "sensor reading \(index)"
        schema.columns.append(column)
    }
    schema.labelName = "comfort"
    schema.classes = ["cold", "neutral", "hot"]
    schema.attributeNames = ["season", "building"]

    var snapshot = Lifelong_V1_TaskIndexSnapshot()
    snapshot.jobId = "job-thermal-comfort"
    snapshot.version = 42
    snapshot.baseVersion = 41
    snapshot.status = .published
    snapshot.schema = schema
    for index in 0..<taskCount {
        var task = Lifelong_V1_Task()
        task.name = "task-\(index)-season-\(index % 4)-building-\(index % 25)"
        var season = Lifelong_V1_AttributeValue()
        season.name = "season"
        season.value = ["spring", "summer", "autumn", "winter"][index % 4]
        var building = Lifelong_V1_AttributeValue()
        building.name = "building"
        building.value = "building-\(index % 25)"
        task.attributes = [season, building]
        task.cluster = Int32(index % 17)
        task.schema = schema
        var statistics = Lifelong_V1_FeatureStatistics()
        statistics.count = Int64(100 + index)
        let base = Double(index)
        statistics.mean = (0..<6).map { base * 0.5 + Double($0) * 1.25 }
        statistics.stddev = (0..<6).map { 1.0 + Double($0) * 0.1 + base * 0.001 }
        statistics.min = (0..<6).map { -base - Double($0) }
        statistics.max = (0..<6).map { base + Double($0) * 3.5 }
        task.statistics = statistics
        task.sampleCount = Int64(100 + index)
        task.group = "group-\(index % 10)"
        task.createdAtUs = 1_764_000_000_000_000 + Int64(index)
        task.updatedAtUs = 1_764_000_100_000_000 + Int64(index)
        snapshot.tasks.append(task)

        var relation = Lifelong_V1_TaskRelation()
        relation.fromTask = task.name
        relation.toTask = "task-\((index + 1) % taskCount)"
        relation.weight = 0.5 + Double(index % 7) * 0.05
        relation.dataDistance = Double(index % 13) * 0.3
        relation.crossAccuracy = 0.8 + Double(index % 5) * 0.01
        snapshot.relations.append(relation)

        var assignment = Lifelong_V1_TaskModelAssignment()
        assignment.taskName = task.name
        var model = Lifelong_V1_ModelReference()
        model.sha256 = sha(index)
        model.sizeBytes = Int64(10_000 + index)
        assignment.model = model
        var fallback = Lifelong_V1_WeightedModel()
        var fallbackModel = Lifelong_V1_ModelReference()
        fallbackModel.sha256 = sha(index + taskCount)
        fallbackModel.sizeBytes = 20_000
        fallback.model = fallbackModel
        fallback.weight = 0.25
        assignment.fallbacks = [fallback]
        snapshot.assignments.append(assignment)
    }
    var global = Lifelong_V1_ModelReference()
    global.sha256 = sha(-1)
    global.sizeBytes = 123_456
    snapshot.globalModel = global
    snapshot.publishedAtUs = 1_764_000_200_000_000
    snapshot.note = "training job 12: \(taskCount) tasks"
    return snapshot
}

func nowNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

let arguments = CommandLine.arguments
let runs = arguments.count > 1 ? max(1, Int(arguments[1]) ?? 50) : 50
let taskCount = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 1000) : 1000

let snapshot = makeSnapshot(tasks: taskCount)
var bytes: [UInt8] = []
var encodeTimes: [Double] = []
var decodeTimes: [Double] = []
do {
    for _ in 0..<runs {
        let start = nowNanoseconds()
        bytes = try snapshot.serializedBytes()
        let middle = nowNanoseconds()
        let decoded = try Lifelong_V1_TaskIndexSnapshot(serializedBytes: bytes)
        let end = nowNanoseconds()
        guard decoded == snapshot else {
            print("FAIL: decoded snapshot differs from the original")
            exit(1)
        }
        encodeTimes.append(Double(middle - start) / 1000)
        decodeTimes.append(Double(end - middle) / 1000)
    }
} catch {
    print("FAIL: \(error)")
    exit(1)
}
print("tasks=\(taskCount) runs=\(runs) bytes=\(bytes.count)")
print("SUMMARY encode_us=\(Int(median(encodeTimes).rounded())) decode_us=\(Int(median(decodeTimes).rounded()))")
