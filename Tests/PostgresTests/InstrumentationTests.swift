import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// What the responder reads off a connection for its logs and metrics: the time spent in
/// PostgreSQL and a hook on each reconnection.
@Suite struct InstrumentationTests {
    @Test func databaseTimeCountsStatementsAndNothingElse() async throws {
        let (afterSleep, idleGrowth, failedGrowth) = try await onDedicatedThread { () -> (Duration, Duration, Duration) in
            let connection = try TestCluster.connect(as: "portal_app")
            let start = connection.databaseTime
            try connection.query("SELECT pg_sleep(0.05)")
            let afterSleep = connection.databaseTime - start
            // Time spent outside the connection is not database time.
            let beforeIdle = connection.databaseTime
            Thread.sleep(forTimeInterval: 0.05)
            let idleGrowth = connection.databaseTime - beforeIdle
            // A failing statement still cost a round trip.
            let beforeFailure = connection.databaseTime
            _ = try? connection.query("SELECT 1/0")
            return (afterSleep, idleGrowth, connection.databaseTime - beforeFailure)
        }
        #expect(afterSleep >= .milliseconds(50))
        #expect(idleGrowth == .zero)
        #expect(failedGrowth > .zero)
    }

    final class CallCount: Sendable {
        let value = Mutex(0)
    }

    @Test func theReconnectHookRunsOncePerReconnection() async throws {
        let calls = CallCount()
        let reconnects = try await onDedicatedThread { () -> Int in
            let connection = try TestCluster.connect(as: "portal_app")
            connection.onReconnect = { calls.value.withLock { $0 += 1 } }
            try connection.query("SELECT 1")
            try RecoveryTests.terminate(try #require(connection.backendPID))
            try connection.query("SELECT 1")
            try connection.query("SELECT 1")
            return connection.reconnectCount
        }
        #expect(reconnects == 1)
        #expect(calls.value.withLock { $0 } == 1)
    }
}
