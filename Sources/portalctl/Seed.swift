import ArgumentParser
import Foundation
import Portal
import Postgres

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load demo or benchmark data.",
                                                    subcommands: [Demo.self, Synthetic.self])

    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The guide's SARL DEMONSTRATION (client number 1234567) with its régimes, assurés, IJ, documents, forms and news. Idempotent.")

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("security-code")) var securityCode = StructureAdministration.demoSecurityCode

        func run() throws {
            do {
                let connection = try database.connect()
                let loaded = try DemoDataset.load(on: connection, hasher: database.hasher, securityCode: securityCode)
                print("demo: SARL DEMONSTRATION is structure \(loaded.structureID), client number \(DemoDataset.clientNumber), "
                    + "SIREN \(DemoDataset.siren), security code \(securityCode)")
                print("demo: \(loaded.counts)")
            } catch {
                throw CommandFailure.from(error)
            }
        }
    }

    struct Synthetic: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A large deterministic dataset for benchmarks (client numbers S000001…).",
            discussion: """
                Refuses to run (exit 2) if synthetic structures are already loaded, unless --replace is given,
                which deletes them and everything they own first. Demo and real structures are never touched.
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Number of structures (employers).") var structures = 1000
        @Option(help: "Number of insured people, spread unevenly over the structures.") var insured = 100_000
        @Option(name: .customLong("ij-lines"), help: "Number of IJ payment lines (1 to 5 per payment).") var ijLines = 1_000_000
        @Option(help: "Seed: the same seed gives the same data.") var seed: Int64 = 1
        @Option(name: .customLong("as-of"), help: "The day statuses and payment dates are relative to (YYYY-MM-DD; default today).")
        var asOf: String?
        @Flag(help: "Delete previously loaded synthetic structures first.") var replace = false

        func run() throws {
            var day: CalendarDate?
            if let asOf {
                guard let parsed = CalendarDate(iso: asOf) else { throw CommandFailure.usage("--as-of must be a date, YYYY-MM-DD") }
                day = parsed
            }
            let options = SyntheticDataset.Options(structures: structures, insured: insured, ijLines: ijLines, seed: seed,
                                                   replace: replace, asOf: day)
            do {
                let connection = try database.connect()
                let summary = try SyntheticDataset.load(options, on: connection) { line in
                    // Unbuffered, so a long load shows its progress as it goes.
                    FileHandle.standardOutput.write(Data("synthetic: \(line)\n".utf8))
                }
                if summary.replacedStructures > 0 {
                    print("synthetic: replaced \(summary.replacedStructures) structures")
                }
                print("synthetic: loaded \(summary) in \(summary.elapsedSeconds) s (seed \(seed))")
            } catch let failure as SeedFailure {
                switch failure {
                case .syntheticDataPresent, .invalidSize: throw CommandFailure.usage(failure.description)
                case .inconsistentPayment: throw CommandFailure.failed(failure.description)
                }
            } catch {
                throw CommandFailure.from(error)
            }
        }
    }
}
