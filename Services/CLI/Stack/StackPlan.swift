import Foundation
import ServiceAuth

/// The processes of a local stack and their command lines, in start order: knowledge base,
/// task mining, training, gateway, then the edges. Pure: `lifelong up --print-plan` prints it.
struct StackPlan: Sendable {
    /// One process to start.
    struct Service: Sendable {
        /// Its name: the log and pid file names (`kb`, `gateway`, `edge-1`).
        var name: String
        /// The executable's file name (`lifelong-kb`).
        var executable: String
        /// Its arguments.
        var arguments: [String]
        /// The gRPC port it serves on (health is checked there).
        var port: Int

        /// The command line, shell-quoted, for printing.
        var commandLine: String {
            ([executable] + arguments).map { argument in
                argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@,".contains($0) } ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
            }.joined(separator: " ")
        }
    }

    /// What the stack is started with.
    struct Settings: Sendable {
        var host = "127.0.0.1"
        var gatewayPort = 7100
        var kbPort = 7101
        var taskMiningPort = 7102
        var trainingPort = 7103
        /// Port of the first edge; edge i serves on `firstEdgePort + i - 1`.
        var firstEdgePort = 7110
        /// PostgreSQL of the kb, training and gateway.
        var postgresURL: String
        /// The gateway's oracle: labelled files (the job's label column).
        var oracleFiles: [String] = []
        /// The gateway's trigger tick.
        var tickSeconds: Double?
        /// Log level of every service.
        var logLevel = "info"
    }

    let settings: Settings
    let layout: StackLayout

    /// The cloud services, in start order.
    var cloud: [Service] {
        let s = settings
        let common = ["--host", s.host, "--log-level", s.logLevel]
        let kb = "\(s.host):\(s.kbPort)", mining = "\(s.host):\(s.taskMiningPort)", training = "\(s.host):\(s.trainingPort)"
        var gateway = common + [
            "--port", "\(s.gatewayPort)", "--postgres-url", s.postgresURL, "--schema", "lifelong_gateway",
            "--kb-address", kb, "--training-address", training,
        ]
        for file in s.oracleFiles { gateway += ["--oracle-file", file] }
        if let tick = s.tickSeconds { gateway += ["--tick-seconds", "\(tick)"] }
        return [
            Service(
                name: "kb", executable: "lifelong-kb",
                arguments: common + ["--port", "\(s.kbPort)", "--postgres-url", s.postgresURL, "--upload-spool-directory", layout.kbSpool.path]
                    + serviceAuthArguments(),
                port: s.kbPort),
            Service(
                name: "taskmining", executable: "lifelong-taskmining",
                arguments: common + ["--port", "\(s.taskMiningPort)", "--kb-address", kb] + serviceAuthArguments(),
                port: s.taskMiningPort),
            Service(
                name: "training", executable: "lifelong-training",
                arguments: common + ["--port", "\(s.trainingPort)", "--postgres-url", s.postgresURL, "--kb-address", kb, "--taskmining-address", mining]
                    + serviceAuthArguments(),
                port: s.trainingPort),
            Service(name: "gateway", executable: "lifelong-gateway", arguments: gateway + serviceAuthArguments(), port: s.gatewayPort),
        ]
    }

    /// Edge nodes `edge-1` … `edge-<count>` serving `job`, syncing with the gateway, stores in the state folder.
    func edges(count: Int, job: String) -> [Service] {
        let s = settings
        guard count > 0 else { return [] }
        return (1...count).map { index in
            let node = "edge-\(index)", port = s.firstEdgePort + index - 1
            return Service(
                name: node, executable: "lifelong-edge",
                arguments: [
                    "--host", s.host, "--log-level", s.logLevel, "--port", "\(port)", "--gateway-address", "\(s.host):\(s.gatewayPort)",
                    "--node-id", node, "--job-id", job, "--store", layout.edgeStore(node).path, "--sync-interval", "5",
                ] + authArguments(edge: node),
                port: port)
        }
    }

    /// AUTH HOOK (issue 13, branch `auth`): the token options of a service of the local stack.
    /// The stack runs without tokens until bearer-token auth lands; then `up` generates the
    /// tokens (admin for the CLI, service tokens, one edge token per node), writes them under
    /// the state folder, and this returns each service's token options. Until then: none.
    /// The token file a service accepts, and the token it sends: the service token to the
    /// other services, or an edge node's own token to the gateway.
    func serviceAuthArguments() -> [String] {
        ["--auth-tokens", layout.tokens.storeFile, "--service-token-file", layout.tokens.tokenFile(.service)]
    }

    func authArguments(edge node: String) -> [String] {
        ["--auth-tokens", layout.tokens.storeFile, "--gateway-token-file", layout.tokens.tokenFile(.edge, node: node)]
    }
}
