// `edge-benchmark`: the tools of `make bench-edge` (scripts/edge/bench.sh, docs/edge.md).
import ArgumentParser

/// The root command: `pipeline` times the edge's per-sample pipeline in-process; `make-store`
/// writes the edge store and the requests the network comparison with MLServer uses.
@main
struct EdgeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge-benchmark", abstract: "The edge benchmark's parts (make bench-edge).",
        subcommands: [PipelineCommand.self, MakeStoreCommand.self], defaultSubcommand: PipelineCommand.self)
}
