import Portal
import Postgres

/// Streaming parser of one OCSO batch file (../shared/specs/ocso-batch-files.md), pure (no
/// database), with bounded memory: one read buffer of `chunkSize + maxLineLength` bytes and the
/// current IJ payment with its lines; nothing grows with the file. Duplicate `payment_ref`s inside
/// a file are found by the loader, set-based, once the file is staged (`IJMerge`).
///
/// Use:
/// ```swift
/// let parser = try BatchFileParser(path: path)
/// let header = try parser.header()             // FileRejection if the header is bad
/// while let parsed = try parser.next() {       // FileRejection for any file-level error
///     if parsed.isRejected { /* report parsed.rejections, skip parsed.item */ } else { /* stage parsed.item */ }
/// }
/// // Only now is the file known to be complete and consistent: the trailer has been checked.
/// let digest = parser.sha256!                  // SHA-256 of every byte of the file
/// ```
///
/// The trailer is checked when it is read, at the end of the file: a file-level error can surface
/// after many items were returned, so nothing may be committed before `next()` returned nil. After
/// a `FileRejection`, every later call to `header()` or `next()` throws the same rejection;
/// `finishDigest()` still gives the whole file's SHA-256 for the report.
///
/// IJ: each `R` comes back with its `L` lines as one `.payment` item, once the next `R` (or the
/// `T`) has been read. AFF: one item per record. Item-level problems the parser can see without a
/// database come back in `ParsedItem.rejections`; a rejected item is still returned (its fields
/// parsed) so the loader can report it with its key.
///
/// Not thread-safe: one parser per file, used from one thread.
public final class BatchFileParser {
    public static let defaultChunkSize = 256 * 1024
    /// Longer lines reject the file (`line_too_long`) rather than being buffered.
    public static let maxLineLength = 64 * 1024
    /// Amounts of records are stored as `numeric(12,2)`: |amount| < 10¹⁰ euros.
    static let amountLimit: Int64 = 1_000_000_000_000
    /// The trailer's control amount is a sum: up to 16 integer digits.
    static let controlAmountLimit: Int64 = 1_000_000_000_000_000_000
    static let maxFields = 12

    private let reader: ChunkedLineReader
    private var cachedHeader: BatchHeader?
    private var finished = false
    private var failure: FileRejection?

    /// The `T` record, once read (set even if it then did not match the records).
    public private(set) var trailer: BatchTrailer?

    // The current line and its fields (offsets into `line`).
    private var line = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    private var lineNumber = 0
    private var typeByte: UInt8 = 0
    private let fieldStarts: UnsafeMutablePointer<Int>
    private let fieldEnds: UnsafeMutablePointer<Int>
    private var fieldCount = 0

    // IJ
    private struct PendingPayment {
        let lineNumber: Int
        let paymentRef: String
        let clientNumber: String
        let siret: String
        let paymentDate: CalendarDate
        let amount: Cents
        var lines: [IJLine]
        var rejections: [ItemRejection]
    }
    private var pending: PendingPayment?
    private var paymentRecords = 0
    private var lineRecords = 0
    private var amountSum: Int64 = 0

    // AFF
    private var contractRecords = 0
    private var insuredRecords = 0

    /// The most `L` lines held at once (tests of bounded memory).
    private(set) var maxPendingLines = 0

    /// Opens the file; throws `BatchFileReadError` if it cannot. Nothing is read yet.
    public convenience init(path: String, chunkSize: Int = BatchFileParser.defaultChunkSize) throws {
        try self.init(path: path, chunkSize: chunkSize, maxLineLength: BatchFileParser.maxLineLength)
    }

    init(path: String, chunkSize: Int, maxLineLength: Int) throws {
        reader = try ChunkedLineReader(path: path, chunkSize: chunkSize, maxLineLength: maxLineLength)
        fieldStarts = .allocate(capacity: Self.maxFields)
        fieldEnds = .allocate(capacity: Self.maxFields)
    }

    deinit {
        fieldStarts.deallocate()
        fieldEnds.deallocate()
    }

    // MARK: - Public state

