import Foundation
import ServiceAuth
import Testing

@Suite("Token files: hashed at rest, parsed line by line")
struct TokenFileTests {
    static let hash = String(repeating: "ab", count: 32)

    @Test(
        "A malformed line is an error naming the file, the line and what is wrong",
        arguments: [
            ("sha256:1234 admin", "64 hex digits"),
            ("md5:\(hash) admin", "64 hex digits"),
            ("sha256:\(String(repeating: "zz", count: 32)) admin", "64 hex digits"),
            ("sha256:\(hash)", "missing the scope"),
            ("sha256:\(hash) root", "unknown scope 'root'"),
            ("sha256:\(hash) edge", "needs the node id"),
            ("sha256:\(hash) admin node-a", "only edge tokens are bound to a node"),
            ("sha256:\(hash) edge node-a extra", "unexpected field 'extra'"),
        ])
    func malformedLine(line: String, problem: String) throws {
        let text = "# comment\n\n\(line)\n"
        let error = #expect(throws: AuthConfigurationError.self) { try TokenStore(parsing: text, source: "tokens.sha256") }
        #expect(error?.code == .malformedTokenFile)
        #expect(error?.message.hasPrefix("tokens.sha256:3: ") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
    }

    @Test("A hash listed twice names the earlier line; comments, blank lines and tabs are fine")
    func duplicatesAndLayout() throws {
        let store = try TokenStore(parsing: "# who\n\nsha256:\(Self.hash)\tedge\tnode-a\r\n  # indented comment\n")
        #expect(store.entries.map(\.principal) == [Principal(scope: .edge, node: "node-a")])
        let error = #expect(throws: AuthConfigurationError.self) {
            try TokenStore(parsing: "sha256:\(Self.hash) admin\nsha256:\(Self.hash.uppercased()) reader\n", source: "t")
        }
        #expect(error?.message == "t:2: the same token hash is already on line 1")
    }

    @Test("A missing or empty token file is an error naming it")
    func missingOrEmpty() throws {
        let missing = #expect(throws: AuthConfigurationError.self) { try TokenStore(contentsOfFile: "/nonexistent/tokens.sha256") }
        #expect(missing?.code == .unreadableFile)
        #expect(missing?.message.contains("/nonexistent/tokens.sha256") == true)
        try TemporaryFolder.with { folder in
            let file = folder + "/empty"
            try "# nothing yet\n".write(toFile: file, atomically: true, encoding: .utf8)
            let empty = #expect(throws: AuthConfigurationError.self) { try TokenStore(contentsOfFile: file) }
            #expect(empty?.message == "\(file): lists no token")
        }
    }

    @Test("Generated tokens: 43 base64url characters, distinct, checked by hash; the hashed file never holds a plain token")
    func generatedDirectory() throws {
        try TemporaryFolder.with { folder in
            let directory = try TokenDirectory.generate(at: folder + "/tokens", edgeNodes: ["node-a", "node-b"])
            let stored = try String(contentsOfFile: directory.storeFile, encoding: .utf8)
            let store = try TokenStore(contentsOfFile: directory.storeFile)
            let callers: [(TokenScope, String?)] = [(.admin, nil), (.service, nil), (.reader, nil), (.edge, "node-a"), (.edge, "node-b")]
            var tokens: Set<String> = []
            for (scope, node) in callers {
                let token = try directory.token(scope, node: node)
                tokens.insert(token.value)
                #expect(token.value.count == 43)
                #expect(token.value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
                #expect(!stored.contains(token.value), "the hashed file holds the plain \(scope) token")
                #expect(store.principal(for: token.value) == Principal(scope: scope, node: node))
                let mode = try FileManager.default.attributesOfItem(atPath: directory.tokenFile(scope, node: node))[.posixPermissions]
                #expect((mode as? Int) == 0o600)
            }
            #expect(tokens.count == callers.count)
            #expect(store.entries.count == callers.count)
            #expect(store.principal(for: "not-a-token") == nil)
            #expect(store.principal(for: "") == nil)

            // Regenerating replaces every token; adding appends one.
            let again = try TokenDirectory.generate(at: directory.path)
            let fresh = try TokenStore(contentsOfFile: again.storeFile)
            #expect(fresh.entries.count == 3)
            #expect(tokens.allSatisfy { fresh.principal(for: $0) == nil })
            let exists = #expect(throws: AuthConfigurationError.self) { try again.add(.admin) }
            #expect(exists?.code == .tokenExists)
            let added = try again.add(.edge, node: "node-c")
            #expect(try TokenStore(contentsOfFile: again.storeFile).principal(for: added.value) == Principal(scope: .edge, node: "node-c"))
        }
    }

    @Test("TokenFile.generate: the line is the token's SHA-256, scope and node; edge tokens need a node, others take none")
    func generateLine() throws {
        let generated = try TokenFile.generate(scope: .edge, node: "node-a")
        #expect(generated.line == TokenFile.line(hashing: generated.token, for: generated.principal))
        #expect(generated.line.hasPrefix("sha256:") && generated.line.hasSuffix(" edge node-a"))
        #expect(!generated.line.contains(generated.token.value))
        #expect(throws: AuthConfigurationError.self) { try TokenFile.generate(scope: .edge) }
        #expect(throws: AuthConfigurationError.self) { try TokenFile.generate(scope: .admin, node: "node-a") }
        #expect(throws: AuthConfigurationError.self) { try TokenFile.generate(scope: .edge, node: "node a") }
    }

    @Test("A plain token file holds one line; the token never shows in descriptions")
    func plainTokenFile() throws {
        try TemporaryFolder.with { folder in
            let file = folder + "/service.token"
            try "s3cret-token\n".write(toFile: file, atomically: true, encoding: .utf8)
            let token = try BearerToken(contentsOfFile: file)
            #expect(token.headerValue == "Bearer s3cret-token")
            #expect(!"\(token)".contains("s3cret"))
            try "one\ntwo\n".write(toFile: file, atomically: true, encoding: .utf8)
            #expect(throws: AuthConfigurationError.self) { try BearerToken(contentsOfFile: file) }
            #expect(throws: AuthConfigurationError.self) { try BearerToken("with space") }
            #expect(throws: AuthConfigurationError.self) { try BearerToken("") }
        }
    }
}

/// A folder that exists for one test.
enum TemporaryFolder {
    static func with<T>(_ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lifelong-auth-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }
}
