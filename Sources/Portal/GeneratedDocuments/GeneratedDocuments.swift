import Postgres

/// A PDF made on request: never stored, rendered from the structure's data of the moment.
public struct GeneratedDocument: Sendable {
    public let fileName: String
    public let content: [UInt8]
}

/// The documents the portal composes for an employer (guide ch. 05 to 07): attestations
/// d'adhésion, IJ décomptes and blank BIAs. Reads through the same repositories as the pages
/// that show the data, so a document never says more than the caller's access lets them see.
public struct GeneratedDocuments {
    let connection: PostgresConnection
    let access: AccessContext

    public init(connection: PostgresConnection, access: AccessContext) {
        self.connection = connection
        self.access = access
    }

    public enum Failure: Error, Equatable {
        /// The person exists but has no Santé affiliation in force (or in portability) to attest.
        case noHealthAffiliation
    }

    /// nil when the structure has no such insured person (with an affiliation to a signed contract).
    public func attestation(matricule: String, kind: MembershipAttestation.Kind) throws -> GeneratedDocument? {
        guard let details = try InsuredPeople(connection: connection, access: access).details(matricule: matricule) else { return nil }
        // The attestation carries the NIR and the beneficiaries: health data.
        guard let health = details.health else { throw AccessContext.Denial.missingRight(.health) }
        let today = try currentDate()
        let inForce = details.person.affiliations.filter { affiliation in
            affiliation.regime == .sante && (affiliation.inPortability || affiliation.endDate.map { $0 >= today } ?? true)
        }
        // The most recent one when there are several (affiliations come newest first per régime).
        guard let affiliation = inForce.first else { throw Failure.noHealthAffiliation }
        let attestation = MembershipAttestation(kind: kind, company: try company(), person: details.person, health: health,
                                                affiliation: affiliation, issuedOn: today)
        return GeneratedDocument(fileName: attestation.fileName, content: try attestation.document().rendered())
    }

    /// nil when the structure has no such payment.
    public func ijStatement(paymentID: Int64) throws -> GeneratedDocument? {
        guard let payment = try IJPayments(connection: connection, access: access).payment(id: paymentID) else { return nil }
        let statement = IJStatement(company: try company(), payment: payment)
        return GeneratedDocument(fileName: statement.fileName, content: try statement.document().rendered())
    }

    /// Throws `ValidationFailure` (fields `contract_reference`, `employees_in_category`) when the
    /// contract is not one of the structure's signed contracts in force or the head count is wrong.
    public func enrolmentForm(_ request: EnrolmentForm.Request) throws -> (form: EnrolmentForm, document: GeneratedDocument) {
        var issues: [ValidationIssue] = []
        let contract = try Contracts(connection: connection, access: access).current().first { $0.reference == request.contractReference }
        if contract == nil {
            issues.append(ValidationIssue(field: "contract_reference", code: "unknown_contract",
                                          message: "Ce contrat ne fait pas partie des régimes en cours de la structure."))
        }
        if let employees = request.employeesInCategory, !(1...EnrolmentForm.maximumEmployees).contains(employees) {
            issues.append(ValidationIssue(field: "employees_in_category", code: "out_of_range",
                                          message: "Le nombre de salariés doit être compris entre 1 et \(EnrolmentForm.maximumEmployees)."))
        } else if request.employeesInCategory == nil, contract?.regime == .prevoyance {
            issues.append(ValidationIssue(field: "employees_in_category", code: "required",
                                          message: "Le nombre de salariés de la catégorie est obligatoire pour un contrat Prévoyance."))
        }
        guard let contract, issues.isEmpty else { throw ValidationFailure(issues) }
        let form = EnrolmentForm(company: try company(), contract: contract, payrollDeduction: request.payrollDeduction,
                                 employeesInCategory: request.employeesInCategory)
        return (form, GeneratedDocument(fileName: form.fileName, content: try form.document().rendered()))
    }

    private func company() throws -> StructureDirectory.Details {
        try StructureDirectory.details(access, on: connection)
    }

    private func currentDate() throws -> CalendarDate {
        try connection.query("SELECT current_date").first!.decode(0)
    }
}
