import ArgumentParser
import Foundation
import Logging
import OCSOBatch
import Portal
import Postgres

/// ij-worker: loads OCSO's nightly batch files. Exit codes: 0 every file loaded (or already
/// loaded), 3 at least one item rejected, 4 at least one file rejected, 2 usage or configuration
/// error, 1 the database or the file system failed (nothing half-done: rerun the same command).
@main
struct IJWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ij-worker", abstract: "Load OCSO batch files (IJ payments, affiliation data).",
        subcommands: [Ingest.self, Watch.self])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as WorkerExit {
            Foundation.exit(exit.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("ij-worker: \(fullMessage(for: error))\n".utf8))
            Foundation.exit(code == .validationFailure ? 2 : 1)
        }
    }
}

struct WorkerExit: Error {
    let code: Int32

    /// 4 beats 3 beats 0.
    static func code(for outcomes: [BatchOutcome]) -> Int32 {
        if outcomes.contains(where: { $0.status == .rejected }) { return 4 }
        if outcomes.contains(where: { $0.itemsRejected > 0 }) { return 3 }
        return 0
    }
}

struct WorkerOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq conninfo, as portal_worker (default: $PORTAL_DATABASE_URL, then PG*).")
    var databaseURL: String?

    @Flag(help: "Item-level errors reject the whole file.") var strict = false

    func connect(logger: Logger) throws -> PostgresConnection {
        let conninfo = databaseURL ?? ProcessInfo.processInfo.environment["PORTAL_DATABASE_URL"] ?? ""
        do {
            return try PostgresConnection(configuration: PostgresConfiguration(conninfo: conninfo, applicationName: "ij-worker"))
        } catch {
            logger.error("cannot connect to the database", metadata: ["error": .string(String(describing: error))])
            FileHandle.standardError.write(Data("ij-worker: cannot connect to the database: \(error)\n".utf8))
            throw WorkerExit(code: 2)
        }
    }
}

/// `PORTAL_LOG_LEVEL` as for the responder; `debug` adds the duration of each phase of a load.
func bootstrapLogging() -> Logger {
    let text = ProcessInfo.processInfo.environment["PORTAL_LOG_LEVEL"] ?? "info"
    guard let level = Logger.Level(rawValue: text) else {
        FileHandle.standardError.write(Data("ij-worker: PORTAL_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical (got \(text))\n".utf8))
        Foundation.exit(2)
    }
    LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
    return Logger(label: "ij-worker")
}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load the given files, one summary line (or JSON object) per file.")

    @OptionGroup var options: WorkerOptions
    @Flag(help: "One JSON object per file instead of a summary line.") var json = false
    @Flag(name: .customLong("dry-run"), help: "Validate without writing anything.") var dryRun = false
    @Argument(help: "Batch files to load, in this order.") var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file") }
    }

    func run() throws {
        let logger = bootstrapLogging()
        let connection = try options.connect(logger: logger)
        var loaderOptions = BatchLoader.Options()
        loaderOptions.strict = options.strict
        loaderOptions.dryRun = dryRun
        let loader = BatchLoader(connection: connection, options: loaderOptions, logger: logger)
        var outcomes: [BatchOutcome] = []
        for file in files {
            do {
                let outcome = try loader.load(path: file)
                outcomes.append(outcome)
                print(json ? Self.jsonLine(outcome) : outcome.summaryLine)
            } catch {
                logger.error("file not processed", metadata: ["file": .string(file), "error": .string(String(describing: error))])
                FileHandle.standardError.write(Data("ij-worker: \(file): \(error)\n".utf8))
                throw WorkerExit(code: 1)
            }
        }
        throw WorkerExit(code: WorkerExit.code(for: outcomes))
    }

    static func jsonLine(_ outcome: BatchOutcome) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(outcome)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: """
        Process DIR/incoming in name order: each file goes to DIR/done or DIR/rejected with its report. \
        Hidden files and names ending in .part (uploads in progress) are left alone.
        """)

    @OptionGroup var options: WorkerOptions
    @Option(help: "Spool directory holding incoming/, done/ and rejected/.") var spool: String
    @Flag(help: "Process what is there, then exit (for cron or a systemd timer).") var once = false
    @Option(help: "Seconds between scans.") var interval: Double = 5

    func validate() throws {
        guard interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be between 0.1 and 3600") }
    }

    func run() throws {
        let logger = bootstrapLogging()
        let spoolDirectory = SpoolDirectory(root: spool)
        if let problem = scan(spoolDirectory, logger: logger) {
            throw problem
        }
        let connection = try options.connect(logger: logger)
        var loaderOptions = BatchLoader.Options()
        loaderOptions.strict = options.strict
        let loader = BatchLoader(connection: connection, options: loaderOptions, logger: logger)
        WatchStop.install()
        var outcomes: [BatchOutcome] = []
        repeat {
            // Checked at every scan: a spool that became unwritable is refused before a file is loaded.
            let files: [String]
            switch scan(spoolDirectory, logger: logger) {
            case .some(let problem) where once: throw problem
            case .some: files = []
            case .none: files = (try? spoolDirectory.pending()) ?? []
            }
            for file in files {
                if WatchStop.requested { break }
                do {
                    let outcome = try loader.load(path: file)
                    try spoolDirectory.file(file, outcome: outcome)
                    outcomes.append(outcome)
                    print(outcome.summaryLine)
                } catch {
                    // The database or the disk failed: the file stays in incoming/ for the next scan.
                    logger.error("file left in incoming", metadata: ["file": .string(file), "error": .string(String(describing: error))])
                    FileHandle.standardError.write(Data("ij-worker: \(file): \(error); the file stays in incoming/\n".utf8))
                    if once { throw WorkerExit(code: 1) }
                }
            }
            if !once { WatchStop.sleep(seconds: interval) }
        } while !once && !WatchStop.requested
        throw WorkerExit(code: once ? WorkerExit.code(for: outcomes) : 0)
    }
}

extension Watch {
    /// Whether the spool can be used (its directories exist and are writable, incoming/ can be
    /// listed); if not, says why on stderr and in the log, and returns the exit to give (2).
    func scan(_ spoolDirectory: SpoolDirectory, logger: Logger) -> WorkerExit? {
        do {
            try spoolDirectory.prepare()
            _ = try spoolDirectory.pending()
            return nil
        } catch {
            logger.error("spool unusable", metadata: ["spool": .string(spool), "error": .string(String(describing: error))])
            FileHandle.standardError.write(Data("ij-worker: spool \(spool): \(error)\n".utf8))
            return WorkerExit(code: 2)
        }
    }
}

/// SIGTERM/SIGINT stop the watch loop between two files, never in the middle of one.
enum WatchStop {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0
    static var requested: Bool { flag != 0 }

    static func install() {
        signal(SIGTERM) { _ in WatchStop.flag = 1 }
        signal(SIGINT) { _ in WatchStop.flag = 1 }
    }

    static func sleep(seconds: Double) {
        var remaining = seconds
        while remaining > 0, !requested {
            Thread.sleep(forTimeInterval: min(0.1, remaining))
            remaining -= 0.1
        }
    }
}
