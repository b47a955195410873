import CCurl
import Foundation
import Synchronization

/// Runs libcurl transfers on one dedicated thread that drives a single multi handle.
///
/// Tasks hand transfers over through `submit(_:)` and `cancel(_:)`, which only touch a
/// mutex-protected queue and wake the thread, so no Swift task ever blocks on network I/O.
/// The multi handle keeps one connection cache, so consecutive requests to the same host
/// reuse connections. At most `maxActive` transfers run at once, and the rest wait in order.
///
/// The multi handle and every easy handle that was added to it are touched only by the
/// engine thread, except `curl_multi_wakeup`, which libcurl documents as thread-safe.
final class CurlMultiEngine: @unchecked Sendable {
    private struct Inbox {
        var submitted: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let maxActive: Int
    private let inbox = Mutex(Inbox())

    deinit {
        // The engine thread holds a strong reference while it runs, so it has returned here.
        curl_multi_cleanup(multi)
    }

    /// Signalled once when the engine thread has failed its transfers and returned.
    private let finished = DispatchSemaphore(value: 0)

    /// Creates the multi handle and starts the engine thread.
    init(maxActive: Int) throws(TransportError) {
        CurlGlobal.initializeOnce()
        guard let multi = curl_multi_init() else {
            throw .failed(url: "", reason: "libcurl could not create a multi handle")
        }
        self.multi = multi
        self.maxActive = max(1, maxActive)

        let thread = Thread { [self] in run() }
        thread.name = "headroom-curl"
        thread.start()
    }

    /// Queues `transfer`, whose continuation is resumed later on the engine thread.
    func submit(_ transfer: CurlTransfer) {
        let accepted = inbox.withLock { inbox in
            guard !inbox.stopping else { return false }
            inbox.submitted.append(transfer)
            return true
        }
        guard accepted else {
            // The thread is gone or going: nobody would ever finish this transfer.
            let reason = "the HTTP client was shut down before the request was sent"
            transfer.finish(.failure(.failed(url: transfer.displayURL, reason: reason)))
            return
        }
        curl_multi_wakeup(multi)
    }

    /// Aborts `transfer` if it is waiting or running. A finished transfer is left alone.
    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelRequested.store(true, ordering: .sequentiallyConsistent)
        inbox.withLock { $0.cancelled.append(transfer) }
        curl_multi_wakeup(multi)
    }

    /// Fails every waiting and running transfer and lets the thread exit.
    func stop() {
        inbox.withLock { $0.stopping = true }
        curl_multi_wakeup(multi)
    }

    /// Stops the thread and waits up to `timeout` for it to leave libcurl, so that a process
    /// exiting next does not run libcurl's and OpenSSL's exit-time cleanup under a transfer.
    /// Returns false when the thread did not finish in time.
    func stop(waitingUpTo timeout: Duration) -> Bool {
        stop()
        let nanoseconds = Double(timeout.components.seconds) * 1e9 + Double(timeout.components.attoseconds) / 1e9
        guard finished.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return false }
        // Leave the signal for the next caller: the thread stays finished.
        finished.signal()
        return true
    }

    private func run() {
        var waiting: [CurlTransfer] = []
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

        while true {
            let (submitted, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.submitted.removeAll()
                    inbox.cancelled.removeAll()
                }
                return (inbox.submitted, inbox.cancelled, inbox.stopping)
            }
            waiting.append(contentsOf: submitted)

            for transfer in cancelled {
                if let index = waiting.firstIndex(where: { $0 === transfer }) {
                    waiting.remove(at: index)
                    transfer.finish(.failure(.cancelled(url: transfer.displayURL)))
                } else if let running = active[transfer.easy], running === transfer {
                    // The identity check matters because libcurl may reuse a finished
                    // transfer's handle address for a new one.
                    active[transfer.easy] = nil
                    curl_multi_remove_handle(multi, transfer.easy)
                    transfer.finish(.failure(.cancelled(url: transfer.displayURL)))
                }
                // Otherwise the transfer already finished, or has not been submitted yet and
                // is rejected on admission because its cancelRequested flag is set.
            }

            if stopping {
                let reason = "the HTTP client was shut down before the request finished"
                for transfer in active.values {
                    curl_multi_remove_handle(multi, transfer.easy)
                    transfer.finish(.failure(.failed(url: transfer.displayURL, reason: reason)))
                }
                for transfer in waiting {
                    transfer.finish(.failure(.failed(url: transfer.displayURL, reason: reason)))
                }
                // The multi handle stays allocated until deinit, so a wakeup from stop() or
                // cancel() that races with this return never touches freed memory.
                finished.signal()
                return
            }

            while active.count < maxActive, !waiting.isEmpty {
                let transfer = waiting.removeFirst()
                if transfer.cancelRequested.load(ordering: .sequentiallyConsistent) {
                    transfer.finish(.failure(.cancelled(url: transfer.displayURL)))
                    continue
                }
                active[transfer.easy] = transfer
                curl_multi_add_handle(multi, transfer.easy)
            }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            collectFinished(&active)

            if !waiting.isEmpty && active.count < maxActive {
                continue
            }
            var readyDescriptors: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1000, &readyDescriptors)
        }
    }

    private func collectFinished(_ active: inout [UnsafeMutableRawPointer: CurlTransfer]) {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else {
                continue
            }
            let code = headroom_message_result(message)
            curl_multi_remove_handle(multi, easy)
            if let transfer = active.removeValue(forKey: easy) {
                transfer.complete(code: code)
            }
        }
    }
}

/// Process-wide libcurl initialization, which must happen before any thread uses libcurl.
enum CurlGlobal {
    private static let result: CURLcode = headroom_global_init()

    static func initializeOnce() {
        _ = result
    }
}
