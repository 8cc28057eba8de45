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
        write(line + "\n", to: .standardError)
    }

    /// Writes text to standard error without a newline.
    static func errorRaw(_ text: String) {
        write(text, to: .standardError)
    }

    /// Writes a line to standard output now (not buffered, so a watcher sees events as they come).
    static func line(_ line: String) {
        write(line + "\n", to: .standardOutput)
    }

    /// Writes, or ends the process quietly when the reader has gone (`lifelong … | head`):
    /// what is left to say has no one to read it.
    private static func write(_ text: String, to handle: FileHandle) {
        do {
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            exit(EXIT_SUCCESS)
        }
    }
}
