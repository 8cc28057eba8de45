#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Starting, finding and stopping the stack's processes by their recorded process ids.
enum LocalProcess {
    /// Starts `executable arguments…` in a session of its own (it outlives `lifelong up` and
    /// does not get the terminal's signals), standard output and error appended to `log`,
    /// standard input from /dev/null.
    /// - Returns: Its process id.
    /// - Throws: ``CLIFailure`` `.local` when it cannot be started.
    static func spawn(executable: URL, arguments: [String], log: URL, newSession: Bool = true) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // POSIX_SPAWN_SETSID (glibc 2.26+, macOS 10.15+): Glibc's module leaves it out without _GNU_SOURCE.
        if newSession { posix_spawnattr_setflags(&attributes, Self.spawnSetSID) }
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable.path, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw CLIFailure(.local, "cannot start \(executable.path): \(String(cString: strerror(result)))")
        }
        return pid
    }

    #if canImport(Darwin)
    static let spawnSetSID = Int16(0x0400)
    #else
    static let spawnSetSID = Int16(0x80)
    #endif

    /// Whether `pid` runs `executable` (its command line names it): a pid file may outlive its
    /// process and the number be reused by another.
    static func isRunning(_ pid: pid_t, executable: String) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let commandLine = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return false }
        let first = commandLine.split(separator: 0).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), stat.contains(") Z ") { return false }
        return URL(fileURLWithPath: first).lastPathComponent == executable
    }

    /// Whether a child of this process has exited (and reaps it).
    static func childExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    /// Stops a process: SIGTERM, up to `grace` seconds for it to exit, then SIGKILL.
    /// - Returns: Whether it had to be killed.
    static func stop(_ pid: pid_t, executable: String, grace: Double) async -> Bool {
        guard isRunning(pid, executable: executable) else { return false }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            _ = childExited(pid)
            if !isRunning(pid, executable: executable) { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
        kill(pid, SIGKILL)
        for _ in 0..<50 where isRunning(pid, executable: executable) {
            _ = childExited(pid)
            try? await Task.sleep(for: .milliseconds(100))
        }
        return true
    }

    /// Whether 127.0.0.1:`port` can be bound now.
    static func isPortFree(_ port: Int, host: String = "127.0.0.1") -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Runs a program to completion, its output captured in a temporary file (not a pipe: a
    /// daemon it starts, like `pg_ctl start`'s postmaster, inherits the descriptors and would
    /// hold a pipe open forever). Spawned and reaped with posix_spawn/waitpid.
    /// - Returns: Exit status and output (standard output and error together).
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("lifelong-run-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: capture.path, contents: nil, attributes: [.posixPermissions: 0o666]) else {
            throw CLIFailure(.local, "cannot create \(capture.path)")
        }
        defer { try? FileManager.default.removeItem(at: capture) }
        let pid = try spawn(executable: URL(fileURLWithPath: executable), arguments: arguments, log: capture, newSession: false)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
    }
}
