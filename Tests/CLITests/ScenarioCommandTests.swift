import Foundation
import Testing

@Suite("lifelong scenario")
struct ScenarioCommandTests {
    @Test("--kind shop writes the shop scenario's files: two attribute columns, categorical features, scenario.json")
    func shop() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await CLIProcess.run([
            "scenario", "--kind", "shop", "--output", folder.path, "--initial-samples", "40", "--test-samples", "20",
        ])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("round-3: "))
        let initial = try String(contentsOf: folder.appendingPathComponent("initial.csv"), encoding: .utf8)
        let lines = initial.split(separator: "\n")
        #expect(lines.first == "format,region,price,discount,temperature,weekday,product_family,demand")
        #expect(lines.count == 1 + 8 * 40)
        #expect(lines.dropFirst().allSatisfy { line in
            let fields = line.split(separator: ",")
            return ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(String(fields[5]))
        })
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("round-3-test.csv").path))
        let json = try String(contentsOf: folder.appendingPathComponent("scenario.json"), encoding: .utf8)
        #expect(json.contains("\"shop\""))
    }

    @Test("an unknown --kind and a thermal-only option with --kind shop are rejected")
    func invalid() async throws {
        let unknown = try await CLIProcess.run(["scenario", "--kind", "weather", "--output", "/tmp/unused"])
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("--kind"))
        let zones = try await CLIProcess.run(["scenario", "--kind", "shop", "--climate-zones", "2", "--output", "/tmp/unused"])
        #expect(zones.status != 0)
        #expect(zones.error.contains("--climate-zones"))
    }
}
