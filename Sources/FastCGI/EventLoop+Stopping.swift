import Glibc

/// Graceful and immediate stop.
extension EventLoop {
    func beginStop(graceful: Bool) {
        let now = clock.now
        if let listener {
            listener.close()
            self.listener = nil
            log(.info, "stopped accepting connections", ["graceful": "\(graceful)"])
        }
        guard graceful else {
            for connection in connections.values {
                release(connection)
            }
            exitRequested = true
            return
        }
        if drainDeadline == nil {
            drainDeadline = now + configuration.drainTimeout
            log(.info, "draining", ["connections": "\(connections.count)", "queued": "\(queue.depth)"])
        }
        // Idle connections close now; busy ones right after their current answer.
        for connection in connections.values {
            connection.closeWhenIdle = true
            settle(connection, now: now)
        }
    }

    func checkDrainProgress() {
        guard let drainDeadline else {
            return
        }
        if connections.isEmpty {
            log(.info, "drained")
            exitRequested = true
        } else if clock.now >= drainDeadline {
            log(.warning, "drain timeout, closing remaining connections", ["connections": "\(connections.count)"])
            for connection in connections.values {
                release(connection)
            }
            connections.removeAll()
            exitRequested = true
        }
    }

    func closeEverything() {
        for connection in connections.values {
            release(connection)
        }
        connections.removeAll()
        listener?.close()
        listener = nil
        inbox.close()
    }
}