    /// Physical lines read so far (after the end: the number of records, header and trailer included).
    public var lineCount: Int { reader.lineNumber }

    /// Bytes read so far, BOM included.
    public var byteCount: Int64 { reader.byteCount }

    /// The SHA-256 of every byte of the file, once the end of the file has been read (after
    /// `next()` returned nil); nil before.
    public var sha256: [UInt8]? { reader.sha256 }

    /// The SHA-256 of the whole file, reading (without parsing) what is left: for the report of a
    /// file rejected halfway. Afterwards `next()` parses nothing more.
    public func finishDigest() throws -> [UInt8] {
        if failure == nil && !finished {
            failure = FileRejection(lineNumber: nil, recordType: nil, reason: .missingTrailer,
                                    message: "Lecture interrompue avant l'enregistrement de fin T.")
        }
        return try reader.finishDigest()
    }

    /// The SHA-256 of a file, streamed in chunks (to compare with the registry before parsing).
    public static func sha256(ofFileAt path: String, chunkSize: Int = defaultChunkSize) throws -> [UInt8] {
        try ChunkedLineReader(path: path, chunkSize: chunkSize, maxLineLength: 1).finishDigest()
    }

    // Test hooks: what the parser holds in memory.
    var bufferCapacity: Int { reader.capacity }
    var bufferHighWaterBytes: Int { reader.highWaterBytes }

    // MARK: - Header

    /// Reads and checks the header (first call), or returns it.
    public func header() throws -> BatchHeader {
        if let cachedHeader { return cachedHeader }
        if let failure { throw failure }
        do {
            let header = try readHeader()
            cachedHeader = header
            return header
        } catch let rejection as FileRejection {
            failure = rejection
            throw rejection
        }
    }

    private func readHeader() throws -> BatchHeader {
        guard let raw = try reader.nextLine() else {
            throw FileRejection(lineNumber: nil, recordType: nil, reason: .emptyFile, message: "Le fichier est vide.")
        }
        begin(raw)
        guard !raw.isEmpty else { throw reject(.emptyLine, "Ligne vide (la première ligne doit être l'en-tête H).") }
        split()
        guard typeByte == Record.header else {
            throw reject(.badHeader, "La première ligne doit être l'en-tête « H;type;version;batch_id;created_at;sender ».")
        }
        guard fieldCount == 6 else {
            throw reject(.badHeader, "L'en-tête H doit avoir 6 champs, il en a \(fieldCount).")
        }
        guard let fileType = BatchFileType(rawValue: FieldSyntax.string(field(1))) else {
            throw reject(.unknownFileType, "Type de fichier « \(FieldSyntax.display(field(1))) » inconnu (attendu : IJ ou AFF).")
        }
        guard let version = FieldSyntax.unsignedInteger(field(2), maxDigits: 9) else {
            throw reject(.badHeader, "Champ format_version invalide : « \(FieldSyntax.display(field(2))) » (attendu : un entier).")
        }
        guard version == 1 else {
            throw reject(.unsupportedFormatVersion, "Version de format \(version) non prise en charge (attendu : 1).")
        }
        guard FieldSyntax.isReference(field(3)) else {
            throw reject(.badHeader, invalidMessage(3, "batch_id", "1 à 32 caractères A-Z a-z 0-9 _ -"))
        }
        guard FieldSyntax.isTimestampWithOffset(field(4)) else {
            throw reject(.badHeader, invalidMessage(4, "created_at", "horodatage ISO 8601 avec décalage, ex. 2026-11-25T22:14:03+01:00"))
        }
        guard FieldSyntax.isText(field(5), maxCodePoints: 64) else {
            throw reject(.badHeader, invalidMessage(5, "sender", "texte de 1 à 64 caractères"))
        }
        return BatchHeader(fileType: fileType, formatVersion: version, batchID: FieldSyntax.string(field(3)),
                           createdAt: FieldSyntax.string(field(4)), sender: FieldSyntax.string(field(5)))
    }

    // MARK: - Records

