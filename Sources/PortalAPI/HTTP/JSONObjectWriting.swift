import Portal
import Postgres

/// A response type that writes its JSON object itself, members already in key order, instead of
/// going through `Encodable`'s containers. Only for the types of the heaviest pages: the IJ
/// payments' page (20 payments, about 80 lines) spent a third of the responder's CPU in those
/// containers (perf, docs/performance.md step 11). The bytes must stay those of `JSONEncoder`:
/// debug builds compare every response with Foundation's, so a writer that strays (a key out of
/// order, a member missing) fails the test suites. The type keeps its `Encodable` conformance,
/// which Foundation, and that comparison, still use.
protocol JSONObjectWriting: Encodable {
    func writeMembers(to object: inout JSONObjectWriter)
}

/// Writes one object's members, in the order given, which must be the bytewise order of the keys.
struct JSONObjectWriter {
    let output: JSONOutput
    private var first = true

    init(output: JSONOutput) {
        self.output = output
    }

    /// `"key":` (the key is plain ASCII: no escaping needed), after a comma if not the first.
    mutating func key(_ name: StaticString) {
        if !first { output.bytes.append(0x2C) }
        first = false
        output.bytes.append(0x22)
        name.withUTF8Buffer { output.bytes.append(contentsOf: $0) }
        output.bytes.append(contentsOf: [0x22, 0x3A])
    }

    mutating func member(_ name: StaticString, _ value: String) { member(name) { $0.writeString(value) } }
    mutating func member(_ name: StaticString, _ value: Int) { member(name) { $0.writeInteger(value) } }
    mutating func member(_ name: StaticString, _ value: Int64) { member(name) { $0.writeInteger(value) } }
    mutating func member(_ name: StaticString, _ value: Cents) { member(name) { $0.writeCents(value) } }
    mutating func member(_ name: StaticString, _ value: CalendarDate) { member(name) { $0.writeCalendarDate(value) } }

    private mutating func member(_ name: StaticString, writing write: (JSONOutput) -> Void) {
        key(name)
        write(output)
    }

    /// An array of objects that write themselves.
    mutating func member(_ name: StaticString, _ values: [some JSONObjectWriting]) {
        key(name)
        output.bytes.append(0x5B)
        for (index, value) in values.enumerated() {
            if index > 0 { output.bytes.append(0x2C) }
            output.writeObject(value)
        }
        output.bytes.append(0x5D)
    }
}

extension JSONOutput {
    func writeObject(_ value: some JSONObjectWriting) {
        bytes.append(0x7B)
        var object = JSONObjectWriter(output: self)
        value.writeMembers(to: &object)
        bytes.append(0x7D)
    }
}

extension IJPayments.Payment: JSONObjectWriting {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.member("amount", amount)
        object.member("id", id)
        object.member("lines", lines)
        object.member("payment_date", paymentDate)
        object.member("reference", reference)
        object.member("structure_name", structureName)
    }
}

extension IJPayments.Line: JSONObjectWriting {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.member("amount", amount)
        object.member("beneficiary_name", beneficiaryName)
        object.member("days", days)
        object.member("insurer_daily", insurerDaily)
        object.member("line_number", lineNumber)
        object.member("matricule", matricule)
        object.member("nature", nature.rawValue)
        object.member("nature_label", natureLabel)
        object.member("other_movement", otherMovement)
        object.member("period_end", periodEnd)
        object.member("period_start", periodStart)
        object.member("ss_daily", ssDaily)
    }
}
