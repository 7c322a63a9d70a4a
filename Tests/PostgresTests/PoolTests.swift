import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

@Suite struct PoolTests {
    @Test func timesOutWhenEveryConnectionIsLent() async throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(conninfo: try TestCluster.conninfo(user: "portal_app")),
                                size: 2, checkoutTimeout: 0.3)
        let (kind, waited, afterRelease) = try await onDedicatedThread { () -> (PostgresError.Kind?, TimeInterval, Bool) in
            let release = DispatchSemaphore(value: 0)
            let holding = DispatchSemaphore(value: 0)
            for _ in 0..<2 {
                Thread {
                    try? pool.withConnection { _ in
                        holding.signal()
                        release.wait()
                    }
                }.start()
            }
            holding.wait()
            holding.wait()
            var kind: PostgresError.Kind?
            let (_, waited) = measure {
                do {
                    try pool.withConnection { _ in }
                } catch let error as PostgresError {
                    kind = error.kind
                } catch {}
            }
            release.signal()
            release.signal()
            let afterRelease: Bool = try pool.withConnection { try $0.query("SELECT true").first!.decode(0) }
            return (kind, waited, afterRelease)
        }
        #expect(kind == .poolTimeout)
        #expect(waited >= 0.25)
        #expect(afterRelease)
        pool.shutdown()
    }

    @Test func neverOpensMoreThanItsSize() async throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(conninfo: try TestCluster.conninfo(user: "portal_app")),
                                size: 3, checkoutTimeout: 10)
        let pids = try await onDedicatedThread { () -> Set<Int32> in
            let seen = Mutex<Set<Int32>>([])
            let done = DispatchGroup()
            for _ in 0..<12 {
                done.enter()
                Thread {
                    defer { done.leave() }
                    try? pool.withConnection { connection in
                        let pid: Int32 = try connection.query("SELECT pg_backend_pid()").first!.decode(0)
                        _ = seen.withLock { $0.insert(pid) }
                        Thread.sleep(forTimeInterval: 0.05)
                    }
                }.start()
            }
            done.wait()
            return seen.withLock { $0 }
        }
        #expect(pids.count == 3)
        #expect(pool.inUse == 0)
        pool.shutdown()
    }

    @Test func refusesCheckoutsAfterShutdown() throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(conninfo: try TestCluster.conninfo(user: "portal_app")), size: 1)
        pool.shutdown()
        #expect(throws: PostgresError.self) { try pool.withConnection { _ in } }
    }
}
