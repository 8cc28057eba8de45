import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension TestServiceHost {
    /// A free loopback port below the kernel's ephemeral range, for a test that hands a port
    /// out now and starts a service on it later (a dependency that comes back).
    ///
    /// A port from binding port 0 lies in the ephemeral range, where every outgoing connection
    /// also draws its local port: between the two moments another test's client may take it,
    /// and the later bind fails with "Address already in use". Below the range only explicit
    /// binds take ports, so one free now stays free unless another listener picks it.
    /// - Throws: `POSIXError` when no port of the range below can be bound.
    public static func quietPort() throws -> Int {
        let lowest = 20_000
        let ephemeralStart = ephemeralRangeStart() ?? 32_768
        let count = max(ephemeralStart - lowest, 1)
        let offset = Int.random(in: 0..<count)
        for step in 0..<count {
            let port = lowest + (offset + step) % count
            if canBind(port) { return port }
        }
        throw POSIXError(.EADDRINUSE)
    }

    /// The first port of `/proc/sys/net/ipv4/ip_local_port_range`; nil where it cannot be read.
    private static func ephemeralRangeStart() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) else {
            return nil
        }
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
    }

    /// Whether a TCP socket binds 127.0.0.1:`port` as a server would (address reuse on).
    private static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
