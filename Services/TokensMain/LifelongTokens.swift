import ArgumentParser
import ServiceAuth

/// `lifelong-tokens DIR [--edge-node NODE]…`: the bearer tokens of a deployment, made with
/// ``TokenDirectory`` (the API `lifelong up` calls).
@main
struct LifelongTokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifelong-tokens",
        abstract: "Generates the bearer tokens of a Lifelong deployment.",
        discussion: "Writes DIR/\(TokenDirectory.storeFileName) (SHA-256 hashes: give it to every service with --auth-tokens) "
            + "and one plain token file per caller, mode 0600: admin.token, service.token (--service-token-file), reader.token, "
            + "edge-NODE.token (--gateway-token-file of that edge). Replaces the tokens already in DIR; with --add, appends "
            + "new tokens instead (restart the services to accept them).")

    @Argument(help: "The folder to write (created when absent).")
    var directory: String

    @Option(name: .customLong("edge-node"), help: "An edge node to make a token for (repeatable).")
    var edgeNodes: [String] = []

    @Flag(help: "Append tokens to DIR's token file (an edge token per --edge-node, plus --scope) instead of replacing all.")
    var add = false

    @Option(help: "With --add: a scope to add one token of (admin, reader, service).")
    var scope: [String] = []

    func run() throws {
        let folder: TokenDirectory
        if add {
            folder = TokenDirectory(path: directory)
            for name in scope {
                guard let scope = TokenScope(rawValue: name), scope != .edge else {
                    throw ValidationError("--scope must be admin, reader or service (edge tokens come from --edge-node), got '\(name)'")
                }
                try folder.add(scope)
                print(folder.tokenFile(scope))
            }
            for node in edgeNodes {
                try folder.add(.edge, node: node)
                print(folder.tokenFile(.edge, node: node))
            }
        } else {
            guard scope.isEmpty else { throw ValidationError("--scope goes with --add") }
            folder = try TokenDirectory.generate(at: directory, edgeNodes: edgeNodes)
            for scope in [TokenScope.admin, .service, .reader] { print(folder.tokenFile(scope)) }
            for node in edgeNodes { print(folder.tokenFile(.edge, node: node)) }
        }
        print(folder.storeFile)
    }
}
