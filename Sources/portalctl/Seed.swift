import ArgumentParser
import Portal

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load demo data (idempotent).", subcommands: [Demo.self])

    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The guide's SARL DEMONSTRATION (client number 1234567) with a documented security code.")

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("security-code")) var securityCode = StructureAdministration.demoSecurityCode

        func run() throws {
            do {
                let connection = try database.connect()
                let id = try StructureAdministration(connection: connection, hasher: database.hasher).seedDemo(securityCode: securityCode)
                print("demo: SARL DEMONSTRATION is structure \(id), client number 1234567, SIREN 999999998, security code \(securityCode)")
            } catch {
                throw CommandFailure.from(error)
            }
        }
    }
}
