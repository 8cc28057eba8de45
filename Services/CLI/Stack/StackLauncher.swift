#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Starts the stack's services next to the `lifelong` binary, waits until each is SERVING, and
/// stops them by the process ids recorded in `<state>/pids/<service>.pid` (`<pid> <executable>`).
struct StackLauncher {
    let layout: StackLayout

    /// The folder of the running `lifelong` binary, where `swift build` put the services too.
    static var binaryFolder: URL {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).deletingLastPathComponent()
    }

    /// A service's executable next to `lifelong`.
    /// - Throws: ``CLIFailure`` `.local` saying how to build it.
    func executable(_ name: String) throws -> URL {
        let url = Self.binaryFolder.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw CLIFailure(.local, "\(name) is not next to lifelong in \(Self.binaryFolder.path): build it (swift build --product \(name), or `swift build` for all)")
        }
        return url
    }

    /// The recorded process of a service, when it still runs.
    func running(_ name: String) -> (pid: pid_t, executable: String)? {
        guard let text = try? String(contentsOf: layout.pidFile(name), encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let pid = pid_t(fields[0]), LocalProcess.isRunning(pid, executable: String(fields[1])) else { return nil }
        return (pid, String(fields[1]))
    }

    /// The services with a pid file, edges first, then the cloud in reverse start order.
    func recordedServices() -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: layout.pids.path)) ?? [])
            .filter { $0.hasSuffix(".pid") }.map { String($0.dropLast(4)) }
        let cloud = ["gateway", "training", "taskmining", "kb"]
        return names.filter { !cloud.contains($0) }.sorted() + cloud.filter(names.contains)
    }

    /// Starts a service unless it already runs, and waits until it is SERVING.
    /// - Returns: Its pid and whether it was already running.
    /// - Throws: ``CLIFailure`` `.local` when its port is taken by another program, it exits,
    ///   or it is not SERVING within `timeout` seconds (with its log's last lines).
    func start(_ service: StackPlan.Service, host: String, timeout: Double) async throws -> (pid: pid_t, alreadyRunning: Bool) {
        if let existing = running(service.name) { return (existing.pid, true) }
        guard LocalProcess.isPortFree(service.port, host: host) else {
            throw CLIFailure(.local, "port \(service.port) (\(service.name)) is used by another program; stop it, or `lifelong down` a stack in another --state-dir")
        }
        let log = layout.log(service.name)
        try Data("\n--- \(Date()) \(service.commandLine)\n".utf8).append(to: log)
        let pid = try LocalProcess.spawn(executable: try executable(service.executable), arguments: service.arguments, log: log)
        try Data("\(pid) \(service.executable)\n".utf8).write(to: layout.pidFile(service.name), options: .atomic)
        let connection = ServiceConnection(role: .service, endpoint: Endpoint(host: host, port: service.port), token: nil)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if LocalProcess.childExited(pid) {
                try? FileManager.default.removeItem(at: layout.pidFile(service.name))
                throw CLIFailure(.local, "\(service.name) exited while starting; the end of \(log.path):\n\(Self.tail(of: log))")
            }
            if (try? await HealthCommand.check(connection, service: "", timeout: 1)) == .serving { return (pid, false) }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw CLIFailure(.local, "\(service.name) is not SERVING after \(Int(timeout))s; the end of \(log.path):\n\(Self.tail(of: log))")
    }

    /// Stops a recorded service (SIGTERM, `grace` seconds, SIGKILL) and removes its pid file.
    /// - Returns: What happened, for printing; nil when it was not running.
    func stop(_ name: String, grace: Double) async -> String? {
        defer { try? FileManager.default.removeItem(at: layout.pidFile(name)) }
        guard let process = running(name) else { return nil }
        let killed = await LocalProcess.stop(process.pid, executable: process.executable, grace: grace)
        return killed ? "\(name) (pid \(process.pid)) killed after \(Int(grace))s" : "\(name) (pid \(process.pid)) stopped"
    }

    /// The last lines of a log.
    static func tail(of log: URL, lines: Int = 20) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

extension Data {
    /// Appends to a file, creating it when absent.
    func append(to url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(self)
    }
}
