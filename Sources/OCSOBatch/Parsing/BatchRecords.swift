import Portal
import Postgres

/// The records of OCSO's batch files (../shared/specs/ocso-batch-files.md), as the parser returns
/// them: every field already checked for syntax, amounts in integer cents, dates as calendar days.

public enum BatchFileType: String, Sendable {
    case ij = "IJ"
    case aff = "AFF"
}

/// `H;<file_type>;<format_version>;<batch_id>;<created_at>;<sender>`
public struct BatchHeader: Sendable, Equatable {
    public let fileType: BatchFileType
    public let formatVersion: Int
    public let batchID: String
    /// ISO 8601 with offset, as in the file (`2026-11-25T22:14:03+01:00`; `Z` and fractional
    /// seconds accepted), checked to be a real instant: PostgreSQL's `timestamptz` reads it as is.
    public let createdAt: String
    public let sender: String
}

/// `T;<record_count>;<count_1>;<count_2>;<control_amount>`, checked against the file's records
/// before `BatchFileParser.next()` returns nil.
public struct BatchTrailer: Sendable, Equatable {
    /// Every record of the file, header and trailer included.
    public let recordCount: Int
    /// IJ: `R` records. AFF: `C` + `G` records.
    public let count1: Int
    /// IJ: `L` records. AFF: `I` + `A` + `B` records.
    public let count2: Int
    /// IJ: the sum of all `R` amounts (item-rejected ones included). AFF: 0.00.
    public let controlAmount: Cents
}

// MARK: - IJ

/// `L;<payment_ref>;<matricule>;<beneficiary_name>;<period_start>;<period_end>;<nature>;<days>;<ss_daily>;<other_movement>;<insurer_daily>`
public struct IJLine: Sendable, Equatable {
    public let lineNumber: Int
    public let paymentRef: String
    public let matricule: String
    public let beneficiaryName: String
    public let periodStart: CalendarDate
    public let periodEnd: CalendarDate
    public let nature: IJNature
    public let days: Int
    /// IJSS: the daily allowance paid by the Sécurité sociale.
    public let ssDaily: Cents
    /// A signed adjustment for the line.
    public let otherMovement: Cents
    /// The daily amount guaranteed by the contract, IJSS included.
    public let insurerDaily: Cents
    /// `days` × (`insurer_daily` − `ss_daily`) + `other_movement`, exact (spec §2). The parser
    /// rejects lines whose amount would not fit `numeric(12,2)`.
    public let amount: Cents

    /// Traps if the line amount overflows 64-bit cents; the parser checks ranges before calling it.
    public init(lineNumber: Int, paymentRef: String, matricule: String, beneficiaryName: String,
                periodStart: CalendarDate, periodEnd: CalendarDate, nature: IJNature, days: Int,
                ssDaily: Cents, otherMovement: Cents, insurerDaily: Cents) {
        self.lineNumber = lineNumber
        self.paymentRef = paymentRef
        self.matricule = matricule
        self.beneficiaryName = beneficiaryName
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.nature = nature
        self.days = days
        self.ssDaily = ssDaily
        self.otherMovement = otherMovement
        self.insurerDaily = insurerDaily
        self.amount = Cents(Int64(days) * (insurerDaily.value - ssDaily.value) + otherMovement.value)
    }

    /// `payment_ref;matricule`
    public var key: String { paymentRef + ";" + matricule }
}

/// `R;<payment_ref>;<client_number>;<siret>;<payment_date>;<amount>` with its `L` lines, in file order.
public struct IJPayment: Sendable, Equatable {
    public let lineNumber: Int
    public let paymentRef: String
    public let clientNumber: String
    public let siret: String
    public let paymentDate: CalendarDate
    public let amount: Cents
    /// At least one (an `R` without lines rejects the file).
    public let lines: [IJLine]
}

// MARK: - AFF

/// `C;<contract_ref>;<client_number>;<kind>;<college>;<dsn_reference>;<start_date>;<end_date optional>`, keyed by `contract_ref`.
public struct ContractRecord: Sendable, Equatable {
    public let lineNumber: Int
    public let contractRef: String
    public let clientNumber: String
    public let kind: Regime
    /// Staff category label (≤ 200 characters).
    public let college: String
    /// ≤ 64 characters.
    public let dsnReference: String
    public let startDate: CalendarDate
    public let endDate: CalendarDate?
}

/// `G;<contract_ref>;<guarantee_code>;<label>;<periodicity>;<payment_mode>`, keyed by (`contract_ref`, `guarantee_code`).
public struct GuaranteeRecord: Sendable, Equatable {
    public let lineNumber: Int
    public let contractRef: String
    /// `[A-Za-z0-9_-]{1,32}`, like the database column.
    public let guaranteeCode: String
    /// ≤ 200 characters.
    public let label: String
    /// e.g. `TRIMESTRIEL_ECHU` (≤ 64 characters, no surrounding spaces).
    public let periodicity: String
    /// e.g. `OCSO`, `PRECOMPTE_OCSO` (≤ 64 characters, no surrounding spaces).
    public let paymentMode: String
}

