#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Prometheus
import Synchronization

/// The standard process series: `process_resident_memory_bytes`, `process_open_fds`,
/// `process_cpu_seconds_total`, `process_start_time_seconds`, read from /proc at scrape time.
final class ProcessMetrics: Sendable {
    private let residentMemory: Gauge
    private let openFileDescriptors: Gauge
    private let cpuSeconds: Counter
    private let reportedCPUSeconds = Mutex<Double>(0)

    init(registry: PrometheusCollectorRegistry) {
        residentMemory = registry.makeGauge(descriptor: .init(metricName: "process_resident_memory", unitName: "bytes", helpText: "Resident memory size in bytes."))
        openFileDescriptors = registry.makeGauge(descriptor: .init(metricName: "process_open", unitName: "fds", helpText: "Number of open file descriptors."))
        cpuSeconds = registry.makeCounter(descriptor: .init(metricName: "process_cpu_seconds", unitName: "total", helpText: "Total user and system CPU time spent in seconds."))
        registry.makeGauge(descriptor: .init(metricName: "process_start_time", unitName: "seconds", helpText: "Start time of the process since the Unix epoch in seconds."))
            .set(Date().timeIntervalSince1970)
    }

    func collect() {
        if let pages = Self.firstNumbers(of: "/proc/self/statm", count: 2)?.last {
            residentMemory.set(pages * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFileDescriptors.set(Double(entries.count))
        }
        if let total = Self.cpuSeconds() {
            let delta = reportedCPUSeconds.withLock { reported -> Double in
                let delta = max(0, total - reported)
                reported += delta
                return delta
            }
            if delta > 0 { cpuSeconds.increment(by: delta) }
        }
    }

    private static func firstNumbers(of path: String, count: Int) -> [Double]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let numbers = text.split(separator: " ").prefix(count).compactMap { Double($0) }
        return numbers.count == count ? numbers : nil
    }

    /// utime + stime of /proc/self/stat (fields 14 and 15, after the parenthesised name).
    private static func cpuSeconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let nameEnd = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: nameEnd)...].split(separator: " ")
        // fields[0] is the state (field 3); utime is field 14, stime field 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
