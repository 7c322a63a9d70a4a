import FastCGI
import Foundation
import Logging
import PortalAPI
import Postgres

/// /metrics and /status, on the server's service lane: answered beside the workers, so they
/// still answer when every worker is busy and the queue is full.
///
/// Only nginx's internal listener sets the PORTAL_INTERNAL parameter; a client cannot (its headers
/// arrive as HTTP_*). Requests without it go to the API, where /metrics and /status do not exist.
enum OperationsLane {
    static let marker = "PORTAL_INTERNAL"

    static func make(configuration: ResponderConfiguration,
                     metrics: ResponderMetrics, logger: Logger) -> FastCGIServiceLane {
        FastCGIServiceLane(accepts: { $0.params[marker] == "1" }, makeHandler: { server in
            // The lane's own thread: this connection is its alone, opened on the first scrape.
            var probeConfiguration = configuration.database
            probeConfiguration.applicationName = "portal-fcgi-metrics"
            let probeDatabase = PostgresConnection(connectingLazily: probeConfiguration)
            var probeFailureLogged = false
            let endpoints = OperationsEndpoints(sources: OperationsEndpoints.Sources(
                metrics: {
                    let before = probeDatabase.databaseTime
                    let snapshot = Result { try OperationsProbe.read(on: probeDatabase) }
                    if case .failure(let error) = snapshot, !probeFailureLogged {
                        logger.warning("operations probe failed", metadata: ["error": .string(String(describing: error))])
                    }
                    probeFailureLogged = if case .failure = snapshot { true } else { false }
                    let exposition = metrics.scrape(stats: server.stats, configuration: configuration.server, operations: snapshot)
                    return (exposition, probeDatabase.databaseTime - before)
                },
                status: {
                    let report = FastCGIStatusReport(pool: "portal-fcgi", stats: server.stats, configuration: configuration.server)
                    return (report.json, report.text)
                }), metrics: RequestMetrics(factory: metrics.factory))
            return { request, _, _ in
                let response: APIResponse
                do {
                    response = endpoints.handle(try FastCGIAdapter.apiRequest(from: request), logger: logger)
                } catch {
                    response = (error as? Problem ?? Problem.internalError).response
                }
                return FastCGIAdapter.fastCGIResponse(from: response)
            }
        })
    }
}
