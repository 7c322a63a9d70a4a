/// Which timer fired on a connection.
enum ConnectionTimeout: String {
    /// No first record within `firstByteTimeout`.
    case firstByte = "first-byte"
    /// Gap between records of a request over `recordTimeout`.
    case record
    /// Kept-alive connection unused for `idleTimeout`.
    case idle
    /// Pending output made no progress for `writeTimeout`.
    case write
    /// Post-shutdown read drain took too long.
    case linger
}
