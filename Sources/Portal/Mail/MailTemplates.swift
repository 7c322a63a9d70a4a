/// The French texts of the portal's mails (guide ch. 01 for the temporary password).
public enum MailTemplates {
    static let signature = """

        A bientôt !

        L'équipe OCSO — support@ocso.fr
        Suivez-nous sur www.ocso.fr et sur blog.ocso.fr
        """

    public static func temporaryPassword(to email: String, password: String) -> MailMessage {
        MailMessage(recipient: email, subject: "Votre mot de passe temporaire — Espace Employeur OCSO", body: """
            Bonjour,

            Afin de vous connecter à votre espace employeur OCSO pour la première fois, veuillez utiliser ce mot de passe temporaire.

            \(password)

            Il vous sera alors demandé de le modifier par un mot de passe de votre choix.
            \(signature)
            """)
    }

    /// Sent instead of a new account when the address already has one: the sign-up form does
    /// not reveal it, the owner of the address learns it.
    public static func accountAlreadyExists(to email: String) -> MailMessage {
        MailMessage(recipient: email, subject: "Votre compte Espace Employeur OCSO existe déjà", body: """
            Bonjour,

            Une demande de création de compte a été faite avec votre adresse e-mail, qui possède déjà un compte sur l'Espace Employeur OCSO.

            Connectez-vous avec votre mot de passe habituel, ou utilisez « Mot de passe oublié ? » sur la page de connexion. Pour rattacher une nouvelle structure à votre compte, rendez-vous dans « Administration des structures ».

            Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer ce message.
            \(signature)
            """)
    }

    public static func passwordReset(to email: String, token: String, ttlMinutes: Int) -> MailMessage {
        MailMessage(recipient: email, subject: "Réinitialisation de votre mot de passe — Espace Employeur OCSO", body: """
            Bonjour,

            Vous avez demandé la réinitialisation de votre mot de passe. Utilisez le code ci-dessous sur la page « Mot de passe oublié ? » dans les \(ttlMinutes) minutes :

            \(token)

            Ce code ne peut servir qu'une fois. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.
            \(signature)
            """)
    }

    public static func delegatedAccount(to email: String, password: String, invitedBy: String) -> MailMessage {
        MailMessage(recipient: email, subject: "Votre accès à l'Espace Employeur OCSO", body: """
            Bonjour,

            \(invitedBy) vous a créé un accès à l'Espace Employeur OCSO. Pour votre première connexion, utilisez ce mot de passe temporaire :

            \(password)

            Il vous sera alors demandé de le modifier par un mot de passe de votre choix.
            \(signature)
            """)
    }

    public static func accessGranted(to email: String, invitedBy: String) -> MailMessage {
        MailMessage(recipient: email, subject: "Nouvel accès sur l'Espace Employeur OCSO", body: """
            Bonjour,

            \(invitedBy) vous a donné accès à une structure supplémentaire sur l'Espace Employeur OCSO. Elle apparaît dans le sélecteur de structures après votre prochaine connexion.
            \(signature)
            """)
    }

    /// A reply from OCSO to a démarche. The reply itself stays in the portal: it may concern an
    /// employee's health or pay, which mail does not carry.
    public static func requestReplied(to email: String, requestID: Int64, subject: String) -> MailMessage {
        MailMessage(recipient: email, subject: "Réponse à votre démarche n° \(requestID) — Espace Employeur OCSO", body: """
            Bonjour,

            Les équipes OCSO ont répondu à votre démarche n° \(requestID) « \(subject) ».

            Connectez-vous à votre Espace Employeur, rubrique « Démarches », pour lire la réponse et ses éventuelles pièces jointes.
            \(signature)
            """)
    }

    public static func requestStatusChanged(to email: String, requestID: Int64, subject: String, status: RequestStatus) -> MailMessage {
        let state = switch status {
        case .received: "a bien été reçue"
        case .inProgress: "est en cours de traitement"
        case .done: "a été traitée"
        }
        return MailMessage(recipient: email, subject: "Votre démarche n° \(requestID) : \(status.label.lowercased()) — Espace Employeur OCSO",
                           body: """
            Bonjour,

            Votre démarche n° \(requestID) « \(subject) » \(state) par les équipes OCSO.

            Retrouvez-la dans votre Espace Employeur, rubrique « Démarches ».
            \(signature)
            """)
    }
}
