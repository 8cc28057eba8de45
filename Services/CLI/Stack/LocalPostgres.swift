#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The stack's PostgreSQL cluster, as scripts/postgres-cluster.sh runs one, in the stack's
/// folder: initdb'd once, trusting loopback only, on 127.0.0.1 at a free port from 55532 up,
/// database `lifelong`, superuser `postgres`, durability off (a local development stack).
/// As root, initdb and pg_ctl run as the `postgres` user (initdb refuses root); when that user
/// cannot reach the stack's folder, the cluster lives in a fresh folder under /tmp instead.
/// `<state>/postgres.env` records where it is and its port.
struct LocalPostgres {
    let layout: StackLayout
    static let database = "lifelong"
    static let superuser = "postgres"
    static let host = "127.0.0.1"

    /// Where the cluster is.
    struct Location: Equatable {
        var data: String
        var socketDirectory: String
        var log: String
        var port: Int
        /// The /tmp folder it was moved to, if it was.
        var temporaryBase: String
    }

    /// The URL the services connect with.
    static func url(port: Int) -> String { "postgresql://\(superuser)@\(host):\(port)/\(database)" }

    /// The PostgreSQL server programs' folder: $LIFELONG_PG_BIN or the newest /usr/lib/postgresql/*/bin.
    func binaries() throws -> String {
        if let folder = ProcessInfo.processInfo.environment["LIFELONG_PG_BIN"], !folder.isEmpty { return folder }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let newest = versions.compactMap(Int.init).sorted().last.map({ "/usr/lib/postgresql/\($0)/bin" }),
              FileManager.default.isExecutableFile(atPath: newest + "/initdb")
        else { throw CLIFailure(.local, "no PostgreSQL server programs under /usr/lib/postgresql: run scripts/install-deps.sh") }
        return newest
    }

    var isRoot: Bool { geteuid() == 0 }

    /// Runs a PostgreSQL program as the cluster's owner.
    func runAsOwner(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        // From /: the owner may not be allowed into the current folder.
        let command = ["/bin/sh", "-c", "cd / && exec \"$0\" \"$@\"", program] + arguments
        return isRoot ? try LocalProcess.run("/usr/sbin/runuser", ["-u", Self.superuser, "--"] + command) : try LocalProcess.run(command[0], Array(command.dropFirst()))
    }

    /// The recorded location, if any.
    func recorded() -> Location? {
        guard let text = try? String(contentsOf: layout.postgresState, encoding: .utf8) else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let data = values["PG_DATA"], let port = values["PG_PORT"].flatMap(Int.init) else { return nil }
        return Location(
            data: data, socketDirectory: values["PG_SOCKET_DIR"] ?? "", log: values["PG_LOG"] ?? "", port: port,
            temporaryBase: values["PG_TEMP_BASE"] ?? "")
    }

    func record(_ location: Location) throws {
        let text = "PG_DATA=\(location.data)\nPG_SOCKET_DIR=\(location.socketDirectory)\nPG_LOG=\(location.log)\nPG_PORT=\(location.port)\nPG_TEMP_BASE=\(location.temporaryBase)\n"
        try Data(text.utf8).write(to: layout.postgresState, options: .atomic)
    }

    func isRunning(_ location: Location) throws -> Bool {
        try runAsOwner(try binaries() + "/pg_ctl", ["status", "-D", location.data]).status == 0
    }

