/// COPY rows of `stage_ij` (see `IJMerge.createStaging`) for one payment: its `R`, then its `L`
/// lines, all carrying the payment's ordinal in the file (`seq`), which is what the merge joins on.
/// A payment the parser rejected is staged as one `X` row, its key only: a later payment reusing
/// its reference is still a duplicate.
enum IJStaging {
    static func append(_ item: BatchItem, seq: Int, rejected: Bool, to buffer: inout CopyBuffer) {
        guard case .payment(let payment) = item else { return }
        buffer.add(rejected ? "X" : "R")
        buffer.add(seq)
        buffer.add(payment.lineNumber)
        buffer.add(payment.paymentRef)
        if rejected {
            for _ in 0..<14 { buffer.add(String?.none) }
            return buffer.endRow()
        }
        buffer.add(payment.clientNumber)
        buffer.add(payment.siret)
        buffer.add(payment.paymentDate)
        buffer.add(payment.amount)
        for _ in 0..<10 { buffer.add(String?.none) }
        buffer.endRow()
        for (index, line) in payment.lines.enumerated() {
            buffer.add("L")
            buffer.add(seq)
            buffer.add(line.lineNumber)
            for _ in 0..<5 { buffer.add(String?.none) }
            buffer.add(index + 1)
            buffer.add(line.matricule)
            buffer.add(line.beneficiaryName)
            buffer.add(line.periodStart)
            buffer.add(line.periodEnd)
            buffer.add(line.nature.rawValue)
            buffer.add(line.days)
            buffer.add(line.ssDaily)
            buffer.add(line.otherMovement)
            buffer.add(line.insurerDaily)
            buffer.endRow()
        }
    }
}
