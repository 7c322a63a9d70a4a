#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSodium

/// Reads a file in fixed-size chunks and hands out its lines one at a time, with bounded memory:
/// one buffer of `chunkSize + maxLineLength + 2` bytes, allocated once, whatever the file size.
/// Lines end with LF; one CR before the LF is dropped; a final line without LF is a line. A leading
/// UTF-8 byte-order mark is skipped. Each line is checked to be strict UTF-8. The SHA-256 of the
/// raw bytes (BOM included) is computed as they are read.
///
/// Not thread-safe; one reader per file.
final class ChunkedLineReader {
    let path: String
    let chunkSize: Int
    let maxLineLength: Int
    /// The size of the one buffer.
    let capacity: Int

    private let descriptor: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    /// Unconsumed bytes are `buffer[start..<end]`; `buffer[start..<scanned]` holds no LF.
    private var start = 0
    private var end = 0
    private var scanned = 0
    private var reachedEOF = false
    private var checkedBOM = false
    private var hash = SHA256Stream()
    private(set) var sha256: [UInt8]?
    /// Physical lines handed out so far (1-based number of the last one).
    private(set) var lineNumber = 0
    /// The most unconsumed bytes the buffer ever held (for tests of bounded memory).
    private(set) var highWaterBytes = 0
    private(set) var byteCount: Int64 = 0

    init(path: String, chunkSize: Int, maxLineLength: Int) throws {
        precondition(chunkSize >= 1 && maxLineLength >= 1)
        self.path = path
        self.chunkSize = chunkSize
        self.maxLineLength = maxLineLength
        capacity = chunkSize + maxLineLength + 2
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BatchFileReadError(path: path, operation: "open", code: errno) }
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// Moves the unconsumed bytes to the front and reads up to `chunkSize` more after them.
    private func fill() throws {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 { memmove(buffer, buffer + start, remaining) }
            scanned -= start
            end = remaining
            start = 0
        }
        let room = min(chunkSize, capacity - end)
        precondition(room > 0, "line reader buffer full")
        while true {
            let count = read(descriptor, buffer + end, room)
            if count < 0 {
                if errno == EINTR { continue }
                throw BatchFileReadError(path: path, operation: "read", code: errno)
            }
            if count == 0 {
                reachedEOF = true
                sha256 = hash.finish()
                return
            }
            hash.update(buffer + end, count)
            end += count
            byteCount += Int64(count)
            highWaterBytes = max(highWaterBytes, end - start)
            return
        }
    }

    /// The next line without its line ending, valid until the next call; nil at the end of the file.
    /// Throws `line_too_long` and `invalid_utf8` rejections, and `BatchFileReadError`.
    func nextLine() throws -> UnsafeBufferPointer<UInt8>? {
        if !checkedBOM {
            while end - start < 3 && !reachedEOF { try fill() }
            if end - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF {
                start += 3
            }
            scanned = start
            checkedBOM = true
        }
        while true {
            if scanned < end, let found = memchr(buffer + scanned, 0x0A, end - scanned) {
                let lineFeed = found.assumingMemoryBound(to: UInt8.self) - buffer
                var lineEnd = lineFeed
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let lineStart = start
                start = lineFeed + 1
                scanned = start
                return try deliver(from: lineStart, to: lineEnd)
            }
            scanned = end
            if reachedEOF {
                guard start < end else { return nil }
                let lineStart = start
                start = end
                return try deliver(from: lineStart, to: end)
            }
            // No LF yet: the line (plus a possible CR) is already too long, or read more.
            if end - start > maxLineLength + 1 { throw tooLong(lineNumber + 1) }
            try fill()
        }
    }

    private func deliver(from lineStart: Int, to lineEnd: Int) throws -> UnsafeBufferPointer<UInt8> {
        lineNumber += 1
        let count = lineEnd - lineStart
        if count > maxLineLength { throw tooLong(lineNumber) }
        let line = UnsafeBufferPointer(start: buffer + lineStart, count: count)
        guard UTF8Validation.isValid(line) else {
            throw FileRejection(lineNumber: lineNumber, recordType: nil, reason: .invalidUTF8,
                                message: "La ligne n'est pas de l'UTF-8 valide.")
        }
        return line
    }

    private func tooLong(_ line: Int) -> FileRejection {
        FileRejection(lineNumber: line, recordType: nil, reason: .lineTooLong,
                      message: "Ligne de plus de \(maxLineLength) octets.")
    }

    /// Reads and hashes whatever is left unread (no more lines are handed out afterwards) and
    /// returns the SHA-256 of the whole file: for the report of a rejected file.
    func finishDigest() throws -> [UInt8] {
        while sha256 == nil {
            start = 0
            end = 0
            scanned = 0
            try fill()
        }
        start = end
        scanned = end
        return sha256!
    }
}

/// Incremental SHA-256 over libsodium's `crypto_hash_sha256_*`.
struct SHA256Stream {
    private static let sodiumReady: Bool = sodium_init() >= 0
    private var state = crypto_hash_sha256_state()

    init() {
        precondition(Self.sodiumReady, "libsodium failed to initialise")
        crypto_hash_sha256_init(&state)
    }

    mutating func update(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
        crypto_hash_sha256_update(&state, bytes, UInt64(count))
    }

    mutating func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_bytes()))
        digest.withUnsafeMutableBufferPointer { _ = crypto_hash_sha256_final(&state, $0.baseAddress!) }
        return digest
    }
}

/// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            // Eight ASCII bytes at a time: the common case.
            if index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = base[index + 1]
            guard second >= low && second <= high else { return false }
            for offset in 2..<length where base[index + offset] & 0xC0 != 0x80 {
                return false
            }
            index += length
        }
        return true
    }
}
