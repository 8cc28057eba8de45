import Foundation
import LifelongLearning
import Testing

/// Trains our trees and XGBoost (`scripts/learning/xgboost_reference.py`, run with the
/// project's venv Python) on the same CSV files and compares held-out accuracy.
@Suite("Accuracy against XGBoost")
struct XGBoostComparisonTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$LIFELONG_PYTHON`, else the project's venv interpreter.
    static var python: String {
        if let path = ProcessInfo.processInfo.environment["LIFELONG_PYTHON"], !path.isEmpty { return path }
        return packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    static func writeCSV(_ features: [Float], _ labels: [Float], width: Int, to url: URL) throws {
        var text = (0..<width).map { "f\($0)" }.joined(separator: ",") + ",label\n"
        for row in labels.indices {
            for feature in 0..<width {
                let value = features[row * width + feature]
                text += value.isNaN ? "" : "\(value)"
                text += ","
            }
            text += "\(Int(labels[row]))\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    @Test("our GBDT is within 0.5 accuracy points of XGBoost on the same data")
    func comparable() throws {
        let python = Self.python
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "no Python at \(python): run `make test` (it creates the venv with xgboost) or set LIFELONG_PYTHON")
        let directory = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let width = 8
        let train = TestData.classification(rows: 20000, features: width, classes: 3, noise: 0.5, missingRate: 0.03, seed: 101)
        let test = TestData.classification(rows: 20000, features: width, classes: 3, noise: 0.5, missingRate: 0.03, seed: 202)
        let trainURL = directory.appendingPathComponent("train.csv")
        let testURL = directory.appendingPathComponent("test.csv")
        try Self.writeCSV(train.features, train.labels, width: width, to: trainURL)
        try Self.writeCSV(test.features, test.labels, width: width, to: testURL)

        // XGBoost, in a child process.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            Self.packageRoot.appendingPathComponent("scripts/learning/xgboost_reference.py").path,
            "--train", trainURL.path, "--test", testURL.path, "--rounds", "40", "--depth", "5", "--eta", "0.3",
        ]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let report = String(decoding: stdout, as: UTF8.self) + String(decoding: stderr, as: UTF8.self)
        try #require(
            process.terminationStatus == 0,
            "xgboost_reference.py failed (is xgboost installed in the venv? `make test` installs it): \(report)")
        let json = try #require(try JSONSerialization.jsonObject(with: stdout) as? [String: Any], "bad JSON: \(report)")
        let xgboostAccuracy = try #require(json["accuracy"] as? Double, "no accuracy in \(report)")

        // Ours, from the same files through the CSV reader.
        var options = CSVReader.Options()
        options.labelChoice = .classification
        let trainTable = try CSVReader(options: options).read(contentsOf: trainURL)
        options.encoding = trainTable.encoding
        let testTable = try CSVReader(options: options).read(contentsOf: testURL)
        var parameters = GradientBoostingParameters()
        parameters.rounds = 40
        parameters.maxDepth = 5
        parameters.learningRate = 0.3
        let model = try GradientBoostedTrees.train(on: trainTable, parameters: parameters)
        let ours = try TestData.accuracy(model, on: testTable)

        print("XGBoost comparison: ours \(ours), xgboost \(xgboostAccuracy) (\(json["xgboost_version"] ?? "?"))")
        #expect(ours * 100 >= xgboostAccuracy * 100 - 0.5, "ours \(ours) vs XGBoost \(xgboostAccuracy)")
        // Both must have learned the rule, not guessed.
        #expect(xgboostAccuracy > 0.6)
    }
}