    /// The next item, or nil once the trailer has been read and checked against the whole file
    /// (and nothing follows it). Throws `FileRejection` for file-level errors (the whole file is
    /// rejected) and `BatchFileReadError` if reading fails.
    public func next() throws -> ParsedItem? {
        if let failure { throw failure }
        if finished { return nil }
        do {
            return try advance()
        } catch let rejection as FileRejection {
            failure = rejection
            throw rejection
        }
    }

    private func advance() throws -> ParsedItem? {
        let fileType = try header().fileType
        while true {
            guard let raw = try reader.nextLine() else {
                throw FileRejection(lineNumber: nil, recordType: nil, reason: .missingTrailer,
                                    message: "Fin du fichier après la ligne \(reader.lineNumber) sans enregistrement de fin T : fichier tronqué.")
            }
            begin(raw)
            guard !raw.isEmpty else { throw reject(.emptyLine, "Ligne vide.") }
            split()
            switch (typeByte, fileType) {
            case (Record.trailer, _):
                let last = try pending.map { try close($0) }
                pending = nil
                try readTrailer(fileType)
                try expectEndOfFile()
                finished = true
                return last
            case (Record.payment, .ij):
                let started = try readPayment()
                let previous = pending
                pending = started
                if let previous { return try close(previous) }
            case (Record.line, .ij):
                try readPaymentLine()
            case (Record.contract, .aff): return try readContract()
            case (Record.guarantee, .aff): return try readGuarantee()
            case (Record.insured, .aff): return try readInsured()
            case (Record.affiliation, .aff): return try readAffiliation()
            case (Record.beneficiary, .aff): return try readBeneficiary()
            case (Record.header, _):
                throw reject(.recordTypeNotAllowed, "Second en-tête H : un fichier n'a qu'un en-tête, sur sa première ligne.")
            default:
                if let name = currentTypeName {
                    throw reject(.recordTypeNotAllowed, "Enregistrement \(name) interdit dans un fichier \(fileType.rawValue).")
                }
                let type = FieldSyntax.display(UnsafeBufferPointer(rebasing: line[fieldStarts[0]..<fieldEnds[0]]))
                throw reject(.unknownRecordType, "Type d'enregistrement « \(type) » inconnu.")
            }
        }
    }

    private func expectEndOfFile() throws {
        guard let raw = try reader.nextLine() else { return }
        begin(raw)
        guard !raw.isEmpty else { throw reject(.emptyLine, "Ligne vide après l'enregistrement de fin T.") }
        throw reject(.recordAfterTrailer, "Enregistrement après l'enregistrement de fin T.")
    }

    // MARK: IJ

    private func readPayment() throws -> PendingPayment {
        try expectFieldCount(6)
        let paymentRef = try reference(1, "payment_ref")
        let clientNumber = try clientNumber(2)
        let siret = try siret(3)
        let paymentDate = try date(4, "payment_date")
        let amount = try amount(5, "amount")
        paymentRecords += 1
        let (sum, overflow) = amountSum.addingReportingOverflow(amount.value)
        guard !overflow else { throw reject(.trailerMismatch, "La somme des montants des règlements dépasse la capacité de contrôle.") }
        amountSum = sum
        return PendingPayment(lineNumber: lineNumber, paymentRef: paymentRef, clientNumber: clientNumber, siret: siret,
                              paymentDate: paymentDate, amount: amount, lines: [], rejections: [])
    }

