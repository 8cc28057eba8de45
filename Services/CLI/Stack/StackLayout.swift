import ArgumentParser
import Foundation
import ServiceAuth

/// Where a local stack keeps its state: `<state>/logs/<service>.log`, `<state>/pids/<service>.pid`,
/// `<state>/edges/<node>.sqlite`, `<state>/postgres/` (the cluster, unless it had to move to /tmp:
/// `<state>/postgres.env` says where it is).
struct StackLayout: Sendable {
    /// The state folder.
    let root: URL

    var logs: URL { root.appendingPathComponent("logs") }
    var pids: URL { root.appendingPathComponent("pids") }
    var edges: URL { root.appendingPathComponent("edges") }
    var postgres: URL { root.appendingPathComponent("postgres") }
    var postgresState: URL { root.appendingPathComponent("postgres.env") }
    var kbSpool: URL { root.appendingPathComponent("kb-spool") }
    /// The stack's bearer tokens (`lifelong-tokens`' layout): the hashed file the services
    /// load and one plain token per caller; the CLI sends `admin.token` by default.
    var tokens: TokenDirectory { TokenDirectory(path: root.appendingPathComponent("tokens").path) }

    /// Edge nodes the stack's tokens cover (services read the token file at start).
    static let edgeTokenNodes = (1...16).map { "edge-\($0)" }

    /// Makes the stack's tokens unless they exist.
    func createTokens() throws {
        guard !FileManager.default.fileExists(atPath: tokens.storeFile) else { return }
        _ = try TokenDirectory.generate(at: tokens.path, edgeNodes: Self.edgeTokenNodes)
    }

    func log(_ service: String) -> URL { logs.appendingPathComponent("\(service).log") }
    func pidFile(_ service: String) -> URL { pids.appendingPathComponent("\(service).pid") }
    func edgeStore(_ node: String) -> URL { edges.appendingPathComponent("\(node).sqlite") }

    /// Creates the folders.
    func create() throws {
        for folder in [root, logs, pids, edges, kbSpool] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }
}

/// `--state-dir`: the stack's folder, shared by `up`, `down` and `edge start|stop`.
struct StackOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The stack's folder: logs, pids, edge stores, PostgreSQL (default: $LIFELONG_STACK_DIR or .run/stack).", valueName: "DIR"))
    var stateDir: String?

    var layout: StackLayout { Self.layout(stateDir: stateDir) }

    /// The layout of a state folder: `stateDir`, else $LIFELONG_STACK_DIR, else .run/stack.
    static func layout(stateDir: String?) -> StackLayout {
        let path = stateDir ?? ProcessInfo.processInfo.environment["LIFELONG_STACK_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".run/stack"
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        return StackLayout(root: url)
    }
}
