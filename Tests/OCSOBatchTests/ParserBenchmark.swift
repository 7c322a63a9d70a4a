import Foundation
@testable import OCSOBatch
import Testing

/// Parse speed on a generated 1,000,002-line IJ file. Not a test: runs only with
/// `OCSO_PARSER_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter ParserBenchmark`.
@Suite struct ParserBenchmark {
    static var enabled: Bool { ProcessInfo.processInfo.environment["OCSO_PARSER_BENCH"] != nil }

    /// Peak resident set size of this process, in KiB.
    static func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }

    @Test(.enabled(if: enabled)) func parseOneMillionLines() throws {
        let directory = try TemporaryFile(bytes: [])
        let path = directory.directory + "/bench-ij.txt"
        try Sample.writeLargeIJ(to: path, payments: 250_000, linesPerPayment: 3)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let peakBefore = Self.peakRSS()
        for run in 1...3 {
            let clock = ContinuousClock()
            let start = clock.now
            let parser = try BatchFileParser(path: path)
            var items = 0
            var lines = 0
            while let parsed = try parser.next() {
                items += 1
                if case .payment(let payment) = parsed.item { lines += payment.lines.count }
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            #expect(items == 250_000 && lines == 750_000 && parser.sha256 != nil)
            print(String(format: "run %d: %d lines, %.1f MB in %.3f s: %.0f lines/s, %.0f MB/s", run, parser.lineCount,
                         Double(size) / 1e6, seconds, Double(parser.lineCount) / seconds, Double(size) / 1e6 / seconds))
        }
        print("peak RSS \(peakBefore) KiB before parsing, \(Self.peakRSS()) KiB after (file \(size / 1024) KiB)")
    }
}