    private func readPaymentLine() throws {
        try expectFieldCount(11)
        let refField = field(1)
        guard FieldSyntax.isReference(refField) else { throw invalid(1, "payment_ref", "1 à 32 caractères A-Z a-z 0-9 _ -") }
        guard let paymentRef = pending?.paymentRef else {
            throw reject(.orphanLine, "Ligne L avant tout règlement R.")
        }
        guard paymentRef.utf8.elementsEqual(refField) else {
            throw reject(.orphanLine, "La ligne L porte le payment_ref « \(FieldSyntax.display(refField)) » mais suit le règlement « \(paymentRef) ».")
        }
        let matricule = try matricule(2)
        let beneficiaryName = try text(3, "beneficiary_name", maxCodePoints: 200)
        let periodStart = try date(4, "period_start")
        let periodEnd = try date(5, "period_end")
        guard let nature = IJNature(rawValue: FieldSyntax.string(field(6))) else {
            throw invalid(6, "nature", "MAL, MAT, PAT, ATP ou TPT")
        }
        guard let days = FieldSyntax.unsignedInteger(field(7), maxDigits: 7), days >= 1 else {
            throw invalid(7, "days", "un entier positif")
        }
        let ssDaily = try amount(8, "ss_daily")
        let otherMovement = try amount(9, "other_movement")
        let insurerDaily = try amount(10, "insurer_daily")
        // Every amount is below 10¹² cents in magnitude, so the difference cannot overflow; the
        // product can, and so can adding other_movement to a product just below 2⁶³.
        let (product, productOverflow) = Int64(days).multipliedReportingOverflow(by: insurerDaily.value - ssDaily.value)
        let (lineAmount, sumOverflow) = product.addingReportingOverflow(otherMovement.value)
        guard !productOverflow, !sumOverflow, lineAmount.magnitude < UInt64(Self.amountLimit) else {
            throw reject(.invalidField, "Le montant de la ligne, days × (insurer_daily − ss_daily) + other_movement, dépasse 9 999 999 999,99.")
        }
        lineRecords += 1
        let paymentLine = IJLine(lineNumber: lineNumber, paymentRef: paymentRef, matricule: matricule,
                                 beneficiaryName: beneficiaryName, periodStart: periodStart, periodEnd: periodEnd,
                                 nature: nature, days: days, ssDaily: ssDaily, otherMovement: otherMovement,
                                 insurerDaily: insurerDaily)
        let calendarDays = periodEnd.daysSinceUnixEpoch - periodStart.daysSinceUnixEpoch + 1
        if days != calendarDays {  // days ≥ 1, so this also catches a period that ends before it starts
            let message = calendarDays < 1
                ? "La période commence le \(periodStart.french) après sa fin le \(periodEnd.french)."
                : "days = \(days) mais la période du \(periodStart.french) au \(periodEnd.french) compte \(calendarDays) jours."
            pending!.rejections.append(ItemRejection(lineNumber: lineNumber, recordType: "L", key: paymentLine.key,
                                                     reason: .daysInconsistent, message: message))
        }
        pending!.lines.append(paymentLine)
        maxPendingLines = max(maxPendingLines, pending!.lines.count)
    }

    /// The payment is complete: check it has lines and that they add up.
    private func close(_ payment: PendingPayment) throws -> ParsedItem {
        guard !payment.lines.isEmpty else {
            throw FileRejection(lineNumber: payment.lineNumber, recordType: "R", reason: .paymentWithoutLines,
                                message: "Le règlement \(payment.paymentRef) n'a aucune ligne L.")
        }
        var rejections = payment.rejections
        var sum: Int64 = 0
        var overflow = false
        for paymentLine in payment.lines where !overflow {
            (sum, overflow) = sum.addingReportingOverflow(paymentLine.amount.value)
        }
        if overflow || sum != payment.amount.value {
            let total = overflow ? "hors limites" : Cents(sum).frenchDecimal
            rejections.append(ItemRejection(lineNumber: payment.lineNumber, recordType: "R", key: payment.paymentRef,
                                            reason: .amountMismatch,
                                            message: "Le montant du règlement (\(payment.amount.frenchDecimal)) n'est pas la somme de ses lignes (\(total))."))
        }
        let item = IJPayment(lineNumber: payment.lineNumber, paymentRef: payment.paymentRef, clientNumber: payment.clientNumber,
                             siret: payment.siret, paymentDate: payment.paymentDate, amount: payment.amount, lines: payment.lines)
        return ParsedItem(item: .payment(item), rejections: rejections)
    }

    // MARK: AFF

