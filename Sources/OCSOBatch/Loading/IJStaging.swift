/// COPY rows of `stage_ij` for one payment: its R, then its L lines.
enum IJStaging {
    static func rows(for item: BatchItem) -> String {
        guard case .payment(let payment) = item else { return "" }
        var row = CopyRow()
        row.add("R")
        row.add(payment.lineNumber)
        row.add(payment.paymentRef)
        row.add(payment.clientNumber)
        row.add(payment.siret)
        row.add(payment.paymentDate)
        row.add(payment.amount)
        for _ in 0..<10 { row.add(String?.none) }
        var text = row.line
        for (index, line) in payment.lines.enumerated() {
            var row = CopyRow()
            row.add("L")
            row.add(line.lineNumber)
            row.add(line.paymentRef)
            for _ in 0..<4 { row.add(String?.none) }
            row.add(index + 1)
            row.add(line.matricule)
            row.add(line.beneficiaryName)
            row.add(line.periodStart)
            row.add(line.periodEnd)
            row.add(line.nature.rawValue)
            row.add(line.days)
            row.add(line.ssDaily)
            row.add(line.otherMovement)
            row.add(line.insurerDaily)
            text += row.line
        }
        return text
    }
}
