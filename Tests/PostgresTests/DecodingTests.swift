import Foundation
import Postgres
import Testing
import TestSupport

@Suite struct DecodingTests {
    @Test func decodesEveryMappedType() async throws {
        try await onDedicatedThread {
            let connection = try TestCluster.connect(as: "portal_app")
            let row = try #require(try connection.query("""
                SELECT 7::int2 AS small, 2147483647::int4 AS regular, 9007199254740993::int8 AS big, true AS flag,
                       'élève'::text AS text, 'abc'::varchar(5) AS varchar, 'ab'::char(3) AS bpchar,
                       DATE '2021-06-18' AS day, TIMESTAMPTZ '2021-06-18 12:34:56.789+02' AS moment,
                       553.80::numeric(12,2) AS amount, -0.05::numeric AS negative, 1162.98::numeric AS plain,
                       '6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b'::uuid AS id, '\\x00ff10'::bytea AS blob,
                       '{"a": [1, "x"]}'::jsonb AS document, NULL::text AS nothing, 1.5::float8 AS ratio
                """).first)
            #expect(try row.decode("small", as: Int.self) == 7)
            #expect(try row.decode("regular", as: Int32.self) == Int32.max)
            #expect(try row.decode("big", as: Int64.self) == 9_007_199_254_740_993)
            #expect(try row.decode("flag", as: Bool.self))
            #expect(try row.decode("text", as: String.self) == "élève")
            #expect(try row.decode("varchar", as: String.self) == "abc")
            #expect(try row.decode("bpchar", as: String.self) == "ab ")
            #expect(try row.decode("day", as: CalendarDate.self) == CalendarDate(year: 2021, month: 6, day: 18))
            #expect(try row.decode("moment", as: Date.self) == Date(timeIntervalSince1970: 1_624_012_496.789))
            #expect(try row.decode("amount", as: Cents.self) == Cents(55380))
            #expect(try row.decode("negative", as: Cents.self) == Cents(-5))
            #expect(try row.decode("plain", as: Cents.self) == Cents(116_298))
            #expect(try row.decode("id", as: UUID.self) == UUID(uuidString: "6F1C2A3B-4D5E-4F60-8A9B-0C1D2E3F4A5B"))
            #expect(try row.decode("blob", as: [UInt8].self) == [0, 255, 16])
            #expect(try row.decode("document", as: JSONText.self).rawValue == #"{"a": [1, "x"]}"#)
            #expect(try row.decode("nothing", as: String?.self) == nil)
            #expect(try row.decode("text", as: String?.self) == "élève")
            #expect(try row.decode("ratio", as: Double.self) == 1.5)
        }
    }

    @Test func bindsTypedParametersThatRoundTrip() async throws {
        try await onDedicatedThread {
            let connection = try TestCluster.connect(as: "portal_app")
            let moment = Date(timeIntervalSince1970: 1_624_012_496.5)
            let id = UUID()
            let day = CalendarDate(year: 1947, month: 3, day: 14)!
            let row = try #require(try connection.query(
                "SELECT $1::int8, $2::bool, $3::timestamptz, $4::uuid, $5::date, $6::numeric(12,2), $7::bytea, $8::jsonb, $9::text",
                [Int64(-42), false, moment, id, day, Cents(116_298), [UInt8]([0, 1, 2, 0]), JSONText(#"{"k":1}"#), String?.none]).first)
            #expect(try row.decode(0, as: Int64.self) == -42)
            #expect(try row.decode(1, as: Bool.self) == false)
            #expect(try row.decode(2, as: Date.self) == moment)
            #expect(try row.decode(3, as: UUID.self) == id)
            #expect(try row.decode(4, as: CalendarDate.self) == day)
            #expect(try row.decode(5, as: Cents.self) == Cents(116_298))
            #expect(try row.decode(6, as: [UInt8].self) == [0, 1, 2, 0])
            #expect(try row.decode(7, as: JSONText.self).rawValue == #"{"k": 1}"#)
            #expect(try row.decode(8, as: String?.self) == nil)
        }
    }

    @Test func explainsATypeMismatch() async throws {
        let error = try await decodingError("SELECT 'x'::text AS label") { try $0.decode("label", as: Int.self) }
        #expect(error == PostgresDecodingError(column: "label", kind: .typeMismatch(expected: "Int", actual: "text")))
    }

    @Test func refusesNullForANonOptional() async throws {
        let error = try await decodingError("SELECT NULL::int4 AS missing") { try $0.decode("missing", as: Int.self) }
        #expect(error == PostgresDecodingError(column: "missing", kind: .unexpectedNull))
    }

    @Test func refusesAmountsThatAreNotWholeCents() async throws {
        let error = try await decodingError("SELECT 1.005::numeric AS amount") { try $0.decode("amount", as: Cents.self) }
        #expect(error?.kind == .invalidValue("more than two decimals"))
    }

    @Test func refusesIntegersThatDoNotFit() async throws {
        let error = try await decodingError("SELECT 3000000000::int8 AS big") { try $0.decode("big", as: Int32.self) }
        #expect(error?.column == "big")
        #expect(error?.kind == .invalidValue("3000000000 does not fit Int32"))
    }

    @Test func namesAMissingColumn() async throws {
        let error = try await decodingError("SELECT 1 AS one") { try $0.decode("two", as: Int.self) }
        #expect(error == PostgresDecodingError(column: "two", kind: .noSuchColumn))
    }

    @Test func aNameShownTwiceDesignatesTheFirstColumn() async throws {
        let (first, last, longName) = try await onDedicatedThread { () -> (Int, Int, String) in
            let connection = try TestCluster.connect(as: "portal_app")
            let row = try connection.query("SELECT 1 AS v, 2 AS w, 3 AS v, 'x' AS a_column_name_longer_than_fifteen_bytes").first!
            return (try row.decode("v"), try row.decode("w"), try row.decode("a_column_name_longer_than_fifteen_bytes"))
        }
        #expect(first == 1)
        #expect(last == 2)
        #expect(longName == "x")
    }

    private func decodingError(_ sql: String, _ read: @escaping @Sendable (PostgresRow) throws -> some Any) async throws -> PostgresDecodingError? {
        try await onDedicatedThread { () -> PostgresDecodingError? in
            let connection = try TestCluster.connect(as: "portal_app")
            let row = try connection.query(sql).first!
            do {
                _ = try read(row)
                return nil
            } catch let error as PostgresDecodingError {
                return error
            }
        }
    }
}

@Suite struct TextArrayTests {
    @Test func roundTripsTextArraysWithAwkwardElements() async throws {
        let values = ["company", "a\"quote", "back\\slash", "comma,here", "{brace}", "", "NULL", "é"]
        let (echoed, empty) = try await onDedicatedThread { () -> ([String], [String]) in
            let connection = try TestCluster.connect(as: "portal_app")
            let echoed = try connection.query("SELECT $1::text[]", [TextArray(values)]).first!.decode(0, as: TextArray.self).values
            let empty = try connection.query("SELECT '{}'::text[]").first!.decode(0, as: TextArray.self).values
            return (echoed, empty)
        }
        #expect(echoed == values)
        #expect(empty == [])
    }

    @Test func refusesNullElements() async throws {
        let error = try await onDedicatedThread { () -> PostgresDecodingError? in
            let connection = try TestCluster.connect(as: "portal_app")
            do {
                _ = try connection.query("SELECT ARRAY['a', NULL]::text[] AS rights").first!.decode(0, as: TextArray.self)
                return nil
            } catch let error as PostgresDecodingError {
                return error
            }
        }
        #expect(error == PostgresDecodingError(column: "rights", kind: .invalidValue("NULL element in array")))
    }
}
