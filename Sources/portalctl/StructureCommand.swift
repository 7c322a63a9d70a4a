import ArgumentParser
import Portal

struct StructureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "structure",
        abstract: "Create structures and manage their security codes.",
        subcommands: [Create.self, ResetCode.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a structure and print its one-time security code (only its hash is stored).")

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("client-number")) var clientNumber: String
        @Option var siren: String
        @Option var siret: String
        @Option var name: String
        @Option var address: String?
        @Option var phone: String?
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() throws {
            let structure = StructureAdministration.NewStructure(
                clientNumber: clientNumber, siren: siren, siret: siret, name: name, address: address, phone: phone)
            do {
                // Validate before connecting, so bad input is reported even without a database.
                try structure.validate()
                let connection = try database.connect()
                let created = try StructureAdministration(connection: connection, hasher: database.hasher).create(structure)
                try report(created, clientNumber: clientNumber, json: json)
            } catch StructureAdministration.Failure.clientNumberTaken {
                throw CommandFailure.failed("a structure with client number \(clientNumber) already exists")
            } catch {
                throw CommandFailure.from(error)
            }
        }
    }

    struct ResetCode: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-code", abstract: "Replace a structure's security code and print the new one.")

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("client-number")) var clientNumber: String
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() throws {
            do {
                guard CompanyIdentifiers.isValidClientNumber(clientNumber) else {
                    throw CommandFailure.usage("client_number: Le numéro client comporte 7 caractères (chiffres et lettres majuscules).")
                }
                let connection = try database.connect()
                let created = try StructureAdministration(connection: connection, hasher: database.hasher)
                    .resetSecurityCode(clientNumber: clientNumber)
                try report(created, clientNumber: clientNumber, json: json)
            } catch StructureAdministration.Failure.unknownClientNumber {
                throw CommandFailure.failed("no structure has client number \(clientNumber)")
            } catch {
                throw CommandFailure.from(error)
            }
        }
    }
}

private func report(_ created: StructureAdministration.Created, clientNumber: String, json: Bool) throws {
    if json {
        try printJSON(["structure_id": created.structureID, "client_number": clientNumber, "security_code": created.securityCode])
    } else {
        print("structure \(created.structureID) (client number \(clientNumber))")
        print("security code: \(created.securityCode)  — shown once; send it to the employer by post")
    }
}
