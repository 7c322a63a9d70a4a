import ArgumentParser
import Foundation
import Portal

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending SQL migrations, each in one transaction.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Directory of NNNN_description.sql files (default: $PORTAL_MIGRATIONS_DIR, then ./sql/migrations).")
    var migrations: String?

    func run() throws {
        let directory = migrations ?? ProcessInfo.processInfo.environment["PORTAL_MIGRATIONS_DIR"] ?? "sql/migrations"
        do {
            let files = try Migration.load(from: directory)
            let connection = try database.connect()
            let outcome = try MigrationRunner(connection: connection).apply(files)
            if outcome.applied.isEmpty {
                print("migrations: up to date (\(outcome.alreadyApplied) applied)")
            } else {
                print("migrations: applied \(outcome.applied.map(String.init).joined(separator: ", "))")
            }
        } catch {
            throw CommandFailure.from(error)
        }
    }
}
