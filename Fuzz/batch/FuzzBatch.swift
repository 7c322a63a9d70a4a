// libFuzzer harness: an OCSO batch file (IJ or AFF) through BatchFileParser, as ij-worker reads
// it: from a file, in chunks. The first input byte picks the chunk size and the line limit (tiny
// ones make every line straddle reads); the rest is the file. Whatever the bytes, the parser must
// end with items and a trailer or a FileRejection, and hash the whole file.
#if canImport(Glibc)
import Glibc
#endif
@testable import OCSOBatch

private let chunkSizes = [1, 2, 3, 7, 16, 64, 4096, BatchFileParser.defaultChunkSize]
private let path = "\(getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")/fuzz-batch-\(getpid()).txt"

private func write(_ bytes: UnsafeBufferPointer<UInt8>) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(descriptor >= 0, "cannot create \(path)")
    var written = 0
    while written < bytes.count {
        let count = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        precondition(count > 0, "cannot write \(path)")
        written += count
    }
    close(descriptor)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunkSize = chunkSizes[Int(data[0] & 7)]
    let maxLineLength = data[0] & 8 == 0 ? BatchFileParser.maxLineLength : 100
    write(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        let parser = try BatchFileParser(path: path, chunkSize: chunkSize, maxLineLength: maxLineLength)
        do {
            _ = try parser.header()
            var items = 0
            while let item = try parser.next() {
                items += 1
                for rejection in item.rejections { precondition(rejection.lineNumber <= parser.lineCount, "rejection past the last line") }
            }
            precondition(parser.trailer != nil && parser.sha256 != nil, "end of file without trailer or digest")
            let after = try parser.next()
            precondition(after == nil, "items after the end")
        } catch let rejection as FileRejection {
            // A line too long is rejected before it counts as read.
            precondition((rejection.lineNumber ?? 0) <= parser.lineCount + 1, "rejection past the line being read")
            let digest = try parser.finishDigest()
            let expected = try BatchFileParser.sha256(ofFileAt: path)
            precondition(digest == expected, "digest of a rejected file differs")
        }
    } catch {
        preconditionFailure("unexpected error: \(error)")
    }
    return 0
}
