#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOSSL

/// Reads the PEM files TLS settings name, failing with a ``TLSSetupError`` that names the file
/// (NIOSSL's own errors do not).
enum TLSFiles {
    /// The certificates of a PEM file.
    /// - Parameters:
    ///   - path: The file.
    ///   - role: What the file is for, in messages ("certificate chain", "trusted CA").
    static func certificates(_ path: String, role: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let bytes = try read(path, role: role)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw TLSSetupError(code: .invalidCertificate, message: "the TLS \(role) file '\(path)' is not PEM", cause: error)
        }
        guard !certificates.isEmpty else {
            throw TLSSetupError(code: .invalidCertificate, message: "the TLS \(role) file '\(path)' holds no certificate")
        }
        return certificates
    }

    /// The private key of a PEM file.
    static func privateKey(_ path: String) throws(TLSSetupError) -> NIOSSLPrivateKey {
        let bytes = try read(path, role: "private key")
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw TLSSetupError(code: .invalidPrivateKey, message: "the TLS private key file '\(path)' holds no PEM private key", cause: error)
        }
    }

    private static func read(_ path: String, role: String) throws(TLSSetupError) -> [UInt8] {
        // The system's reason ("No such file or directory", "Permission denied") reads better
        // than Foundation's error.
        guard access(path, R_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw TLSSetupError(code: .unreadableFile, message: "the TLS \(role) file '\(path)' cannot be read: \(reason)")
        }
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw TLSSetupError(code: .unreadableFile, message: "the TLS \(role) file '\(path)' cannot be read", cause: error)
        }
    }
}