    private func readContract() throws -> ParsedItem {
        try expectFieldCount(8)
        let contractRef = try reference(1, "contract_ref")
        let clientNumber = try clientNumber(2)
        guard let kind = Regime(rawValue: FieldSyntax.string(field(3))) else {
            throw invalid(3, "kind", "PREVOYANCE ou SANTE")
        }
        let record = ContractRecord(lineNumber: lineNumber, contractRef: contractRef, clientNumber: clientNumber, kind: kind,
                                    college: try text(4, "college", maxCodePoints: 200),
                                    dsnReference: try text(5, "dsn_reference", maxCodePoints: 64, trimmed: true),
                                    startDate: try date(6, "start_date"), endDate: try optionalDate(7, "end_date"))
        contractRecords += 1
        var rejections: [ItemRejection] = []
        if let end = record.endDate, end < record.startDate {
            rejections.append(datesRejection("end_date (\(end.french)) est antérieure à start_date (\(record.startDate.french)).",
                                             key: contractRef))
        }
        return ParsedItem(item: .contract(record), rejections: rejections)
    }

    private func readGuarantee() throws -> ParsedItem {
        try expectFieldCount(6)
        let record = GuaranteeRecord(lineNumber: lineNumber, contractRef: try reference(1, "contract_ref"),
                                     guaranteeCode: try reference(2, "guarantee_code"),
                                     label: try text(3, "label", maxCodePoints: 200),
                                     periodicity: try text(4, "periodicity", maxCodePoints: 64, trimmed: true),
                                     paymentMode: try text(5, "payment_mode", maxCodePoints: 64, trimmed: true))
        contractRecords += 1
        return ParsedItem(item: .guarantee(record))
    }

    private func readInsured() throws -> ParsedItem {
        try expectFieldCount(10)
        let clientNumber = try clientNumber(1)
        let matricule = try matricule(2)
        let lastName = try text(3, "last_name", maxCodePoints: 100)
        let firstName = try text(4, "first_name", maxCodePoints: 100)
        // Any NIR problem (format or key) is item-level; the value never goes into a message.
        let nir = FieldSyntax.string(field(5))
        let record = InsuredRecord(lineNumber: lineNumber, clientNumber: clientNumber, matricule: matricule,
                                   lastName: lastName, firstName: firstName, nir: nir,
                                   birthDate: try date(6, "birth_date"),
                                   addressLine: try text(7, "address_line", maxCodePoints: 200),
                                   postalCode: try text(8, "postal_code", maxCodePoints: 10, trimmed: true),
                                   city: try text(9, "city", maxCodePoints: 100))
        insuredRecords += 1
        var rejections: [ItemRejection] = []
        if !NIR.isValid(nir) {
            rejections.append(ItemRejection(lineNumber: lineNumber, recordType: "I", key: clientNumber + ";" + matricule,
                                            reason: .invalidNIR,
                                            message: "NIR invalide (15 caractères attendus, clé de contrôle vérifiée)."))
        }
        return ParsedItem(item: .insured(record), rejections: rejections)
    }

    private func readAffiliation() throws -> ParsedItem {
        try expectFieldCount(6)
        let record = AffiliationRecord(lineNumber: lineNumber, matricule: try matricule(1),
                                       contractRef: try reference(2, "contract_ref"),
                                       entryDate: try date(3, "entry_date"), endDate: try optionalDate(4, "end_date"),
                                       portabilityEnd: try optionalDate(5, "portability_end"))
        insuredRecords += 1
        var rejections: [ItemRejection] = []
        let key = BatchItem.affiliation(record).key
        if let end = record.endDate, end < record.entryDate {
            rejections.append(datesRejection("end_date (\(end.french)) est antérieure à entry_date (\(record.entryDate.french)).", key: key))
        }
        if let end = record.endDate, let portabilityEnd = record.portabilityEnd, portabilityEnd < end {
            rejections.append(datesRejection("portability_end (\(portabilityEnd.french)) est antérieure à end_date (\(end.french)).", key: key))
        }
        return ParsedItem(item: .affiliation(record), rejections: rejections)
    }

