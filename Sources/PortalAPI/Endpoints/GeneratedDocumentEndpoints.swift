import Portal

/// Documents composed on request (guide ch. 05 to 07): attestations d'adhésion, IJ décomptes and
/// the BIA composer. Answered as PDF downloads that no cache keeps: they are made of the data of
/// the moment, and the attestations carry a NIR.
enum GeneratedDocumentEndpoints {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/structures/{id}/insured/{matricule}/attestations/{kind}",
                   Guards.structure(.health) { request, context, _, access in
            try QueryParameters(request, allowed: []).finish()
            // Matricules are [0-9A-Z]{1,20} (batch spec §1): anything else cannot exist.
            guard let kind = context.parameters["kind"].flatMap(MembershipAttestation.Kind.init(rawValue:)),
                  let matricule = context.parameters["matricule"], isMatricule(matricule) else {
                throw Problem.notFound
            }
            let document: GeneratedDocument?
            do {
                document = try GeneratedDocuments(connection: context.database, access: access).attestation(matricule: matricule, kind: kind)
            } catch GeneratedDocuments.Failure.noHealthAffiliation {
                throw Problem(status: 409, code: "no_health_affiliation", title: "Conflict",
                              detail: "Cet assuré n'a pas d'affiliation en cours à un contrat Santé : aucune attestation d'adhésion "
                                  + "ne peut être établie.")
            }
            guard let document else { throw Problem.notFound }
            try context.audit("document.attestation", access, ["matricule": matricule, "kind": kind.rawValue])
            return pdf(document)
        })

        router.add("GET", "/api/v1/structures/{id}/ij-payments/{payment}/decompte", Guards.structure(.ij) { request, context, _, access in
            try QueryParameters(request, allowed: []).finish()
            let paymentID = try context.id("payment")
            guard let document = try GeneratedDocuments(connection: context.database, access: access).ijStatement(paymentID: paymentID) else {
                throw Problem.notFound
            }
            try context.audit("document.ij_statement", access, ["payment_id": String(paymentID)])
            return pdf(document)
        })

        router.add("POST", "/api/v1/structures/{id}/bia", Guards.structure(.documents) { request, context, _, access in
            try QueryParameters(request, allowed: []).finish()
            let body = try JSONBody(request, allowed: ["contract_reference", "payroll_deduction", "employees_in_category"])
            let reference = body.string("contract_reference", required: true, maxLength: 64)
            let payrollDeduction = body.bool("payroll_deduction", required: false)
            var employees: Int?
            if let count = body.integer("employees_in_category", required: false) {
                // Out of range values are reported by the composer, with the contract's own checks;
                // clamping keeps an absurd number out of range rather than overflowing.
                employees = Int(clamping: count)
            }
            try body.finish()
            guard let reference else { throw Problem.internalError }
            let composed = try GeneratedDocuments(connection: context.database, access: access).enrolmentForm(
                EnrolmentForm.Request(contractReference: reference, payrollDeduction: payrollDeduction, employeesInCategory: employees))
            try context.audit("document.bia", access, ["contract": composed.form.contract.reference,
                                                       "medical_questionnaire": String(composed.form.includesMedicalQuestionnaire)])
            return pdf(composed.document)
        })
    }

    static func isMatricule(_ text: String) -> Bool {
        (1...20).contains(text.utf8.count) && text.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) }
    }

    /// A generated PDF as a download. `no-store`: the content is personal (a NIR on attestations)
    /// and made of the data of the moment, so neither the browser nor a proxy keeps a copy.
    static func pdf(_ document: GeneratedDocument) -> APIResponse {
        APIResponse(status: 200, headers: [
            APIResponse.Header("Content-Type", "application/pdf"),
            APIResponse.Header("Content-Length", String(document.content.count)),
            APIResponse.Header("Content-Disposition", Download.contentDisposition(document.fileName)),
            APIResponse.Header("Cache-Control", "no-store"),
        ], body: document.content)
    }
}
