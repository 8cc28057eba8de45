#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where the CLI writes: results to standard output, progress and errors to standard error
/// (progress bars only when standard error is a terminal).
enum Terminal {
    /// Whether standard error is a terminal (progress bars redraw in place only then).
    static let errorIsTerminal = isatty(STDERR_FILENO) == 1

    /// Writes a line to standard error.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes text to standard error without a newline.
    static func errorRaw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Writes a line to standard output now (not buffered, so a watcher sees events as they come).
    static func line(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
