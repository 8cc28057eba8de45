import ArgumentParser
import Foundation

/// A failure of a command, said for a person, with the exit status it ends with.
///
/// Exit statuses: 1 a call failed (the status code and message are printed), 2 bad usage
/// (ArgumentParser's), 3 a service could not be reached, 4 a wait timed out, 5 a local
/// problem (a file, a process of the stack).
struct CLIFailure: Error, CustomStringConvertible {
    /// What kind of failure, which decides the exit status.
    enum Kind: Int32 {
        case rpc = 1
        case unreachable = 3
        case timeout = 4
        case local = 5
    }

    /// What kind of failure.
    var kind: Kind
    /// The sentence printed.
    var message: String

    /// Creates a failure.
    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { message }

    /// Runs a command's work; a failure is printed to standard error as `lifelong: message` and
    /// ends the process with its status. Sample-file and validation errors are local failures.
    static func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CLIFailure {
            Terminal.error("lifelong: \(failure.message)")
            throw ExitCode(failure.kind.rawValue)
        } catch let exit as ExitCode {
            throw exit
        } catch let validation as ValidationError {
            throw validation
        } catch {
            Terminal.error("lifelong: \(error)")
            throw ExitCode(Kind.local.rawValue)
        }
    }
}
