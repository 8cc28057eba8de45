#if canImport(Glibc)
import Glibc
#endif

/// How the edge keeps its resident memory small, with glibc's allocator (`malloc.h`, which the
/// Glibc module's headers leave out, so its function is looked up once by name). The other
/// half, one malloc arena for all threads, is set before main (Services/EdgeStartup).
enum ProcessMemory {
    /// Hands the heap's free pages back to the system (glibc keeps them otherwise), so the
    /// decoded trees and the model bytes released after a snapshot load do not stay resident.
    static func returnFreedMemory() {
        #if canImport(Glibc)
        _ = mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
    private typealias MallocTrim = @convention(c) (Int) -> Int32
    private static let mallocTrim: MallocTrim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: MallocTrim.self) }
    #endif
}
