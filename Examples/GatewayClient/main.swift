// gateway-client-example: calls a Lifelong gateway from Swift through the `LifelongClient`
// product alone. Lists the jobs with their state, then prints one job's report.
//
//     swift run gateway-client-example [HOST:PORT] [JOB]
//
// HOST:PORT defaults to 127.0.0.1:7100 (the gateway `lifelong up` starts); JOB to the first
// job listed. With LIFELONG_TOKEN set, every call carries `authorization: Bearer <token>`.
import Foundation
import LifelongClient

/// Prints a job's report: the per-task accuracies of its deployed version and the accuracy
/// matrix (one row per deployed version, one column per round's test set).
func printReport(_ report: Lifelong_V1_Report) {
    guard let method = report.methods.first else {
        print("job \(report.jobId) has no report yet (no round with test rows has completed)")
        return
    }
    let matrix = method.matrix ?? Lifelong_V1_AccuracyMatrix()
    func figure(_ value: Double) -> String { String(format: "%.3f", value) }
    func signed(_ value: Double) -> String { String(format: "%+.3f", value) }
    print("report of job \(report.jobId) at version \(report.snapshotVersion) (\(method.method))")
    print("average accuracy \(figure(method.averageAccuracy))  BWT \(signed(method.bwt))  FWT \(signed(method.fwt))")
    for task in method.tasks {
        let name = task.taskName.padding(toLength: max(24, task.taskName.count), withPad: " ", startingAt: 0)
        print("task \(name) accuracy \(figure(task.accuracy))  (\(task.sampleCount) test rows)")
    }
    func column(_ text: String) -> String { String(repeating: " ", count: max(0, 10 - text.count)) + text }
    print("accuracy matrix (row: the model deployed after round i; column: a round's test set)")
    print(String(repeating: " ", count: 12) + matrix.testSets.map(column).joined())
    for (version, row) in zip(method.rowVersions, matrix.rows) {
        let label = "  version \(version)"
        print(label.padding(toLength: max(12, label.count), withPad: " ", startingAt: 0) + row.accuracy.map { column(figure($0)) }.joined())
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
let address = arguments.first ?? "127.0.0.1:7100"
guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
    FileHandle.standardError.write(Data("usage: gateway-client-example [HOST:PORT] [JOB]\n".utf8))
    exit(2)
}
var metadata: Metadata = [:]
if let token = ProcessInfo.processInfo.environment["LIFELONG_TOKEN"], !token.isEmpty {
    metadata.addString("Bearer \(token)", forKey: "authorization")
}

let transport = HTTP2ClientTransport(host: String(address[..<colon]), port: port)
let gateway = Lifelong_V1_Gateway.Client(wrapping: RPCClient(transport: transport))
do {
    let jobs = try await gateway.listJobs(Lifelong_V1_ListJobsRequest(), metadata: metadata).jobs
    print("\(jobs.count) job(s) at \(address)")
    for job in jobs {
        let paused = job.paused ? ", paused" : ""
        print(
            "job \(job.id): \(job.stage) \(job.state)\(paused), \(job.roundsCompleted) round(s), "
                + "version \(job.deployedVersion) deployed, \(job.pendingSamples) samples pending")
    }
    if let id = arguments.dropFirst().first ?? jobs.first?.id {
        var request = Lifelong_V1_GetJobRequest()
        request.jobId = id
        printReport(try await gateway.getReport(request, metadata: metadata))
    }
} catch {
    FileHandle.standardError.write(Data("gateway-client-example: \(error)\n".utf8))
    await transport.close()
    exit(1)
}
await transport.close()