    /// A new location: in the stack's folder when the owner can reach it and the socket path is
    /// short enough, else under /tmp.
    func chooseLocation() throws -> Location {
        let folder = layout.postgres.path
        var reachable = true
        if isRoot {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            reachable = (try? LocalProcess.run("/usr/sbin/runuser", ["-u", Self.superuser, "--", "test", "-x", folder]).status) == 0
        }
        if reachable, folder.utf8.count + 30 < 100 {
            return Location(data: folder + "/data", socketDirectory: folder, log: layout.log("postgres").path, port: 0, temporaryBase: "")
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lifelong-stack-pg.\(UUID().uuidString.prefix(8))").path
        return Location(data: base + "/data", socketDirectory: base, log: base + "/postgres.log", port: 0, temporaryBase: base)
    }

    /// Starts the cluster (creating it the first time); returns its port.
    /// - Throws: ``CLIFailure`` `.local` with initdb's or the server log's last lines.
    func start() throws -> Int {
        let bin = try binaries()
        if let location = recorded(), try isRunning(location) { return location.port }
        var location = try recorded() ?? chooseLocation()
        let fileManager = FileManager.default
        let initialized = fileManager.fileExists(atPath: location.data + "/PG_VERSION")
        if !initialized {
            if isRoot { guard (try? LocalProcess.run("/usr/bin/id", ["-u", Self.superuser]).status) == 0 else {
                throw CLIFailure(.local, "no 'postgres' user to run PostgreSQL as: run scripts/install-deps.sh")
            } }
            try? fileManager.removeItem(atPath: location.data)
            try fileManager.createDirectory(atPath: location.data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if isRoot { _ = try LocalProcess.run("/usr/bin/chown", ["postgres:postgres", location.data, location.socketDirectory]) }
            let initdb = try runAsOwner(bin + "/initdb", [
                "-D", location.data, "-U", Self.superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
            ])
            guard initdb.status == 0 else { throw CLIFailure(.local, "initdb failed:\n\(initdb.output)") }
            try Data("# lifelong local stack: trust loopback only\nlocal all all trust\nhost  all all 127.0.0.1/32 trust\n".utf8)
                .write(to: URL(fileURLWithPath: location.data + "/pg_hba.conf"))
            try Data("\ninclude = 'lifelong.conf'\n".utf8).append(to: URL(fileURLWithPath: location.data + "/postgresql.conf"))
        }
        var port = location.port > 0 && LocalProcess.isPortFree(location.port) ? location.port : 55_532
        for _ in 0..<5 {
            while !LocalProcess.isPortFree(port) && port < 55_532 + 200 { port += 1 }
            location.port = port
            let settings = [
                "listen_addresses = '\(Self.host)'", "port = \(port)", "unix_socket_directories = '\(location.socketDirectory)'",
                "fsync = off", "synchronous_commit = off", "full_page_writes = off", "max_connections = 200",
            ]
            try Data((settings.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: location.data + "/lifelong.conf"))
            if isRoot { _ = try LocalProcess.run("/usr/bin/chown", ["-R", "postgres:postgres", location.data]) }
            if !fileManager.fileExists(atPath: location.log) {
                _ = fileManager.createFile(atPath: location.log, contents: nil)
                if isRoot { _ = try LocalProcess.run("/usr/bin/chown", ["postgres:postgres", location.log]) }
            }
            let started = try runAsOwner(bin + "/pg_ctl", ["start", "-D", location.data, "-l", location.log, "-w", "-t", "60"])
            if started.status == 0 { break }
            let log = (try? String(contentsOfFile: location.log, encoding: .utf8)) ?? ""
            guard log.contains("could not bind") || log.contains("Address already in use") else {
                throw CLIFailure(.local, "PostgreSQL did not start (log \(location.log)):\n\(started.output)\(log.suffix(2_000))")
            }
            port += 1
        }
        guard try isRunning(location) else { throw CLIFailure(.local, "PostgreSQL did not start (log \(location.log))") }
        try record(location)
        let created = try LocalProcess.run(bin + "/createdb", ["-h", Self.host, "-p", "\(location.port)", "-U", Self.superuser, Self.database])
        guard created.status == 0 || created.output.contains("already exists") else {
            throw CLIFailure(.local, "cannot create database \(Self.database): \(created.output)")
        }
        return location.port
    }

    /// Stops the cluster if it runs (fast shutdown, then immediate); its data stay for the next `up`.
    /// - Returns: Whether it was running.
    func stop() throws -> Bool {
        guard let location = recorded(), try isRunning(location) else { return false }
        let bin = try binaries()
        if try runAsOwner(bin + "/pg_ctl", ["stop", "-D", location.data, "-m", "fast", "-w", "-t", "60"]).status != 0 {
            _ = try runAsOwner(bin + "/pg_ctl", ["stop", "-D", location.data, "-m", "immediate", "-w", "-t", "30"])
        }
        return true
    }
}
