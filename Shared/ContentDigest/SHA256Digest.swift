import CLibCrypto

/// Incremental SHA-256, for content addresses of models: hash the chunks of an upload as
/// they arrive, compare at the end.
///
/// A thin owner of an OpenSSL `SHA256_CTX` (libcrypto uses the CPU's SHA extensions, several
/// times faster than hashing in Swift). The low-level calls rather than EVP's: EVP's first use
/// loads OpenSSL's provider machinery, about 2 MiB more resident memory in every process (the
/// edge's budget counts it), for the same hashing code. Use one digest from one task at a time.
///
/// ```swift
/// let digest = SHA256Digest()
/// digest.update(firstChunk)
/// digest.update(secondChunk)
/// let hex = digest.finalizeHex()  // 64 lowercase hex digits
/// ```
public final class SHA256Digest {
    /// The hash state (a plain C struct, no resources to free).
    private var context = SHA256_CTX()
    private var finished = false

    /// A digest with no input yet.
    public init() {
        SHA256_Init(&context)
    }

    /// Hashes more bytes.
    /// - Parameter bytes: The next bytes of the message.
    public func update(_ bytes: some Collection<UInt8>) {
        precondition(!finished, "SHA256Digest.update after finalize")
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            _ = SHA256_Update(&context, buffer.baseAddress, buffer.count)
        }
        if handled == nil {
            Array(bytes).withUnsafeBytes { _ = SHA256_Update(&context, $0.baseAddress, $0.count) }
        }
    }

    /// Ends the message; the digest cannot be updated afterwards.
    /// - Returns: The 32-byte digest.
    public func finalize() -> [UInt8] {
        precondition(!finished, "SHA256Digest.finalize called twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: 32)
        _ = SHA256_Final(&digest, &context)
        return digest
    }

    /// Ends the message.
    /// - Returns: The digest as 64 lowercase hex digits.
    public func finalizeHex() -> String {
        Self.hex(finalize())
    }

    /// The SHA-256 of `bytes`, as 64 lowercase hex digits.
    public static func hex(of bytes: some Collection<UInt8>) -> String {
        let digest = SHA256Digest()
        digest.update(bytes)
        return digest.finalizeHex()
    }

    /// The digest written as 64 hex digits (either case), e.g. read from a file.
    /// - Returns: The 32 bytes, or nil when `hex` is not 64 hex digits.
    public static func digest(hex: some StringProtocol) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Lowercase hex of bytes.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// One digest is used by one task at a time; it may move between threads with it.
@available(*, unavailable)
extension SHA256Digest: Sendable {}
