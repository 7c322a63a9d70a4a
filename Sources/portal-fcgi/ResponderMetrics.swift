import FastCGI
import Foundation
import Prometheus
import PortalAPI
import Synchronization

/// Everything `GET /metrics` shows, in Prometheus' text format. Request counts and latencies
/// arrive through swift-metrics (`factory`); the server's state, database reconnects, the
/// outbox and the batch registry are set here, at scrape time.
final class ResponderMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    /// Incremented by the workers' database connections when they re-establish themselves.
    let databaseReconnects: Counter
    /// One scrape at a time: mirrored counters are reset then set, which must not interleave.
    private let scrapeLock = Mutex(())
    private let server: ServerSeries
    private let operations: OperationsSeries

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[RequestMetrics.requestDuration] = [
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
            .seconds(10), .seconds(30),
        ]
        self.factory = factory
        databaseReconnects = registry.portalCounter("database_reconnects_total",
            help: "Times a worker's PostgreSQL connection was re-established after breaking.")
        server = ServerSeries(registry)
        operations = OperationsSeries(registry)
        registry.portalGauge("build_info", labels: [("version", PortalVersion.current)],
                             help: "Always 1; the running version as a label.").set(1.0)
    }

    /// The exposition after bringing the scrape-time series up to date. `operations` is nil
    /// when no probe connection is configured, a failure when the probe failed.
    func scrape(stats: FastCGIServerStats, configuration: FastCGIServerConfiguration,
                operations snapshot: Result<OperationsSnapshot, any Error>?) -> [UInt8] {
        scrapeLock.withLock { _ in
            server.update(stats, configuration)
            if let snapshot { operations.update(snapshot) }
            return registry.emitToBuffer()
        }
    }
}

/// The FastCGI server's figures (see FastCGIStatusReport for the same in PHP-FPM's words).
private struct ServerSeries: Sendable {
    let startTime, workers, busyWorkers, maxBusyWorkers, queueDepth, maxQueueDepth, queueCapacity, connections: Gauge
    let accepted, requests, overloaded, cancelled: Counter

    init(_ registry: PrometheusCollectorRegistry) {
        startTime = registry.portalGauge("start_time_seconds", help: "When the responder started, in seconds since 1970.")
        workers = registry.portalGauge("fastcgi_workers", help: "Worker threads, each with its own database connection.")
        busyWorkers = registry.portalGauge("fastcgi_busy_workers", help: "Workers running a request now.")
        maxBusyWorkers = registry.portalGauge("fastcgi_busy_workers_max", help: "Most workers busy at once since start.")
        queueDepth = registry.portalGauge("fastcgi_queue_depth", help: "Complete requests waiting for a worker now.")
        maxQueueDepth = registry.portalGauge("fastcgi_queue_depth_max", help: "Longest queue since start.")
        queueCapacity = registry.portalGauge("fastcgi_queue_capacity", help: "Queue length beyond which requests get a 503.")
        connections = registry.portalGauge("fastcgi_connections", help: "FastCGI connections open now.")
        accepted = registry.portalCounter("fastcgi_connections_accepted_total", help: "FastCGI connections accepted since start.")
        requests = registry.portalCounter("fastcgi_requests_total", help: "Complete requests received since start.")
        overloaded = registry.portalCounter("fastcgi_overloaded_requests_total",
                                          help: "Requests answered 503 at once because the queue was full.")
        cancelled = registry.portalCounter("fastcgi_cancelled_requests_total",
                                         help: "Requests cancelled (client gone, abort, timeout, stop).")
    }

    func update(_ stats: FastCGIServerStats, _ configuration: FastCGIServerConfiguration) {
        startTime.set(stats.startTime ?? 0)
        workers.set(Double(configuration.workerCount))
        busyWorkers.set(Double(stats.busyWorkers))
        maxBusyWorkers.set(Double(stats.maxBusyWorkers))
        queueDepth.set(Double(stats.queueDepth))
        maxQueueDepth.set(Double(stats.maxQueueDepth))
        queueCapacity.set(Double(configuration.queueCapacity))
        connections.set(Double(stats.activeConnections))
        for (counter, value) in [(accepted, stats.acceptedConnections), (requests, stats.totalRequests),
                                 (overloaded, stats.rejectedRequests), (cancelled, stats.cancelledRequests)] {
            // The server keeps the totals; the counter mirrors them.
            counter.reset()
            counter.increment(by: Int64(value))
        }
    }
}

/// The outbox backlog and the last batch of each type, from `OperationsProbe`.
private struct OperationsSeries: Sendable {
    let registry: PrometheusCollectorRegistry
    let probeSuccess, pendingMail, oldestPendingMail: Gauge

    init(_ registry: PrometheusCollectorRegistry) {
        self.registry = registry
        probeSuccess = registry.portalGauge("operations_probe_success",
                                          help: "1 if the outbox and batch registry could be read at this scrape, else 0.")
        pendingMail = registry.portalGauge("mail_outbox_pending", help: "Mails waiting in the outbox for delivery.")
        oldestPendingMail = registry.portalGauge("mail_outbox_oldest_pending_seconds",
                                               help: "Age of the oldest pending mail (0 when none).")
    }

    func update(_ result: Result<OperationsSnapshot, any Error>) {
        guard case .success(let snapshot) = result else {
            // The other series keep the last values read; this one says they are not current.
            probeSuccess.set(0.0)
            return
        }
        probeSuccess.set(1.0)
        pendingMail.set(Double(snapshot.pendingMail))
        oldestPendingMail.set(snapshot.oldestPendingMailSeconds ?? 0)
        for batch in snapshot.lastBatches {
            let type = ("file_type", batch.fileType)
            registry.portalGauge("batch_last_processed_timestamp_seconds", labels: [type],
                                 help: "When the latest batch file of this type was processed, in seconds since 1970.")
                .set(batch.processedAt.timeIntervalSince1970)
            // One series per possible outcome, 1 for the actual one: no stale label set survives a change.
            for outcome in BatchOutcomeLabel.allCases {
                registry.portalGauge("batch_last_outcome", labels: [type, ("outcome", outcome.rawValue)],
                                     help: "1 for the outcome of the latest batch file of this type (partial: loaded with rejected items).")
                    .set(outcome == batch.outcome ? 1.0 : 0.0)
            }
            for (kind, count) in [("loaded", batch.itemsLoaded), ("rejected", batch.itemsRejected)] {
                registry.portalGauge("batch_last_items", labels: [type, ("kind", kind)],
                                     help: "Items loaded and rejected in the latest batch file of this type.")
                    .set(Double(count))
            }
        }
    }
}

extension PrometheusCollectorRegistry {
    /// `portal_<name>`, with its HELP line.
    func portalGauge(_ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        makeGauge(descriptor: MetricNameDescriptor(namespace: "portal", metricName: name, unitName: "", helpText: help),
                  labels: labels)
    }

    func portalCounter(_ name: String, help: String) -> Counter {
        makeCounter(descriptor: MetricNameDescriptor(namespace: "portal", metricName: name, unitName: "", helpText: help))
    }
}
