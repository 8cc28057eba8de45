import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LifelongProto
import ProcessTestSupport
import Testing

/// `lifelong report`: the tables, and the SVG plot checked by rendering it with rsvg-convert.
@Suite("lifelong report")
struct ReportCommandTests {
    static func report() -> Lifelong_V1_Report {
        var report = Lifelong_V1_Report()
        report.jobId = "job-1"
        report.snapshotVersion = 4
        report.samplesTransferRatio = 0.0125
        report.samplesInferred = 800
        report.samplesUploaded = 10
        func method(_ name: String, _ rows: [[Double]]) -> Lifelong_V1_MethodReport {
            var method = Lifelong_V1_MethodReport()
            method.method = name
            var matrix = Lifelong_V1_AccuracyMatrix()
            matrix.testSets = ["round-1-test", "round-2-test", "round-3-test"]
            matrix.rows = rows.map { values in
                var row = Lifelong_V1_AccuracyRow()
                row.accuracy = values
                return row
            }
            method.matrix = matrix
            method.rowVersions = [0, 2, 3, 4]
            method.bwt = -0.0021
            method.fwt = 0.031
            method.forgetting = 0.004
            method.taskAverageAccuracy = 0.81
            method.averageAccuracy = 0.8
            var task = Lifelong_V1_TaskAccuracy()
            task.taskName = "north"
            task.accuracy = 0.84
            task.sampleCount = 120
            method.tasks = [task]
            return method
        }
        report.methods = [
            method("lifelong", [[0.34, 0.31, 0.33], [0.82, 0.52, 0.41], [0.81, 0.86, 0.55], [0.81, 0.85, 0.88]]),
            method("global", [[0.34, 0.31, 0.33], [0.80, 0.50, 0.40], [0.75, 0.80, 0.50], [0.70, 0.78, 0.80]]),
        ]
        return report
    }

    @Test("tables: matrix with row versions and test-set names, BWT, FWT, forgetting, tasks, transfer ratio; an SVG that renders")
    func tablesAndPlot() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("report.svg")
        let run = try await ClientCommandTests.withGateway { gateway, address, _ in
            try ClientCommandTests.addJob(to: gateway)
            gateway.state.withLock { $0.report = Self.report() }
            return try await CLIProcess.run(["report", "--job", "job-1", "--svg", svg.path] + address)
        }
        #expect(run.status == 0, "\(run.error)")
        let lines = run.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains { $0.hasPrefix("round") && $0.contains("version") && $0.contains("round-2-test") })
        #expect(lines.contains { $0.hasPrefix("3") && $0.contains("4") && $0.contains("0.8800") })
        #expect(run.output.contains("BWT -0.0021  FWT +0.0310  forgetting +0.0040"))
        #expect(run.output.contains("== global"))
        #expect(lines.contains { $0.hasPrefix("north") && $0.contains("0.8400") && $0.contains("120") })
        #expect(run.output.contains("samples transfer ratio 0.0125 (10 uploaded of 800 inferred"))

        // Well-formed XML with one line per test set and the other method dashed.
        let document = try XMLDocument(contentsOf: svg, options: [])
        let root = try #require(document.rootElement())
        #expect(root.name == "svg")
        func count(_ name: String, in element: XMLElement) -> Int {
            (element.children ?? []).compactMap { $0 as? XMLElement }.reduce(element.localName == name ? 1 : 0) { $0 + count(name, in: $1) }
        }
        #expect(count("path", in: root) == 4)
        #expect(count("circle", in: root) == 16)
        let text = try String(contentsOf: svg, encoding: .utf8)
        #expect(text.contains("round-3-test") && text.contains("global (mean)") && text.contains("stroke-dasharray"))

        // Rendered: the size asked for, and not blank.
        let png = folder.appendingPathComponent("report.png")
        let rsvg = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let converter = try #require(rsvg, "rsvg-convert is missing: install librsvg2-bin (make deps)")
        _ = try await TestProcess.run(converter, ["-o", png.path, svg.path])
        let (width, height, inked) = try await Self.pngStatistics(png)
        #expect(width == 760 && height == 440)
        #expect(inked > 2_000, "only \(inked) non-white pixels")
    }

    /// Width, height and non-white pixels of a PNG, decoded by Python's standard library.
    static func pngStatistics(_ png: URL) async throws -> (Int, Int, Int) {
        let python = ProcessInfo.processInfo.environment["LIFELONG_PYTHON"] ?? "/usr/bin/python3"
        let script = """
            import struct, sys, zlib
            data = open(sys.argv[1], 'rb').read()
            assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            pos, idat = 8, b''
            while pos < len(data):
                length, kind = struct.unpack('>I4s', data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                if kind == b'IHDR': width, height, depth, color = struct.unpack('>IIBB', body[:10])
                if kind == b'IDAT': idat += body
                pos += 12 + length
            channels = {6: 4, 2: 3, 0: 1, 4: 2}[color]
            raw, stride = zlib.decompress(idat), width * channels
            previous, inked, i = bytearray(stride), 0, 0
            for _ in range(height):
                kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
                for x in range(stride):
                    a = line[x - channels] if x >= channels else 0
                    b = previous[x]
                    c = previous[x - channels] if x >= channels else 0
                    if kind == 1: line[x] = (line[x] + a) & 255
                    elif kind == 2: line[x] = (line[x] + b) & 255
                    elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
                    elif kind == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                for x in range(0, stride, channels):
                    pixel = line[x:x + channels]
                    if (channels == 4 and pixel[3] > 0 and min(pixel[:3]) < 200) or (channels != 4 and min(pixel[:min(3, channels)]) < 200): inked += 1
                previous = line
            print(width, height, inked)
            """
        let output = try await TestProcess.run(python, ["-c", script, png.path])
        let numbers = output.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard numbers.count == 3 else { throw TestProcess.Failure("unexpected output of the PNG check: \(output)") }
        return (numbers[0], numbers[1], numbers[2])
    }
}
