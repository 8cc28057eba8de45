import Foundation
import Testing

/// `lifelong experiment` end to end: the built executable on small CSV files.
@Suite("lifelong experiment (the built executable)", .serialized)
struct ExperimentCommandTests {
    /// A temporary folder with the files of a small two-site experiment:
    /// - `room` is text in initial.csv and numbers in round-1.csv (the schema comes from all files);
    /// - `id` differs in every row and is dropped with --ignore;
    /// - round-1.csv has a row without a label (skipped, counted) and a row without a site
    ///   (task "(empty)").
    static func writeFiles() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifelong-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func rows(_ site: String, _ count: Int, threshold: Double, room: (Int) -> String, from: Int) -> [String] {
            (0..<count).map { k in
                let t = 15 + Double((k * 7 + from) % 20)
                return "\(site),\(room(k)),id\(from + k),\(t),\(t > threshold ? "hot" : "cold")"
            }
        }
        let header = "site,room,id,t,comfort"
        let files: [String: [String]] = [
            "initial.csv": rows("s1", 40, threshold: 24, room: { $0.isMultiple(of: 2) ? "kitchen" : "hall" }, from: 0),
            "round-1.csv": rows("s2", 30, threshold: 20, room: { "\($0 % 3)" }, from: 100)
                + ["s2,1,id-x,21,", ",2,id-y,30,hot"],
            "test-1.csv": rows("s2", 20, threshold: 20, room: { _ in "hall" }, from: 200),
            "round-2.csv": rows("s1", 20, threshold: 24, room: { _ in "kitchen" }, from: 300),
            "test-2.csv": rows("s1", 20, threshold: 24, room: { _ in "hall" }, from: 400),
        ]
        for (name, lines) in files {
            try ([header] + lines).joined(separator: "\n").write(
                to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder
    }

    static func arguments(_ folder: URL, rounds: Int = 2) -> [String] {
        var arguments = ["experiment", "--initial", folder.appendingPathComponent("initial.csv").path]
        for round in 1...rounds {
            arguments += ["--round", folder.appendingPathComponent("round-\(round).csv").path,
                          "--test", folder.appendingPathComponent("test-\(round).csv").path]
        }
        return arguments + ["--label", "comfort", "--attributes", "site", "--ignore", "id", "--rounds", "5", "--max-depth", "2"]
    }

    @Test("JSON: GEM bwt/fwt and forgetting from the matrix, Ianvs's under their names, per-task accuracy, per-row correctness, configuration")
    func json() async throws {
        let folder = try Self.writeFiles()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await CLIProcess.run(Self.arguments(folder) + ["--json"])
        try #require(run.status == 0, "lifelong failed: \(run.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let methods = try #require(object["methods"] as? [String: [String: Any]])
        #expect(Set(methods.keys).isSuperset(of: ["lifelong", "global", "isolated"]))
        for (name, method) in methods {
            let m = try #require(method["matrix"] as? [[Double]], "\(name)")
            #expect(m.count == 3 && m.allSatisfy { $0.count == 2 })
            // R = 2, columns 0 and 1 are the test sets of rounds 1 and 2.
            let bwt = try #require(method["bwt"] as? Double), fwt = try #require(method["fwt"] as? Double)
            let forgetting = try #require(method["forgetting"] as? Double)
            #expect(abs(bwt - (m[2][0] - m[1][0])) < 1e-9, "\(name)")
            #expect(abs(fwt - (m[1][1] - m[0][1])) < 1e-9, "\(name)")
            #expect(abs(forgetting - (m[1][0] - m[2][0])) < 1e-9, "\(name)")
            let ianvsBWT = try #require(method["ianvs_bwt"] as? Double), ianvsFWT = try #require(method["ianvs_fwt"] as? Double)
            #expect(abs(ianvsBWT - ((m[2][0] - m[0][0]) + (m[2][1] - m[0][1])) / 4) < 1e-9, "\(name)")
            #expect(abs(ianvsFWT - ((m[1][0] - m[0][0]) + (m[2][1] - m[0][1])) / 2) < 1e-9, "\(name)")
            #expect(method["avg_accuracy"] is Double && method["task_avg_accuracy"] is Double)
            let perTask = try #require(method["per_task_accuracy"] as? [String: Double], "\(name)")
            #expect(Set(perTask.keys) == ["s1", "s2"], "\(name): the test sets hold sites s1 and s2")
            #expect(perTask.values.allSatisfy { (0...1).contains($0) })
            // One 0/1 per row of both test sets (20 + 20), in round order: its mean is avg_accuracy.
            let correct = try #require(method["final_correct"] as? [Int], "\(name)")
            #expect(correct.count == 40 && correct.allSatisfy { $0 == 0 || $0 == 1 }, "\(name)")
            let accuracy = try #require(method["avg_accuracy"] as? Double)
            #expect(abs(Double(correct.reduce(0, +)) / 40 - accuracy) < 1e-9, "\(name)")
            // At learning: each round's test set (20 rows each) right after that round.
            let learning = try #require(method["learning_accuracy"] as? Double, "\(name)")
            #expect(abs(learning - (m[1][0] * 20 + m[2][1] * 20) / 40) < 1e-9, "\(name)")
            // The same rows answered at learning, one 0/1 each: their mean is learning_accuracy.
            let learningCorrect = try #require(method["learning_correct"] as? [Int], "\(name)")
            #expect(learningCorrect.count == 40 && abs(Double(learningCorrect.reduce(0, +)) / 40 - learning) < 1e-9, "\(name)")
            // Round 2's rows are answered by the final model at learning too.
            #expect(Array(learningCorrect[20...]) == Array(correct[20...]), "\(name)")
        }
        let configuration = try #require(object["configuration"] as? [String: Any])
        #expect(configuration["label"] as? String == "comfort")
        #expect(configuration["attributes"] as? [String] == ["site"])
        #expect(configuration["ignored_columns"] as? [String] == ["id"])
        #expect(configuration["attributes_as_features"] as? Bool == false)
        #expect(configuration["skipped_rows"] as? Int == 1)
        #expect(configuration["bag_size"] as? Int == 2, "the default bag")
        let files = try #require(configuration["files"] as? [[String: Any]])
        #expect(files.map { $0["role"] as? String } == ["initial", "train", "test", "train", "test"])
        #expect(files.map { $0["skipped_rows"] as? Int } == [0, 1, 0, 0, 0])
        #expect(files.map { $0["rows"] as? Int } == [40, 31, 20, 20, 20])
        #expect((files[1]["path"] as? String)?.hasSuffix("round-1.csv") == true)
        let model = try #require(configuration["model"] as? [String: Any])
        #expect(model["rounds"] as? Int == 5 && model["max_depth"] as? Int == 2)
        #expect(configuration["min_task_size"] is Int && configuration["seed"] != nil)
    }

    @Test("text: GEM BWT, FWT and forgetting per method; skipped rows named per file")
    func text() async throws {
        let folder = try Self.writeFiles()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await CLIProcess.run(Self.arguments(folder))
        try #require(run.status == 0, "lifelong failed: \(run.error)")
        let transferLines = run.output.split(separator: "\n").filter { $0.hasPrefix("BWT ") }
        // lifelong, global, isolated, global+attributes, global+attributes-tuned(-bag), sedna
        #expect(transferLines.count == 7)
        for method in [
            "lifelong", "global", "isolated", "global+attributes", "global+attributes-tuned", "global+attributes-tuned-bag", "sedna",
        ] {
            #expect(run.output.contains("== \(method)\n"), "\(method)")
        }
        #expect(transferLines.allSatisfy { $0.contains("forgetting") && $0.contains("Ianvs BWT") })
        #expect(run.output.split(separator: "\n").filter { $0.hasPrefix("task average accuracy") && $0.contains(" at learning ") }.count == 7)
        #expect(run.output.contains("skipped rows without a label: 1 ("))
        #expect(run.output.contains("round-1.csv: 1)"))
    }

    @Test("one round: bwt, fwt and forgetting are null in JSON and n/a in text; Ianvs's are numbers")
    func oneRound() async throws {
        let folder = try Self.writeFiles()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await CLIProcess.run(Self.arguments(folder, rounds: 1) + ["--json"])
        try #require(run.status == 0, "lifelong failed: \(run.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let lifelong = try #require((object["methods"] as? [String: [String: Any]])?["lifelong"])
        #expect(lifelong["bwt"] is NSNull && lifelong["fwt"] is NSNull && lifelong["forgetting"] is NSNull)
        #expect(lifelong["ianvs_bwt"] is Double && lifelong["ianvs_fwt"] is Double)
        let perTask = try #require(lifelong["per_task_accuracy"] as? [String: Double])
        #expect(Set(perTask.keys) == ["s2"])
        let text = try await CLIProcess.run(Self.arguments(folder, rounds: 1))
        #expect(text.output.contains("BWT n/a  FWT n/a  forgetting n/a"))
    }

    @Test("--attributes-as-features is recorded; without --ignore the run still succeeds (id is a categorical feature)")
    func mixedKinds() async throws {
        let folder = try Self.writeFiles()
        defer { try? FileManager.default.removeItem(at: folder) }
        var arguments = Self.arguments(folder, rounds: 1)
        arguments.removeSubrange(arguments.firstIndex(of: "--ignore")!...arguments.firstIndex(of: "id")!)
        let run = try await CLIProcess.run(arguments + ["--json", "--attributes-as-features"])
        try #require(run.status == 0, "lifelong failed: \(run.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let configuration = try #require(object["configuration"] as? [String: Any])
        #expect(configuration["attributes_as_features"] as? Bool == true)
        #expect(configuration["ignored_columns"] as? [String] == [])
    }

    @Test("files whose columns differ fail with a message naming the file and the column")
    func differentColumns() async throws {
        let folder = try Self.writeFiles()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "site,t,comfort\ns1,20,hot\n".write(
            to: folder.appendingPathComponent("test-1.csv"), atomically: true, encoding: .utf8)
        let run = try await CLIProcess.run(Self.arguments(folder, rounds: 1))
        #expect(run.status != 0)
        #expect(run.error.contains("test-1.csv") && run.error.contains("room"))
    }
}
