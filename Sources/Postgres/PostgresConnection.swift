import CLibPQ
import Foundation

/// One libpq connection. Blocking: use it from one dedicated thread at a time, never from Swift
/// concurrency's cooperative pool. Every statement is parameterized and goes through a
/// per-connection cache of prepared statements (unless the configuration turns it off);
/// results come back in binary format.
///
/// A broken connection (server restart, `pg_terminate_backend`) is replaced on the next use
/// outside a transaction; a statement that was in flight when it broke fails with
/// `.connectionLost` and is never re-run.
///
/// A transaction's BEGIN waits for its first statement and goes with it in one round trip
/// (libpq's pipeline mode): every request of the API saves a round trip. `queries` sends
/// independent statements together the same way.
public final class PostgresConnection {
    public let configuration: PostgresConfiguration
    /// Thread-safe: lets another thread cancel the running statement.
    public let cancelHandle = PostgresCancelHandle()
    /// How many times the connection was re-established after breaking.
    public private(set) var reconnectCount = 0
    /// Called on this connection's thread each time it is re-established (for a metrics counter).
    public var onReconnect: (@Sendable () -> Void)?
    /// Time spent waiting on PostgreSQL (statements, connecting, COPY) over this object's life;
    /// the difference of two readings is the database time of what ran in between.
    public private(set) var databaseTime: Duration = .zero
    public private(set) var isInTransaction = false
    /// In a transaction whose BEGIN is not sent yet (it goes with the first statement).
    private var beginPending = false
    /// In a transaction already committed by `queriesThenCommit`.
    private var committedEarly = false

    private var handle: OpaquePointer?
    private var preparedStatements: [StatementKey: String] = [:]
    private var nextStatementNumber = 0

    private struct StatementKey: Hashable {
        let sql: String
        let types: [UInt32]
    }

    /// Connects now and throws if the server cannot be reached.
    public init(configuration: PostgresConfiguration) throws {
        self.configuration = configuration
        handle = try Self.open(configuration)
        cancelHandle.replace(with: handle)
    }

    /// Connects on first use instead: a service can start while PostgreSQL is still down and
    /// answer 503 until it is back.
    public init(connectingLazily configuration: PostgresConfiguration) {
        self.configuration = configuration
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Closes the connection; the next use opens a new one.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        preparedStatements.removeAll()
        cancelHandle.replace(with: nil)
    }

    /// The backend process id, as seen in `pg_stat_activity.pid`.
    public var backendPID: Int32? { handle.map { PQbackendPID($0) } }

    // MARK: Statements

