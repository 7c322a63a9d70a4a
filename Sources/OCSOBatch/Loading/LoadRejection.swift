/// Why a whole file is refused by the loader (beyond what the parser finds): the stable reason
/// code and the French message of the report.
struct LoadRejection: Error {
    let lineNumber: Int?
    let recordType: String?
    let reason: String
    let message: String

    static func batchIDReused(_ batchID: String) -> LoadRejection {
        LoadRejection(lineNumber: 1, recordType: "H", reason: "batch_id_reused",
                      message: "Le lot \(batchID) a déjà été chargé avec un contenu différent (SHA-256 différent).")
    }

    static func strict(_ count: Int) -> LoadRejection {
        LoadRejection(lineNumber: nil, recordType: nil, reason: "strict_item_rejected",
                      message: "Mode strict : \(count) élément(s) rejeté(s), le fichier entier est refusé.")
    }

    static func tooManyRejections(_ limit: Int) -> LoadRejection {
        LoadRejection(lineNumber: nil, recordType: nil, reason: "too_many_item_rejections",
                      message: "Plus de \(limit) éléments rejetés : le fichier est refusé.")
    }
}
