import Logging

/// Logs, at debug level, how long each phase of a load took since the previous one: where the
/// time of a slow night went, without a profiler.
struct PhaseClock {
    let logger: Logger
    let batchID: String
    private var last = ContinuousClock.now

    init(logger: Logger, batchID: String) {
        self.logger = logger
        self.batchID = batchID
    }

    mutating func finished(_ phase: String) {
        let milliseconds = BatchLoader.milliseconds(since: last)
        last = .now
        logger.debug("batch phase", metadata: [
            "batch_id": .string(batchID), "phase": .string(phase), "duration_ms": .stringConvertible(milliseconds),
        ])
    }
}
