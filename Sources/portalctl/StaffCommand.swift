import ArgumentParser
import Portal

/// OCSO staff accounts: they answer démarches and publish news in the back-office.
struct StaffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Create OCSO staff accounts for the back-office.",
        subcommands: [Create.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff account and print its temporary password (to be changed at first login).",
            discussion: "Teams: \(OCSOTeam.allCases.map { "\($0.rawValue) (\($0.label))" }.joined(separator: ", ")). "
                + "Repeat --team for a member of several teams.")

        @OptionGroup var database: DatabaseOptions
        @Option var email: String
        @Option(help: "A team whose requests the member handles; repeatable.") var team: [String]
        @Option(name: .customLong("first-name")) var firstName: String?
        @Option(name: .customLong("last-name")) var lastName: String?
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() throws {
            let staff = StaffAdministration.NewStaff(email: email, teams: team, firstName: firstName, lastName: lastName)
            do {
                let connection = try database.connect()
                let created = try connection.transaction { connection in
                    try StaffAdministration(connection: connection, hasher: database.hasher).create(staff)
                }
                if json {
                    try printJSON(["user_id": created.userID, "email": created.email, "teams": created.teams.map(\.rawValue),
                                   "temporary_password": created.temporaryPassword])
                } else {
                    print("staff account \(created.userID) <\(created.email)>, teams: \(created.teams.map(\.rawValue).joined(separator: ", "))")
                    print("temporary password: \(created.temporaryPassword)  — shown once; to be changed at first login")
                }
            } catch StaffAdministration.Failure.emailTaken {
                throw CommandFailure.failed("an account with this e-mail address already exists")
            } catch {
                throw CommandFailure.from(error)
            }
        }
    }
}
