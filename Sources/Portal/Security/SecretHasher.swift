import CSodium

/// Argon2id hashing (libsodium `crypto_pwhash_str`) for passwords and security codes.
/// The cost is configurable: production uses libsodium's "interactive" limits, tests lower them.
public struct SecretHasher: Sendable {
    public var opsLimit: UInt64
    public var memLimitBytes: Int

    public init(opsLimit: UInt64, memLimitBytes: Int) {
        self.opsLimit = opsLimit
        self.memLimitBytes = memLimitBytes
    }

    /// libsodium's interactive limits (2 passes, 64 MiB).
    public static var interactive: SecretHasher {
        SecretHasher(opsLimit: UInt64(crypto_pwhash_opslimit_interactive()),
                     memLimitBytes: Int(crypto_pwhash_memlimit_interactive()))
    }

    /// The cheapest Argon2id libsodium accepts: for tests only.
    public static var minimal: SecretHasher {
        SecretHasher(opsLimit: UInt64(crypto_pwhash_opslimit_min()), memLimitBytes: Int(crypto_pwhash_memlimit_min()))
    }

    public struct HashingFailed: Error {}

    /// An encoded `$argon2id$…` string carrying its own salt and parameters.
    public func hash(_ secret: String) throws -> String {
        Sodium.ensureReady()
        var output = [CChar](repeating: 0, count: Int(crypto_pwhash_strbytes()))
        // A trailing NUL keeps the buffer non-empty; the length passed excludes it.
        let bytes = Array(secret.utf8) + [0]
        let status = bytes.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                crypto_pwhash_str_alg(&output, chars.baseAddress!, UInt64(chars.count - 1), opsLimit, memLimitBytes,
                                      crypto_pwhash_alg_argon2id13())
            }
        }
        guard status == 0 else { throw HashingFailed() }
        let encoded = output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// True when `secret` matches `encoded`. Any malformed `encoded` is simply a mismatch.
    public func verify(_ secret: String, against encoded: String) -> Bool {
        Sodium.ensureReady()
        let bytes = Array(secret.utf8) + [0]
        return encoded.withCString { hashPointer in
            bytes.withUnsafeBufferPointer { input in
                input.withMemoryRebound(to: CChar.self) { chars in
                    crypto_pwhash_str_verify(hashPointer, chars.baseAddress!, UInt64(chars.count - 1)) == 0
                }
            }
        }
    }
}