    private func readBeneficiary() throws -> ParsedItem {
        try expectFieldCount(9)
        let matricule = try matricule(1)
        let lastName = try text(2, "last_name", maxCodePoints: 100)
        let firstName = try text(3, "first_name", maxCodePoints: 100)
        guard FieldSyntax.isUpperAlphanumeric(field(4), lengths: 2...2, digits: false) else {
            throw invalid(4, "rank", "deux lettres majuscules, ex. CJ, EA")
        }
        let record = BeneficiaryRecord(lineNumber: lineNumber, matricule: matricule, lastName: lastName, firstName: firstName,
                                       rank: FieldSyntax.string(field(4)), birthDate: try date(5, "birth_date"),
                                       adhesionDate: try date(6, "adhesion_date"),
                                       validityDate: try optionalDate(7, "validity_date"),
                                       radiationDate: try optionalDate(8, "radiation_date"))
        insuredRecords += 1
        return ParsedItem(item: .beneficiary(record))
    }

    private func datesRejection(_ message: String, key: String) -> ItemRejection {
        ItemRejection(lineNumber: lineNumber, recordType: currentTypeName ?? "?", key: key, reason: .datesInconsistent,
                      message: "Dates incohérentes : " + message)
    }

    // MARK: Trailer

    private func readTrailer(_ fileType: BatchFileType) throws {
        try expectFieldCount(5)
        let recordCount = try count(1, "record_count")
        let count1 = try count(2, "count_1")
        let count2 = try count(3, "count_2")
        let control = try amount(4, "control_amount", limit: Self.controlAmountLimit)
        trailer = BatchTrailer(recordCount: recordCount, count1: count1, count2: count2, controlAmount: control)

        // Empty lines are rejected, so every line read is a record.
        let actual: (count1: Int, count2: Int, control: Int64, label1: String, label2: String) = switch fileType {
        case .ij: (paymentRecords, lineRecords, amountSum, "R", "L")
        case .aff: (contractRecords, insuredRecords, 0, "C + G", "I + A + B")
        }
        var mismatches: [String] = []
        if recordCount != lineNumber {
            mismatches.append("record_count = \(recordCount) mais le fichier compte \(lineNumber) enregistrements (en-tête et fin compris)")
        }
        if count1 != actual.count1 {
            mismatches.append("count_1 = \(count1) mais le fichier compte \(actual.count1) enregistrements \(actual.label1)")
        }
        if count2 != actual.count2 {
            mismatches.append("count_2 = \(count2) mais le fichier compte \(actual.count2) enregistrements \(actual.label2)")
        }
        if control.value != actual.control {
            let expected = fileType == .ij ? "la somme des montants R est \(Cents(actual.control).frenchDecimal)" : "il doit valoir 0.00"
            mismatches.append("control_amount = \(control.frenchDecimal) mais \(expected)")
        }
        if !mismatches.isEmpty {
            throw reject(.trailerMismatch, "Enregistrement de fin incohérent (fichier tronqué ou altéré ?) : "
                + mismatches.joined(separator: " ; ") + ".")
        }
    }

    // MARK: - Lines and fields

    private enum Record {
        static let header = UInt8(ascii: "H")
        static let trailer = UInt8(ascii: "T")
        static let payment = UInt8(ascii: "R")
        static let line = UInt8(ascii: "L")
        static let contract = UInt8(ascii: "C")
        static let guarantee = UInt8(ascii: "G")
        static let insured = UInt8(ascii: "I")
        static let affiliation = UInt8(ascii: "A")
        static let beneficiary = UInt8(ascii: "B")
    }

    private func begin(_ raw: UnsafeBufferPointer<UInt8>) {
        line = raw
        lineNumber = reader.lineNumber
        typeByte = !raw.isEmpty && (raw.count == 1 || raw[1] == 0x3B) ? raw[0] : 0
    }

    private var currentTypeName: String? {
        switch typeByte {
        case Record.header: "H"
        case Record.trailer: "T"
        case Record.payment: "R"
        case Record.line: "L"
        case Record.contract: "C"
        case Record.guarantee: "G"
        case Record.insured: "I"
        case Record.affiliation: "A"
        case Record.beneficiary: "B"
        default: nil
        }
    }

