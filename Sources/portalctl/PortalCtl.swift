import ArgumentParser
import Foundation
import Portal
import Postgres

/// Operators' command line: migrations, structures and their security codes, demo data.
/// Exit codes: 0 done, 1 the operation failed (database, conflict), 2 bad usage or input.
@main
struct PortalCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portalctl",
        abstract: "Administer the Espace Employeur database.",
        subcommands: [Migrate.self, StructureCommand.self, StaffCommand.self, Seed.self, MailCommand.self]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("portalctl: \(failure.message)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            // Usage errors (ArgumentParser says 64) are reported as 2 like every other bad input.
            Foundation.exit(code == .validationFailure ? 2 : 1)
        }
    }
}

/// An error with the exit code and the one-line message the operator sees.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32

    static func usage(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 2) }
    static func failed(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 1) }

    /// Maps domain and database errors to what the operator should read.
    static func from(_ error: Error) -> CommandFailure {
        switch error {
        case let failure as CommandFailure: failure
        case let failure as ValidationFailure:
            .usage(failure.issues.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
        case let failure as MigrationError: .failed(failure.description)
        case let failure as PostgresError: .failed(failure.description)
        default: .failed(String(describing: error))
        }
    }
}

/// Options every database command shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "libpq connection string, as portal_owner (default: $PORTAL_DATABASE_URL, then PG* variables).")
    var databaseURL: String?

    func connect() throws -> PostgresConnection {
        let conninfo = databaseURL ?? ProcessInfo.processInfo.environment["PORTAL_DATABASE_URL"] ?? ""
        do {
            return try PostgresConnection(configuration: PostgresConfiguration(conninfo: conninfo, applicationName: "portalctl"))
        } catch {
            throw CommandFailure.from(error)
        }
    }

    /// Argon2id cost; `PORTAL_PASSWORD_HASH=minimal` is for throwaway test clusters only.
    var hasher: SecretHasher {
        ProcessInfo.processInfo.environment["PORTAL_PASSWORD_HASH"] == "minimal" ? .minimal : .interactive
    }
}

/// Prints one JSON object on stdout.
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