/// `I;<client_number>;<matricule>;<last_name>;<first_name>;<nir>;<birth_date>;<address_line>;<postal_code>;<city>`,
/// keyed by (`client_number`, `matricule`). Its description and mirror hide the NIR.
public struct InsuredRecord: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public let lineNumber: Int
    public let clientNumber: String
    public let matricule: String
    /// ≤ 100 characters.
    public let lastName: String
    /// ≤ 100 characters.
    public let firstName: String
    /// 15 characters as in the file. Health data: never log it. Checked with `NIR.isValid`; an
    /// invalid one comes back as an `invalid_nir` item rejection (the value is then still here,
    /// so that the loader does not need to special-case it, but must not be stored).
    public let nir: String
    public let birthDate: CalendarDate
    /// ≤ 200 characters.
    public let addressLine: String
    /// ≤ 10 characters, no surrounding spaces.
    public let postalCode: String
    /// ≤ 100 characters.
    public let city: String

    public var description: String {
        "InsuredRecord(line \(lineNumber), \(clientNumber);\(matricule), \(lastName) \(firstName), nir: <masqué>)"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["lineNumber": lineNumber, "clientNumber": clientNumber, "matricule": matricule,
                                "lastName": lastName, "firstName": firstName, "nir": "<masqué>", "birthDate": birthDate,
                                "addressLine": addressLine, "postalCode": postalCode, "city": city])
    }
}

/// `A;<matricule>;<contract_ref>;<entry_date>;<end_date optional>;<portability_end optional>`,
/// keyed by (`matricule`, `contract_ref`, `entry_date`).
public struct AffiliationRecord: Sendable, Equatable {
    public let lineNumber: Int
    public let matricule: String
    public let contractRef: String
    public let entryDate: CalendarDate
    public let endDate: CalendarDate?
    /// "In portability" while `endDate` is past and `portabilityEnd` is today or later.
    public let portabilityEnd: CalendarDate?
}

/// `B;<matricule>;<last_name>;<first_name>;<rank>;<birth_date>;<adhesion_date>;<validity_date optional>;<radiation_date optional>`,
/// keyed by (`matricule`, `last_name`, `first_name`, `birth_date`).
public struct BeneficiaryRecord: Sendable, Equatable {
    public let lineNumber: Int
    public let matricule: String
    public let lastName: String
    public let firstName: String
    /// `[A-Z]{2}`: `CJ` spouse/partner, `EA`, `EB`, … children in order.
    public let rank: String
    public let birthDate: CalendarDate
    public let adhesionDate: CalendarDate
    public let validityDate: CalendarDate?
    public let radiationDate: CalendarDate?
}

// MARK: - Items

/// One loadable unit: an IJ payment with its lines, or one AFF record.
public enum BatchItem: Sendable, Equatable {
    case payment(IJPayment)
    case contract(ContractRecord)
    case guarantee(GuaranteeRecord)
    case insured(InsuredRecord)
    case affiliation(AffiliationRecord)
    case beneficiary(BeneficiaryRecord)

    /// The line of the `R` for a payment, of the record otherwise.
    public var lineNumber: Int {
        switch self {
        case .payment(let p): p.lineNumber
        case .contract(let c): c.lineNumber
        case .guarantee(let g): g.lineNumber
        case .insured(let i): i.lineNumber
        case .affiliation(let a): a.lineNumber
        case .beneficiary(let b): b.lineNumber
        }
    }

    public var recordType: String {
        switch self {
        case .payment: "R"
        case .contract: "C"
        case .guarantee: "G"
        case .insured: "I"
        case .affiliation: "A"
        case .beneficiary: "B"
        }
    }

    /// The natural key of spec §3 (and `payment_ref` for a payment), components joined with `;`.
    public var key: String {
        switch self {
        case .payment(let p): p.paymentRef
        case .contract(let c): c.contractRef
        case .guarantee(let g): g.contractRef + ";" + g.guaranteeCode
        case .insured(let i): i.clientNumber + ";" + i.matricule
        case .affiliation(let a): a.matricule + ";" + a.contractRef + ";" + a.entryDate.description
        case .beneficiary(let b): b.matricule + ";" + b.lastName + ";" + b.firstName + ";" + b.birthDate.description
        }
    }
}

/// What `BatchFileParser.next()` returns: an item, and the item-level problems the parser found
/// in it. Empty `rejections`: the item may be loaded (the loader still checks what needs the
/// database). Otherwise the loader must reject the whole item (a payment with all its lines),
/// report every rejection, and go on with the file — or reject the file in strict mode.
public struct ParsedItem: Sendable, Equatable {
    public let item: BatchItem
    public let rejections: [ItemRejection]

    public init(item: BatchItem, rejections: [ItemRejection] = []) {
        self.item = item
        self.rejections = rejections
    }

    public var isRejected: Bool { !rejections.isEmpty }
}