    /// Runs one statement with parameters `$1…$n` and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ binds: [any PostgresBindable] = []) throws -> PostgresResult {
        try queries([(sql, binds)])[0]
    }

    /// Runs independent statements in one round trip (libpq pipeline mode) and returns their rows
    /// in order. The first that fails throws, and those after it do not run. Outside a transaction
    /// they form one implicit transaction: all or nothing.
    public func queries(_ statements: [(sql: String, binds: [any PostgresBindable])]) throws -> [PostgresResult] {
        try run(statements, committing: false)
    }

    /// In a transaction: `statements`, then COMMIT, in the same round trip, for a request that
    /// has nothing left to run after them (a read). The transaction ends there: `transaction`
    /// sends no COMMIT of its own, and a statement run after this one is refused. If one of
    /// `statements` fails, nothing is committed and the error is thrown as by `queries`.
    public func queriesThenCommit(_ statements: [(sql: String, binds: [any PostgresBindable])]) throws -> [PostgresResult] {
        guard isInTransaction else {
            throw PostgresError(kind: .misuse, message: "queriesThenCommit outside a transaction")
        }
        let results = try run(statements, committing: true)
        committedEarly = true
        return results
    }

    private func run(_ statements: [(sql: String, binds: [any PostgresBindable])], committing: Bool) throws -> [PostgresResult] {
        if committedEarly {
            throw Self.alreadyCommitted(statement: statements.first?.sql)
        }
        guard !statements.isEmpty || committing else { return [] }
        let started = ContinuousClock.now
        defer { databaseTime += .now - started }
        let handle = try usableHandle()
        // Prepared before anything else is sent, so that they can all go out together. Without the
        // cache: unnamed statements, parsed and planned for this execution only, kept nowhere.
        var prepared: [(sql: String, name: String?, parameters: ParameterArrays)] = []
        defer { prepared.forEach { $0.parameters.release() } }
        for (sql, binds) in statements {
            let parameters = binds.map(\.postgresBind)
            let name = configuration.cachesPreparedStatements ? try preparedName(for: sql, parameters: parameters, handle: handle) : nil
            prepared.append((sql, name, try ParameterArrays(parameters, statement: sql)))
        }
        if prepared.count == 1, !beginPending, !committing {
            let (sql, name, p) = prepared[0]
            let result = if let name {
                PQexecPrepared(handle, name, p.count, p.values, p.lengths, p.formats, 1)
            } else {
                PQexecParams(handle, sql, p.count, p.types, p.values, p.lengths, p.formats, 1)
            }
            return [try check(result, statement: sql)]
        }
        var sends: [(statement: String, send: () -> Int32)] = []
        if beginPending {
            beginPending = false
            sends.append(("BEGIN", { PQsendQueryParams(handle, "BEGIN", 0, nil, nil, nil, nil, 0) }))
        }
        for (sql, name, p) in prepared {
            sends.append((sql, {
                if let name {
                    PQsendQueryPrepared(handle, name, p.count, p.values, p.lengths, p.formats, 1)
                } else {
                    PQsendQueryParams(handle, sql, p.count, p.types, p.values, p.lengths, p.formats, 1)
                }
            }))
        }
        if committing {
            sends.append(("COMMIT", { PQsendQueryParams(handle, "COMMIT", 0, nil, nil, nil, nil, 0) }))
        }
        let results = try pipeline(handle, sends)
        if committing, results.last?.commandTag != "COMMIT" {
            throw Self.commitRolledBack
        }
        return Array(results.dropLast(committing ? 1 : 0).suffix(prepared.count))
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ binds: [any PostgresBindable] = []) throws -> Int {
        try query(sql, binds).affectedRows
    }

    /// Runs a script of several statements without parameters (migrations). Simple query protocol.
    public func executeScript(_ sql: String) throws {
        try sendPendingBegin()
        let started = ContinuousClock.now
        defer { databaseTime += .now - started }
        let handle = try usableHandle()
        _ = try check(PQexec(handle, sql), statement: sql)
    }

    // MARK: Transactions

    /// BEGIN, `body`, COMMIT. Any error thrown by `body` rolls back and is rethrown; a COMMIT that
    /// does not commit (failed transaction, deferred constraint) throws `.commitFailed`.
    /// BEGIN goes out with the body's first statement; a body that runs none sends nothing.
    @discardableResult
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard !isInTransaction else {
            throw PostgresError(kind: .misuse, message: "nested transactions are not supported")
        }
        isInTransaction = true
        beginPending = true
        defer {
            isInTransaction = false
            beginPending = false
            committedEarly = false
        }
        let value: T
        do {
            value = try body(self)
        } catch {
            if !beginPending, !committedEarly { rollbackQuietly() }
            throw error
        }
        if beginPending || committedEarly { return value }
        let commit: PostgresResult
        do {
            commit = try query("COMMIT")
        } catch let error as PostgresError {
            throw PostgresError(kind: error.kind == .connectionLost ? .connectionLost : .commitFailed,
                                sqlState: error.sqlState, message: "COMMIT failed: \(error.message)",
                                detail: error.detail, hint: error.hint, statement: "COMMIT")
        }
        guard commit.commandTag == "COMMIT" else {
            throw Self.commitRolledBack
        }
        return value
    }

    /// A statement after `queriesThenCommit` ended the transaction.
    private static func alreadyCommitted(statement: String?) -> PostgresError {
        PostgresError(kind: .misuse, message: "the transaction was already committed (queriesThenCommit)", statement: statement)
    }

    /// PostgreSQL answers COMMIT of an aborted transaction with a ROLLBACK tag, not an error.
    private static let commitRolledBack = PostgresError(
        kind: .commitFailed, message: "COMMIT rolled back: an earlier statement of the transaction had failed", statement: "COMMIT")

    /// BEGIN now, on its own, for what cannot go in a pipeline (COPY, scripts).
    private func sendPendingBegin() throws {
        if committedEarly {
            throw Self.alreadyCommitted(statement: nil)
        }
        guard beginPending else { return }
        beginPending = false
        try query("BEGIN")
    }

    /// The commands that `sends` queue, then one Sync: one round trip (libpq pipeline mode). Returns
    /// their results in order, or throws the error of the first that failed.
    private func pipeline(_ handle: OpaquePointer, _ sends: [(statement: String, send: () -> Int32)]) throws -> [PostgresResult] {
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError.from(result: nil, connection: handle, statement: sends.first?.statement)
        }
        for (statement, send) in sends where send() != 1 {
            let error = PostgresError.from(result: nil, connection: handle, statement: statement)
            leavePipeline(handle)
            throw error
        }
        guard PQpipelineSync(handle) == 1 else {
            let error = PostgresError.from(result: nil, connection: handle, statement: sends.last?.statement)
            leavePipeline(handle)
            throw error
        }
        // Each command's result is followed by a NULL; the Sync's result ends the pipeline.
        var raw: [OpaquePointer?] = []
        for _ in sends {
            let result = PQgetResult(handle)
            if result != nil, let end = PQgetResult(handle) { PQclear(end) }
            raw.append(result)
        }
        leavePipeline(handle)
        var results: [PostgresResult] = []
        for (index, result) in raw.enumerated() {
            do {
                results.append(try check(result, statement: sends[index].statement))
            } catch {
                raw[(index + 1)...].forEach { if let rest = $0 { PQclear(rest) } }
                throw error
            }
        }
        return results
    }

    /// Reads up to the Sync and leaves pipeline mode. A connection that cannot leave it is closed
    /// (and so replaced on next use): synchronous calls would fail on it.
    private func leavePipeline(_ handle: OpaquePointer) {
        var reads = 0
        while PQexitPipelineMode(handle) != 1 {
            reads += 1
            guard PQstatus(handle) == CONNECTION_OK, reads < 16 else {
                close()
                return
            }
            guard let pending = PQgetResult(handle) else { continue }
            PQclear(pending)
        }
    }

    /// Ends a transaction that a request left open, if any: one whose ROLLBACK was itself
    /// cancelled stays aborted, and every later statement on the connection would fail. Reads
    /// libpq's own view of the session, so there is no round trip when nothing is open. Returns
    /// whether there was one. Call it between requests, once nothing can cancel it.
    @discardableResult
    public func rollbackAbandonedTransaction() -> Bool {
        guard !isInTransaction, let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        let status = PQtransactionStatus(handle)
        guard status == PQTRANS_INTRANS || status == PQTRANS_INERROR else { return false }
        rollbackQuietly()
        return true
    }

    private func rollbackQuietly() {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        if let result = PQexec(handle, "ROLLBACK") { PQclear(result) }
    }

    // MARK: COPY

    /// Streams rows into `COPY … FROM STDIN`. If `body` throws, the COPY is aborted server-side
    /// (nothing from it is kept) and the error is rethrown. Returns the number of rows copied.
    @discardableResult
    public func copyFrom(_ sql: String, _ body: (PostgresCopyWriter) throws -> Void) throws -> Int {
        try sendPendingBegin()
        let started = ContinuousClock.now
        defer { databaseTime += .now - started }
        let handle = try usableHandle()
        guard let start = PQexec(handle, sql) else {
            throw PostgresError.from(result: nil, connection: handle, statement: sql)
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            let error = PostgresError.from(result: start, connection: handle, statement: sql)
            PQclear(start)
            throw PQresultStatus(start) == PGRES_FATAL_ERROR ? error
                : PostgresError(kind: .unexpectedResult, message: "not a COPY FROM STDIN statement", statement: sql)
        }
        PQclear(start)
        let writer = PostgresCopyWriter(handle: handle, statement: sql)
        do {
            try body(writer)
        } catch {
            PQputCopyEnd(handle, "aborted by the client")
            drainResults(handle)
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw PostgresError.from(result: nil, connection: handle, statement: sql)
        }
        let result = PQgetResult(handle)
        // Whatever the outcome, read up to the end of the command so the connection is idle again.
        defer { drainResults(handle) }
        return try check(result, statement: sql).affectedRows
    }

    private func drainResults(_ handle: OpaquePointer) {
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    // MARK: Connection upkeep

    static func open(_ configuration: PostgresConfiguration) throws -> OpaquePointer {
        // expand_dbname=1: the first "dbname" value may be a whole conninfo; later keys override it.
        let keys = ["dbname", "application_name", "connect_timeout"]
        let values = [configuration.conninfo, configuration.applicationName, String(configuration.connectTimeoutSeconds)]
        let handle = withCStringArray(keys) { keyPointers in
            withCStringArray(values) { valuePointers in PQconnectdbParams(keyPointers, valuePointers, 1) }
        }
        guard let handle else {
            throw PostgresError(kind: .connectionFailed, message: "out of memory creating a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = PostgresError.connectionMessage(handle)
            PQfinish(handle)
            throw PostgresError(kind: .connectionFailed, message: message)
        }
        // Server notices would otherwise go to stderr, outside structured logs.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return handle
    }

    /// The connection to use for the next statement. Outside a transaction (or before its BEGIN
    /// went out), a connection that broke while idle is replaced first: nothing was sent on it,
    /// so nothing is re-run.
    private func usableHandle() throws -> OpaquePointer {
        if isInTransaction, !beginPending {
            guard let handle, PQstatus(handle) == CONNECTION_OK else {
                throw PostgresError(kind: .connectionLost, message: "the connection broke during the transaction")
            }
            return handle
        }
        if let handle, PQstatus(handle) == CONNECTION_OK, !Self.hasUnexpectedInput(handle) {
            return handle
        }
        let hadConnection = handle != nil
        close()
        let fresh = try Self.open(configuration)
        handle = fresh
        cancelHandle.replace(with: fresh)
        if hadConnection {
            reconnectCount += 1
            onReconnect?()
        }
        return fresh
    }

    /// An idle connection has nothing to read: every command is read to its end (COPY included),
    /// and we never LISTEN. Input while idle is the server saying goodbye (termination, shutdown)
    /// ahead of closing the socket — its end of stream may not even have arrived yet — so the
    /// connection is replaced. A rare harmless message (a parameter change) only costs a reconnect.
    private static func hasUnexpectedInput(_ handle: OpaquePointer) -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    private func preparedName(for sql: String, parameters: [PostgresBind], handle: OpaquePointer) throws -> String {
        let key = StatementKey(sql: sql, types: parameters.map(\.type.rawValue))
        if let name = preparedStatements[key] { return name }
        nextStatementNumber += 1
        let name = "ee\(nextStatementNumber)"
        let result = key.types.withUnsafeBufferPointer { types in
            PQprepare(handle, name, sql, Int32(types.count), types.baseAddress)
        }
        _ = try check(result, statement: sql)
        preparedStatements[key] = name
        return name
    }

    private func check(_ result: OpaquePointer?, statement: String) throws -> PostgresResult {
        guard let result else {
            throw PostgresError.from(result: nil, connection: handle, statement: statement)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return PostgresResult(handle: result)
        default:
            let error = PostgresError.from(result: result, connection: handle, statement: statement)
            PQclear(result)
            throw error
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
private func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) } + [nil])
}