    /// Splits the current line on `;`: offsets of the first `maxFields` fields, the count of all.
    private func split() {
        var count = 0
        var fieldStart = 0
        let length = line.count
        if let base = line.baseAddress {
            var index = 0
            while index < length {
                if base[index] == 0x3B {
                    if count < Self.maxFields {
                        fieldStarts[count] = fieldStart
                        fieldEnds[count] = index
                    }
                    count += 1
                    fieldStart = index + 1
                }
                index += 1
            }
        }
        if count < Self.maxFields {
            fieldStarts[count] = fieldStart
            fieldEnds[count] = length
        }
        fieldCount = count + 1
    }

    @inline(__always) private func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[fieldStarts[index]..<fieldEnds[index]])
    }

    private func expectFieldCount(_ expected: Int) throws {
        guard fieldCount == expected else {
            throw reject(.wrongFieldCount, "Enregistrement \(currentTypeName ?? "?") : \(expected) champs attendus, \(fieldCount) trouvés.")
        }
    }

    private func reject(_ reason: BatchRejectionReason, _ message: String) -> FileRejection {
        FileRejection(lineNumber: lineNumber, recordType: currentTypeName, reason: reason, message: message)
    }

    private func invalidMessage(_ index: Int, _ name: String, _ expected: String) -> String {
        let value = field(index)
        if value.isEmpty { return "Champ \(name) vide alors qu'il est obligatoire (attendu : \(expected))." }
        return "Champ \(name) invalide : « \(FieldSyntax.display(value)) » (attendu : \(expected))."
    }

    private func invalid(_ index: Int, _ name: String, _ expected: String) -> FileRejection {
        reject(.invalidField, invalidMessage(index, name, expected))
    }

    private func reference(_ index: Int, _ name: String) throws -> String {
        let value = field(index)
        guard FieldSyntax.isReference(value) else { throw invalid(index, name, "1 à 32 caractères A-Z a-z 0-9 _ -") }
        return FieldSyntax.string(value)
    }

    private func matricule(_ index: Int) throws -> String {
        let value = field(index)
        guard FieldSyntax.isUpperAlphanumeric(value, lengths: 1...20) else {
            throw invalid(index, "matricule", "1 à 20 caractères 0-9 A-Z")
        }
        return FieldSyntax.string(value)
    }

    private func clientNumber(_ index: Int) throws -> String {
        let value = FieldSyntax.string(field(index))
        guard CompanyIdentifiers.isValidClientNumber(value) else {
            throw invalid(index, "client_number", "7 caractères 0-9 A-Z")
        }
        return value
    }

    private func siret(_ index: Int) throws -> String {
        let value = FieldSyntax.string(field(index))
        guard CompanyIdentifiers.isValidSIRET(value) else {
            throw invalid(index, "siret", "14 chiffres avec clé de Luhn valide")
        }
        return value
    }

    private func date(_ index: Int, _ name: String) throws -> CalendarDate {
        guard let value = FieldSyntax.date(field(index)) else {
            throw invalid(index, name, "une date AAAA-MM-JJ qui existe")
        }
        return value
    }

    private func optionalDate(_ index: Int, _ name: String) throws -> CalendarDate? {
        field(index).isEmpty ? nil : try date(index, name)
    }

    private func amount(_ index: Int, _ name: String, limit: Int64 = BatchFileParser.amountLimit) throws -> Cents {
        guard let value = FieldSyntax.amount(field(index), limit: limit) else {
            throw invalid(index, name, "un montant comme 553.80 ou -12.00 : point décimal, deux décimales, sans espace ni séparateur de milliers")
        }
        return value
    }

    private func count(_ index: Int, _ name: String) throws -> Int {
        guard let value = FieldSyntax.unsignedInteger(field(index), maxDigits: 12) else {
            throw invalid(index, name, "un entier positif ou nul")
        }
        return value
    }

    private func text(_ index: Int, _ name: String, maxCodePoints: Int, trimmed: Bool = false) throws -> String {
        let value = field(index)
        guard FieldSyntax.isText(value, maxCodePoints: maxCodePoints, trimmed: trimmed) else {
            let rule = trimmed ? ", sans espace au début ni à la fin" : ""
            throw invalid(index, name, "texte de 1 à \(maxCodePoints) caractères sans caractère de contrôle\(rule)")
        }
        return FieldSyntax.string(value)
    }
}
