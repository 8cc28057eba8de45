import Testing

extension EdgeSuites {
    /// The edge's memory budget (docs/edge.md, Memory) depends on what its process maps: these
    /// libraries cost several MiB of resident pages at start whether used or not.
    @Suite("What the edge process maps")
    struct FootprintTests {
        @Test("lifelong-edge loads neither Foundation nor ICU (FoundationEssentials only)")
        func noFoundation() async throws {
            try await TemporaryStore.with { path async throws in
                let node = try await EdgeProcess(["--store", path, "--no-auth", "--log-level", "error"])
                let mapped = Result { try node.mappedLibraries() }
                await node.stop()
                let libraries = try mapped.get()
                #expect(libraries.contains { $0.hasPrefix("libswiftCore") }, "the check reads the process's maps: \(libraries)")
                #expect(libraries.contains { $0.hasPrefix("libFoundationEssentials") })
                for unwanted in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"] {
                    #expect(!libraries.contains(unwanted), "lifelong-edge maps \(unwanted): a module of its link imports Foundation (use FoundationEssentials)")
                }
            }
        }
    }
}
