/// Why a whole file is refused by the loader (beyond what the parser finds): the stable reason
/// code and the French message of the report.
struct LoadRejection: Error {
    let lineNumber: Int?
    let recordType: String?
    let reason: String
    let message: String
    /// The item rejections that caused it (strict mode): recorded with the file's rejection.
    var items: [BatchReject] = []
    var itemCount = 0

    static func batchIDReused(_ batchID: String) -> LoadRejection {
        LoadRejection(lineNumber: 1, recordType: "H", reason: "batch_id_reused",
                      message: "Le lot \(batchID) a déjà été chargé avec un contenu différent (SHA-256 différent).")
    }

    static func strict(_ rejects: [BatchReject], items: Int) -> LoadRejection {
        LoadRejection(lineNumber: nil, recordType: nil, reason: "strict_item_rejected",
                      message: "Mode strict : \(items) élément(s) rejeté(s), le fichier entier est refusé.",
                      items: rejects, itemCount: items)
    }

    static func tooManyRejections(_ limit: Int) -> LoadRejection {
        LoadRejection(lineNumber: nil, recordType: nil, reason: "too_many_item_rejections",
                      message: "Plus de \(limit) éléments rejetés : le fichier est refusé.")
    }
}
