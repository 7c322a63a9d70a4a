import Portal

/// Sign-up (guide ch. 01): the first user of a structure becomes its principal.
enum AccountEndpoints {
    static let fields: Set<String> = ["client_number", "siren", "security_code", "last_name", "first_name", "landline_phone",
                                      "mobile_phone", "job_title", "email", "email_consent"]

    static func register(in router: inout Router<Endpoint>) {
        router.add("POST", "/api/v1/accounts", .transactional { request, context in
            let body = try JSONBody(request, allowed: fields)
            let security = securityFields(from: body)
            let identity = IdentityInput.read(from: body, jobTitleRequired: true)
            if body.bool("email_consent", required: true) == false {
                body.record(ValidationIssue(field: "email_consent", code: "consent_required",
                                            message: "Vous devez accepter l'utilisation de votre adresse e-mail pour créer votre compte."))
            }
            try body.finish()
            guard let security, let identity else { throw Problem.validation(body.issues) }
            try AccountService(connection: context.database, settings: context.auth, origin: context.origin)
                .signUp(security, identity: identity)
            // The same answer whether or not the address already had an account.
            return try .json(["status": "accepted",
                              "detail": "Votre demande a été enregistrée. Un e-mail vous a été envoyé à l'adresse indiquée."],
                             status: 202)
        })
    }

    /// The three security fields, checked for shape before anything touches the database.
    static func securityFields(from body: JSONBody) -> AccountService.SecurityFields? {
        // People type it as they read it; the stored form is upper case.
        let clientNumber = body.string("client_number", required: true, maxLength: 32)?
            .trimmingCharacters(in: .whitespaces).uppercased()
        let siren = body.string("siren", required: true, maxLength: 32)
        let code = body.string("security_code", required: true, maxLength: 64)
        if let clientNumber, !CompanyIdentifiers.isValidClientNumber(clientNumber) {
            body.record(ValidationIssue(field: "client_number", code: "invalid_client_number",
                                        message: "Le numéro client comporte 7 caractères : les 7 premiers de votre numéro OCSO."))
        }
        if let siren, !CompanyIdentifiers.isValidSIREN(siren) {
            body.record(ValidationIssue(field: "siren", code: "invalid_siren", message: "Le SIREN comporte 9 chiffres et une clé valide."))
        }
        if let code, SecurityCode.normalize(code).isEmpty {
            body.record(ValidationIssue(field: "security_code", code: "required", message: "Ce champ est obligatoire."))
        }
        guard let clientNumber, let siren, let code else { return nil }
        return AccountService.SecurityFields(clientNumber: clientNumber, siren: siren, securityCode: code)
    }
}

/// Reads and validates identity fields (sign-up and delegated user creation).
enum IdentityInput {
    static func read(from body: JSONBody, jobTitleRequired: Bool) -> Identity? {
        func text(_ key: String, _ label: String, max: Int, required: Bool) -> String? {
            guard let raw = body.string(key, required: required, maxLength: max * 2) else { return nil }
            switch FieldRules.text(raw, field: key, maxLength: max, label: label) {
            case .success(let value): return value
            case .failure(let issue):
                if required || issue.code != "required" { body.record(issue) }
                return nil
            }
        }
        func phone(_ key: String) -> String?? {
            switch FieldRules.phone(body.string(key, required: false, maxLength: 60), field: key) {
            case .success(let value): return .some(value)
            case .failure(let issue):
                body.record(issue)
                return nil
            }
        }
        let lastName = text("last_name", "Le nom", max: 100, required: true)
        let firstName = text("first_name", "Le prénom", max: 100, required: true)
        let jobTitle = text("job_title", "La fonction", max: 100, required: jobTitleRequired)
        let landline = phone("landline_phone")
        let mobile = phone("mobile_phone")
        var email: String?
        if let raw = body.string("email", required: true, maxLength: 254) {
            email = FieldRules.normalizedEmail(raw)
            if email == nil { body.record(FieldRules.emailIssue()) }
        }
        guard let lastName, let firstName, let landline, let mobile, let email else { return nil }
        return Identity(lastName: lastName, firstName: firstName, landlinePhone: landline, mobilePhone: mobile,
                        jobTitle: jobTitle, email: email)
    }
}
