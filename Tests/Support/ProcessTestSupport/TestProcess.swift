public import Foundation

/// Child processes of tests: built executables of the package and Python peers. Blocking
/// reads run on threads of their own, never on the cooperative pool a hosted service needs.
public enum TestProcess {
    /// A failure to find or run a process, with what it printed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The repository's root directory.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where `swift build` put the executable `name`: the test binary's directory or one above it.
    /// - Throws: ``Failure`` when it is not built.
    public static func builtExecutable(_ name: String) throws -> URL {
        let testBinary = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        let folders = sequence(first: testBinary.deletingLastPathComponent()) { $0.deletingLastPathComponent() }.prefix(3)
        guard let found = folders.map({ $0.appendingPathComponent(name) }).first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
        else { throw Failure("\(name) is not built next to the tests; run `swift build --build-tests` first") }
        return found
    }

    /// Runs `executable arguments…` to completion.
    /// - Returns: Its standard output.
    /// - Throws: ``Failure`` with its standard error when it exits non-zero or is missing.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure("\(executable) is missing: run 'make deps'")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let (out, err) = await withCheckedContinuation { (continuation: CheckedContinuation<(Data, Data), Never>) in
            Thread {
                let out = output.fileHandleForReading.readDataToEndOfFile()
                let err = errors.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (out, err))
            }.start()
        }
        guard process.terminationStatus == 0 else {
            throw Failure("\(executable) \(arguments.first ?? "") exited \(process.terminationStatus): \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads the first line `handle` delivers (without its newline), on a thread of its own.
    public static func firstLine(of handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                var bytes: [UInt8] = []
                while let byte = handle.readData(ofLength: 1).first, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }.start()
        }
    }
}
