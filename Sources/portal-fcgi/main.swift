import CoreMetrics
import FastCGI
import Foundation
import Logging
import Portal
import PortalAPI
import Postgres

// portal-fcgi: the FastCGI responder behind nginx. Reads its configuration, then serves until
// SIGTERM (graceful drain) or a second signal (immediate stop).

let environment = ProcessInfo.processInfo.environment
let configuration: ResponderConfiguration
do {
    configuration = try ResponderConfiguration.load(environment: environment)
} catch {
    FileHandle.standardError.write(Data("portal-fcgi: configuration error: \(error)\n".utf8))
    exit(2)
}

let logLevel = configuration.logLevel
LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: logLevel) }
let logger = Logger(label: "portal-fcgi")
let metrics = ResponderMetrics()
// Whatever else reports through swift-metrics lands in the same registry as /metrics.
MetricsSystem.bootstrap(metrics.factory)
let application = PortalApplication(configuration: configuration.api, metrics: RequestMetrics(factory: metrics.factory))
let databaseConfiguration = configuration.database
let databaseReconnects = metrics.databaseReconnects

let server = FastCGIServer(
    configuration: configuration.server,
    makeHandler: { workerIndex in
        // Runs on the worker's own thread: the connection is that thread's alone.
        let database = PostgresConnection(connectingLazily: databaseConfiguration)
        database.onReconnect = { databaseReconnects.increment() }
        var workerLogger = logger
        workerLogger[metadataKey: "worker"] = .stringConvertible(workerIndex)
        let handlerLogger = workerLogger
        return { request, cancellation, writer in
            let apiRequest: APIRequest
            do {
                apiRequest = try FastCGIAdapter.apiRequest(from: request)
            } catch let problem as Problem {
                let refused = FastCGIAdapter.requestLine(of: request)
                return FastCGIAdapter.fastCGIResponse(from: application.refuse(
                    problem, method: refused.method, path: refused.path, requestID: refused.requestID, logger: handlerLogger))
            } catch {
                return FastCGIAdapter.fastCGIResponse(from: Problem.internalError.response)
            }
            // nginx gave up on the request (client gone, timeout): stop the running statement.
            let cancelHandle = database.cancelHandle
            let registration = cancellation.onCancel { cancelHandle.cancelRunningStatement() }
            let response = application.handle(apiRequest, database: database, stream: FastCGIResponseStream(writer: writer),
                                              logger: handlerLogger)
            // No cancel can reach the connection after this: end what one may have left open.
            cancellation.removeHandler(registration)
            if database.rollbackAbandonedTransaction() {
                handlerLogger.warning("a request left its transaction open: rolled back")
            }
            // A streamed body is already out; one that failed after its head must not look whole to nginx.
            if response.streamFailed { writer.abort() }
            return FastCGIAdapter.fastCGIResponse(from: response)
        }
    },
    serviceLane: OperationsLane.make(configuration: configuration, metrics: metrics, logger: logger),
    logger: { event in
        let level: Logger.Level = switch event.level {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
        logger.log(level: level, "\(event.message)", metadata: event.fields.mapValues { .string($0) }, source: "fastcgi")
    })

do {
    try server.start()
} catch {
    logger.critical("cannot start", metadata: ["error": .string(String(describing: error))])
    exit(1)
}
server.installSignalHandlers()
// The server logs its own address; this line says what serves behind it.
logger.info("serving", metadata: [
    "version": .string(PortalVersion.current),
    "queue": .stringConvertible(configuration.server.queueCapacity),
    "diagnostics": .stringConvertible(configuration.api.diagnosticsEnabled),
])
server.waitUntilStopped()
