import Postgres

/// "Attestation d'adhésion" of guide ch. 05 (Détails Santé): proof, for one insured person, of
/// their affiliation to the structure's mandatory group health contract. Two wordings: the plain
/// attestation, and the one the employee sends to end a previous individual mutuelle.
public struct MembershipAttestation: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// "Attestation d'adhésion - Mutuelle obligatoire".
        case mandatory
        /// "Attestation d'adhésion pour résiliation ancienne mutuelle".
        case termination

        public var title: String {
            switch self {
            case .mandatory: "Attestation d'adhésion – Mutuelle obligatoire"
            case .termination: "Attestation d'adhésion pour résiliation ancienne mutuelle"
            }
        }

        var fileNamePrefix: String {
            switch self {
            case .mandatory: "attestation-mutuelle-obligatoire"
            case .termination: "attestation-resiliation-ancienne-mutuelle"
            }
        }
    }

    public let kind: Kind
    public let company: StructureDirectory.Details
    public let person: InsuredPeople.Person
    public let health: InsuredPeople.HealthDetails
    /// The Santé affiliation attested.
    public let affiliation: InsuredPeople.Affiliation
    /// The day the attestation is issued (the database's current date).
    public let issuedOn: CalendarDate

    public var fileName: String { "\(kind.fileNamePrefix)-\(person.matricule).pdf" }

    var fullName: String { "\(person.lastName) \(person.firstName)" }

    /// Beneficiaries still covered on the day of issue.
    var coveredBeneficiaries: [InsuredPeople.Beneficiary] {
        health.beneficiaries.filter { beneficiary in beneficiary.radiationDate.map { $0 > issuedOn } ?? true }
    }

    public func document() -> PDFDocument {
        var pdf = PDFDocument(title: kind.title)
        pdf.heading("Entreprise")
        pdf.fields([("Raison sociale", company.name), ("SIRET", company.siret), ("Numéro client", company.clientNumber)])
        pdf.heading("Contrat collectif")
        pdf.fields([("Régime", affiliation.regimeLabel), ("Collège", affiliation.college),
                    ("Référence DSN", affiliation.dsnReference)])
        pdf.heading("Assuré principal")
        var identity: [(String, String)] = [("Nom", person.lastName), ("Prénom", person.firstName), ("Matricule", person.matricule),
                                            ("Numéro de Sécurité sociale", health.nir.map(FrenchFormat.nir) ?? "Non communiqué")]
        if let birthDate = health.birthDate { identity.append(("Date de naissance", FrenchFormat.date(birthDate))) }
        let address = [health.addressLine, [health.postalCode, health.city].compactMap { $0 }.joined(separator: " ")]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
        if !address.isEmpty { identity.append(("Adresse", address)) }
        identity.append(("Date d'affiliation", FrenchFormat.date(affiliation.entryDate)))
        if affiliation.inPortability, let end = affiliation.endDate, let portabilityEnd = affiliation.portabilityEnd {
            identity.append(("Fin du contrat de travail", FrenchFormat.date(end)))
            identity.append(("Portabilité des droits", "jusqu'au \(FrenchFormat.date(portabilityEnd))"))
        } else if let end = affiliation.endDate {
            identity.append(("Fin d'affiliation", FrenchFormat.date(end)))
        }
        pdf.fields(identity)

        pdf.heading("Bénéficiaires couverts")
        var rows = [["Assuré principal", person.lastName, person.firstName, health.birthDate.map(FrenchFormat.date) ?? "",
                     FrenchFormat.date(affiliation.entryDate)]]
        rows += coveredBeneficiaries.map { beneficiary in
            ["Ayant droit (\(beneficiary.rank))", beneficiary.lastName, beneficiary.firstName, FrenchFormat.date(beneficiary.birthDate),
             FrenchFormat.date(max(beneficiary.adhesionDate, affiliation.entryDate))]
        }
        pdf.table(columns: [PDFDocument.Column("Qualité", width: 115), PDFDocument.Column("Nom", width: 110),
                            PDFDocument.Column("Prénom", width: 100), PDFDocument.Column("Né(e) le", width: 75),
                            PDFDocument.Column("Couvert(e) depuis le", width: 83)],
                  rows: rows)

        pdf.heading("Attestation")
        for paragraph in statement() { pdf.paragraph(paragraph) }
        pdf.spacer(6)
        pdf.paragraph("Fait à Mérignac, le \(FrenchFormat.date(issuedOn)).\nPour OCSO, le service Gestion Santé collective.")
        return pdf
    }

    /// What OCSO attests, in the wording of the kind.
    func statement() -> [String] {
        let since = FrenchFormat.date(affiliation.entryDate)
        var coverage = "OCSO, gestionnaire du contrat collectif de complémentaire santé souscrit par l'entreprise \(company.name) "
            + "(SIRET \(company.siret)) au profit du collège « \(affiliation.college) » (référence DSN \(affiliation.dsnReference)), "
            + "atteste que \(fullName), matricule \(person.matricule), est affilié(e) à ce contrat à titre obligatoire depuis le \(since)"
        let beneficiaries = coveredBeneficiaries
        if !beneficiaries.isEmpty {
            coverage += ", ainsi que ses ayants droit "
                + beneficiaries.map { "\($0.firstName) \($0.lastName)" }.joined(separator: ", ")
        }
        coverage += "."
        if affiliation.inPortability, let end = affiliation.endDate, let portabilityEnd = affiliation.portabilityEnd {
            coverage += " Son contrat de travail ayant pris fin le \(FrenchFormat.date(end)), ses garanties sont maintenues au titre "
                + "de la portabilité des droits (article L. 911-8 du Code de la sécurité sociale) jusqu'au \(FrenchFormat.date(portabilityEnd))."
        } else if let end = affiliation.endDate {
            coverage += " L'affiliation prendra fin le \(FrenchFormat.date(end))."
        } else {
            coverage += " Cette affiliation est en vigueur à la date de la présente attestation."
        }
        var paragraphs = [coverage]
        switch kind {
        case .mandatory:
            paragraphs.append("Ce régime collectif et obligatoire a été mis en place dans l'entreprise conformément à l'article "
                + "L. 911-1 du Code de la sécurité sociale ; l'affiliation des salariés du collège concerné s'impose à eux, sauf cas "
                + "de dispense prévus par les articles R. 242-1-6 et D. 911-2 du même code.")
        case .termination:
            paragraphs.append("Cette attestation est remise à l'assuré(e) pour lui permettre de résilier le contrat individuel de "
                + "complémentaire santé qu'il ou elle avait souscrit auparavant. L'adhésion à un contrat collectif obligatoire "
                + "constitue un changement de situation professionnelle ouvrant droit à résiliation (article L. 221-17 du Code de la "
                + "mutualité, article L. 113-16 du Code des assurances) ; après un an de souscription, le contrat individuel peut en "
                + "outre être résilié à tout moment (articles L. 221-10-2 du Code de la mutualité et L. 113-15-2 du Code des assurances).")
            paragraphs.append("La résiliation prend effet un mois après la réception de sa notification par l'ancien organisme, "
                + "auquel l'assuré(e) adresse sa demande accompagnée de la présente attestation.")
            paragraphs.append("Conformément à l'article 2 de la loi n° 89-1009 du 31 décembre 1989 dite « loi Évin », les suites des "
                + "états pathologiques antérieurs à l'affiliation au contrat collectif obligatoire sont prises en charge.")
        }
        paragraphs.append("Attestation délivrée pour servir et valoir ce que de droit.")
        // French typography: no line break inside "L. 911-1" or "n° 89-1009".
        return paragraphs.map { $0.replacingOccurrences(of: "L. ", with: "L.\u{00A0}").replacingOccurrences(of: "n° ", with: "n°\u{00A0}") }
    }
}
