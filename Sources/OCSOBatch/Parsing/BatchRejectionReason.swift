#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The stable reason codes of rejections found while parsing a batch file (spec §4). The raw value
/// is the code stored in the database and written in reports: never rename one.
public enum BatchRejectionReason: String, Sendable, CaseIterable {
    // MARK: File level: the whole file is rejected.

    /// No byte at all (or only a byte-order mark).
    case emptyFile = "empty_file"
    /// A line that is not strict UTF-8 (overlong forms, surrogates, truncated sequences…).
    case invalidUTF8 = "invalid_utf8"
    case emptyLine = "empty_line"
    /// Longer than `BatchFileParser.maxLineLength` bytes.
    case lineTooLong = "line_too_long"
    /// First line missing, not an `H` record, wrong field count, or a malformed header field.
    case badHeader = "bad_header"
    case unknownFileType = "unknown_file_type"
    case unsupportedFormatVersion = "unsupported_format_version"
    /// End of file without a `T` record: the file is truncated.
    case missingTrailer = "missing_trailer"
    case recordAfterTrailer = "record_after_trailer"
    case unknownRecordType = "unknown_record_type"
    case wrongFieldCount = "wrong_field_count"
    /// A field that does not parse (date, amount, identifier, number, text); the message names the
    /// field and, except for personal health data, the bad value.
    case invalidField = "invalid_field"
    /// `record_count`, `count_1`, `count_2` or `control_amount` differs from the file's records.
    case trailerMismatch = "trailer_mismatch"
    /// An `L` before any `R`, or whose `payment_ref` is not the preceding `R`'s.
    case orphanLine = "orphan_line"
    case paymentWithoutLines = "payment_without_lines"
    /// A known record type in the wrong file type (an `L` in an `AFF` file), or a second `H`.
    case recordTypeNotAllowed = "record_type_not_allowed"

    // MARK: Item level: the item is rejected, the rest of the file is loaded.

    /// `days` ≠ `period_end` − `period_start` + 1, or `period_start` > `period_end`.
    case daysInconsistent = "days_inconsistent"
    /// `R.amount` ≠ the sum of its lines' amounts, to the cent.
    case amountMismatch = "amount_mismatch"
    /// The same `payment_ref` earlier in the same file: the second and later ones are rejected.
    case duplicatePaymentRef = "duplicate_payment_ref"
    /// A NIR that is malformed or whose key is wrong.
    case invalidNIR = "invalid_nir"
    /// AFF: an end date before its start (`C` end_date < start_date, `A` end_date < entry_date or
    /// portability_end < end_date); the database would refuse the row.
    case datesInconsistent = "dates_inconsistent"

    /// Item-level reasons reject one item; all others reject the whole file.
    public var isItemLevel: Bool {
        switch self {
        case .daysInconsistent, .amountMismatch, .duplicatePaymentRef, .invalidNIR, .datesInconsistent: true
        default: false
        }
    }
}

/// A file-level error: the whole file is rejected and nothing of it may be stored except the
/// rejection report. Thrown by `BatchFileParser.header()` and `next()`.
public struct FileRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based physical line number; nil when no single line is at fault (empty or truncated file).
    public let lineNumber: Int?
    /// `H`, `T`, `R`, `L`, `C`, `G`, `I`, `A` or `B` when the record type is known.
    public let recordType: String?
    public let reason: BatchRejectionReason
    /// French, readable by an operator. Never contains a NIR.
    public let message: String

    public init(lineNumber: Int?, recordType: String?, reason: BatchRejectionReason, message: String) {
        self.lineNumber = lineNumber
        self.recordType = recordType
        self.reason = reason
        self.message = message
    }

    public var description: String {
        let place = lineNumber.map { "ligne \($0)" } ?? "fichier"
        let type = recordType.map { " (\($0))" } ?? ""
        return "\(place)\(type) : \(message) [\(reason.rawValue)]"
    }
}

/// An item the loader must reject while the rest of the file goes on (spec §4, item level), found
/// without a database. For an IJ payment, a rejection on the `R` or on any of its `L` lines
/// rejects the whole payment with all its lines.
public struct ItemRejection: Sendable, Equatable, CustomStringConvertible {
    /// The line at fault: the `L` line for `days_inconsistent`, the `R` line otherwise.
    public let lineNumber: Int
    public let recordType: String
    /// The record's natural key, components joined with `;` as in the file (`P123`,
    /// `P123;MAT42` for an `L`, `1234567;MAT42` for an `I`…). Never contains a NIR.
    public let key: String
    public let reason: BatchRejectionReason
    /// French, readable by an operator. Never contains a NIR.
    public let message: String

    public init(lineNumber: Int, recordType: String, key: String, reason: BatchRejectionReason, message: String) {
        self.lineNumber = lineNumber
        self.recordType = recordType
        self.key = key
        self.reason = reason
        self.message = message
    }

    public var description: String {
        "ligne \(lineNumber) (\(recordType) \(key)) : \(message) [\(reason.rawValue)]"
    }
}

/// The file could not be read (it vanished, permissions, I/O error): not a rejection of its
/// content, so the worker should report it and try again later rather than reject the file.
public struct BatchFileReadError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let code: Int32

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }
}
