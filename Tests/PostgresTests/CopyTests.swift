import Postgres
import Testing
import TestSupport

@Suite struct CopyTests {
    struct SourceFailed: Error {}

    @Test func streamsRowsIntoATable() async throws {
        let (copied, count, total) = try await onDedicatedThread { () -> (Int, Int, Cents) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE payments (reference text, amount numeric(12,2))")
            let copied = try connection.copyFrom("COPY payments (reference, amount) FROM STDIN") { writer in
                for index in 0..<20_000 {
                    try writer.write("R\(index)\t\(index).25\n")
                }
            }
            let row = try connection.query("SELECT count(*), sum(amount) FROM payments").first!
            return (copied, try row.decode(0), try row.decode(1))
        }
        #expect(copied == 20_000)
        #expect(count == 20_000)
        // sum of index + 0.25 for index in 0..<20000
        #expect(total == Cents(Int64(19_999 * 20_000 / 2) * 100 + 20_000 * 25))
    }

    @Test func abortsTheCopyWhenTheSourceFails() async throws {
        let (rethrown, count, usable) = try await onDedicatedThread { () -> (Bool, Int, Bool) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE payments (reference text)")
            var rethrown = false
            do {
                try connection.copyFrom("COPY payments FROM STDIN") { writer in
                    try writer.write("kept?\n")
                    throw SourceFailed()
                }
            } catch is SourceFailed {
                rethrown = true
            }
            let count: Int = try connection.query("SELECT count(*) FROM payments").first!.decode(0)
            let usable: Bool = try connection.query("SELECT true").first!.decode(0)
            return (rethrown, count, usable)
        }
        #expect(rethrown)
        #expect(count == 0)
        #expect(usable)
    }

    @Test func reportsMalformedDataAsAServerError() async throws {
        let (sqlState, count) = try await onDedicatedThread { () -> (String?, Int) in
            let connection = try TestCluster.connect(as: "portal_app")
            try connection.execute("CREATE TEMP TABLE amounts (amount numeric(12,2))")
            var sqlState: String?
            do {
                try connection.copyFrom("COPY amounts FROM STDIN") { try $0.write("1.00\nnot-a-number\n") }
            } catch let error as PostgresError {
                sqlState = error.sqlState
            }
            return (sqlState, try connection.query("SELECT count(*) FROM amounts").first!.decode(0))
        }
        #expect(sqlState == "22P02")
        #expect(count == 0)
    }
}
