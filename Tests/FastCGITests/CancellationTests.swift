import Dispatch
import FastCGI
import Foundation
import Testing

@Suite struct CancellationTests {
    @Test func handlersRunOnceWhenCancelled() {
        let cancellation = FastCGICancellation()
        let calls = Shared(0)
        let fired = DispatchSemaphore(value: 0)
        cancellation.onCancel {
            calls.update { $0 += 1 }
            fired.signal()
        }
        #expect(!cancellation.isCancelled)
        cancellation.cancel()
        cancellation.cancel()
        #expect(cancellation.isCancelled)
        #expect(fired.wait(timeout: .now() + 2) == .success)
        usleep(50_000)
        #expect(calls.value == 1)
    }

    @Test func handlerRegisteredAfterCancellationRunsImmediately() {
        let cancellation = FastCGICancellation()
        cancellation.cancel()
        let ran = Shared(false)
        cancellation.onCancel { ran.update { $0 = true } }
        #expect(ran.value)
    }

    @Test func removedHandlerNeverRuns() {
        let cancellation = FastCGICancellation()
        let ran = Shared(false)
        let registration = cancellation.onCancel { ran.update { $0 = true } }
        let witness = DispatchSemaphore(value: 0)
        cancellation.onCancel { witness.signal() }
        cancellation.removeHandler(registration)
        cancellation.cancel()
        #expect(witness.wait(timeout: .now() + 2) == .success)
        usleep(50_000)
        #expect(!ran.value)
    }

    @Test func removeHandlerWaitsForARunningHandler() {
        let cancellation = FastCGICancellation()
        let started = DispatchSemaphore(value: 0)
        let finished = Shared(false)
        let registration = cancellation.onCancel {
            started.signal()
            usleep(200_000)
            finished.update { $0 = true }
        }
        cancellation.cancel()
        #expect(started.wait(timeout: .now() + 2) == .success)
        cancellation.removeHandler(registration)
        // Once removeHandler returns, the handler is no longer running.
        #expect(finished.value)
    }
}
