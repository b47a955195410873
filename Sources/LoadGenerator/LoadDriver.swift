import CCurl
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Settings of one run that do not come from the schedule.
public struct LoadRunConfiguration: Sendable {
    public var url: String
    public var writeRatio: Double
    public var items: Int
    /// Per-request timeout in seconds, and the longest wait for requests in flight at the end.
    public var timeout: Double
    /// Transfers in flight at once; a due request waits while all are busy.
    public var maxConnections: Int
    public var seed: UInt64

    public init(url: String, writeRatio: Double, items: Int, timeout: Double, maxConnections: Int, seed: UInt64) {
        self.url = url
        self.writeRatio = writeRatio
        self.items = items
        self.timeout = timeout
        self.maxConnections = maxConnections
        self.seed = seed
    }

    public init(options: LoadOptions) {
        self.init(
            url: options.url,
            writeRatio: options.writeRatio,
            items: options.items,
            timeout: options.timeout,
            maxConnections: options.maxConnections,
            seed: options.seed
        )
    }
}

/// The output of a run: one record per timeline second and the whole-run summary.
public struct RunResult: Sendable {
    public var records: [SecondRecord]
    public var summary: RunSummary
    /// The run's start on the `monotonicNanoseconds()` clock; request k was due at
    /// start + due time.
    public var startNanoseconds: UInt64
}

/// Returns the time of CLOCK_MONOTONIC in nanoseconds. Every send and completion time of a run
/// is read from this clock.
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Sends a schedule open-loop through one libcurl multi handle driven from the calling thread.
///
/// The driver uses libcurl's multi socket interface: libcurl reports the sockets it waits on
/// and its next timeout through callbacks, the driver waits on them with epoll, and only the
/// sockets that are ready are handed back through `curl_multi_socket_action`. That keeps each
/// wakeup proportional to the ready sockets, where `curl_multi_perform` would visit every
/// transfer in flight.
///
/// A request is sent at its due time unless all `maxConnections` transfers are busy, in which
/// case it waits in order. Its send time is the moment it is added to the multi handle.
///
/// NOTE: A slow TCP connect (a server whose accept queue is full) therefore counts as latency,
/// not as a late send. The driver needs Linux, because it waits with epoll.
public final class LoadDriver {
    private let configuration: LoadRunConfiguration
    private let multi: UnsafeMutableRawPointer
    private let postHeaders: UnsafeMutablePointer<curl_slist>?

    /// The epoll instance that watches libcurl's sockets, and which sockets are in it.
    private let epoll: Int32
    private var registered: [Bool] = []
    private var readyEvents = [epoll_event](repeating: epoll_event(), count: 512)
    /// When libcurl next wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)`, nil for never.
    private var timerDeadline: UInt64?

    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var active = 0
    private var urlBuffer: [CChar] = []
    private var urlPrefixLength = 0

    private struct Slot {
        var easy: UnsafeMutableRawPointer?
        var due = 0.0
        var second = 0
        var isPost = false
    }

    public init(configuration: LoadRunConfiguration) throws(LoadError) {
        self.configuration = configuration
        guard curlGlobalInitialization == CURLE_OK, let multi = curl_multi_init() else {
            throw .failed("libcurl could not create a multi handle")
        }
        self.multi = multi
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else {
            curl_multi_cleanup(multi)
            throw .failed("epoll_create1 failed: \(String(cString: strerror(errno)))")
        }
        var headers = curl_slist_append(nil, "Content-Type: application/json")
        // An empty Expect header stops libcurl from waiting for 100 Continue before a body.
        headers = curl_slist_append(headers, "Expect:")
        postHeaders = headers

        let prefix = Array((configuration.url + "/items/articles/").utf8CString.dropLast())
        urlPrefixLength = prefix.count
        urlBuffer = prefix + [CChar](repeating: 0, count: 24)

        let limit = configuration.maxConnections
        headroom_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, limit)
        headroom_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, limit)
        // The multi handle dies in deinit, so it never calls back into a freed driver.
        let driverPointer = Unmanaged.passUnretained(self).toOpaque()
        headroom_multi_setopt_socket_callback(multi, socketCallback)
        headroom_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, driverPointer)
        headroom_multi_setopt_timer_callback(multi, timerCallback)
        headroom_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, driverPointer)
    }

    deinit {
        for slot in slots {
            if let easy = slot.easy {
                curl_multi_remove_handle(multi, easy)
                curl_easy_cleanup(easy)
            }
        }
        curl_multi_cleanup(multi)
        curl_slist_free_all(postHeaders)
        close(epoll)
    }

    // MARK: Callbacks from libcurl

    fileprivate func watch(socket: Int32, what: Int32) {
        guard socket >= 0 else { return }
        if socket >= registered.count {
            registered += [Bool](repeating: false, count: Int(socket) + 1 - registered.count + 64)
        }
        if what == CURL_POLL_REMOVE {
            // libcurl reports the removal before it closes the socket; errors mean it is gone.
            if registered[Int(socket)] { _ = epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil) }
            registered[Int(socket)] = false
            return
        }
        var event = epoll_event()
        if what & CURL_POLL_IN != 0 { event.events |= EPOLLIN.rawValue }
        if what & CURL_POLL_OUT != 0 { event.events |= EPOLLOUT.rawValue }
        event.data.fd = socket
        // The kernel drops a closed descriptor from the set, so a reused number may need ADD
        // where MOD was expected, and the other way round.
        let first = registered[Int(socket)] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD
        if epoll_ctl(epoll, first, socket, &event) != 0 {
            let second = errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
            _ = epoll_ctl(epoll, second, socket, &event)
        }
        registered[Int(socket)] = true
    }

    fileprivate func setTimer(milliseconds: Int) {
        timerDeadline = milliseconds < 0 ? nil : monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000
    }

    // MARK: The run

    /// Runs `schedule` to its end, or until `shouldStop` returns true, then waits up to the
    /// timeout for requests in flight.
    ///
    /// `onRecord` receives the timeline seconds in order. Each goes out once every request due
    /// in it has finished, or `timeout` + 1 s after the second ended, whichever comes first.
    /// `onSecond` receives each wall second's record as that second ends, for progress output.
    ///
    /// NOTE: A response that arrives after its second's record went out counts in the summary
    /// only, and a killed process loses the records it had not yet written (up to the last
    /// `timeout` + 1 s).
    public func run(
        schedule: ArrivalSchedule,
        shouldStop: () -> Bool = { false },
        onRecord: (SecondRecord) -> Void = { _ in },
        onSecond: (SecondRecord) -> Void = { _ in }
    ) -> RunResult {
        let start = monotonicNanoseconds()
        func elapsed() -> Double { Double(monotonicNanoseconds() &- start) / 1e9 }

        var records = schedule.requestsPerSecond().enumerated().map { second, count in
            var record = SecondRecord(second: second)
            record.scheduled = count
            record.latencies.reserveCapacity(count)
            return record
        }
        var latencies: [Double] = []
        latencies.reserveCapacity(schedule.totalRequests)
        var summary = RunSummary()
        var arrivals = Arrivals(schedule: schedule)
        var mix = RequestMix(seed: configuration.seed, writeRatio: configuration.writeRatio, items: configuration.items)
        var closedSeconds = 0
        var writtenRecords = 0
        var drainDeadline: Double?
        var lastSendTime = 0.0
        var lastSendPass = 0.0

        while true {
            var now = elapsed()

            if drainDeadline == nil {
                if shouldStop() {
                    // The schedule ends at the last pass over due requests, so every request
                    // it keeps had its chance to go out.
                    summary.interrupted = true
                    summary.scheduleSeconds = lastSendPass
                    trimSchedule(&records, arrivals: &arrivals, stopTime: lastSendPass)
                    closedSeconds = min(closedSeconds, records.count)
                    drainDeadline = now + configuration.timeout
                } else {
                    while let due = arrivals.peek(), due <= now, active < configuration.maxConnections {
                        let sentAt = elapsed()
                        let second = schedule.second(of: due)
                        send(due: due, second: second, number: arrivals.index, mix: &mix)
                        records[second].sent += 1
                        if sentAt - due > 1 { records[second].late += 1 }
                        lastSendTime = sentAt
                        arrivals.advance()
                    }
                    lastSendPass = now
                    // A backlog still waiting 1 s after the schedule's end would be late anyway.
                    if arrivals.peek() == nil || now >= schedule.duration + 1 {
                        summary.scheduleSeconds = schedule.duration
                        drainDeadline = max(now, lastSendTime) + configuration.timeout
                    }
                }
            }

            // Closing after the sends puts a request due exactly at a second's end into that
            // second's counts before they are reported.
            while closedSeconds < records.count && now >= Double(closedSeconds + 1) {
                records[closedSeconds].inflight = active
                onSecond(records[closedSeconds])
                closedSeconds += 1
            }

            if let drainDeadline, active == 0 || now >= drainDeadline {
                break
            }

            now = elapsed()
            while writtenRecords < closedSeconds {
                let record = records[writtenRecords]
                let complete = record.finished >= record.sent && record.sent == record.scheduled
                guard complete || now >= Double(record.second + 1) + configuration.timeout + 1 else { break }
                onRecord(record)
                writtenRecords += 1
            }

            var wait = 0.1
            if drainDeadline == nil, active < configuration.maxConnections, let due = arrivals.peek() {
                wait = min(wait, due - now)
            }
            if closedSeconds < records.count { wait = min(wait, Double(closedSeconds + 1) - now) }
            if let drainDeadline { wait = min(wait, drainDeadline - now) }
            if let timerDeadline {
                wait = min(wait, Double(Int64(bitPattern: timerDeadline &- monotonicNanoseconds())) / 1e9)
            }
            waitAndDispatch(milliseconds: Int32(max(0, (wait * 1000).rounded(.up))))
            collectFinished(records: &records, latencies: &latencies, start: start)
        }

        abortInFlight(records: &records)
        summary.durationSeconds = elapsed()
        for index in closedSeconds..<records.count { records[index].inflight = active }
        for index in writtenRecords..<records.count { onRecord(records[index]) }

        for record in records {
            summary.scheduled += record.scheduled
            summary.sent += record.sent
            summary.onTime += record.sent - record.late
            summary.status2xx += record.status2xx
            summary.status4xx += record.status4xx
            summary.status5xx += record.status5xx
            summary.statusOther += record.statusOther
            summary.errors += record.errors
        }
        latencies.sort()
        summary.p50 = quantile(latencies, 0.5)
        summary.p99 = quantile(latencies, 0.99)
        summary.max = latencies.last
        return RunResult(records: records, summary: summary, startNanoseconds: start)
    }

    /// Drops the requests due after `stopTime` from the timeline, because a stopped run never
    /// scheduled them.
    private func trimSchedule(_ records: inout [SecondRecord], arrivals: inout Arrivals, stopTime: Double) {
        while let due = arrivals.peek() {
            if due > stopTime {
                let second = min(records.count - 1, max(0, Int((due - 1e-9).rounded(.up)) - 1))
                records[second].scheduled -= 1
            }
            arrivals.advance()
        }
        let kept = min(records.count, max(1, Int(stopTime.rounded(.up))))
        records.removeLast(records.count - kept)
    }

    private func waitAndDispatch(milliseconds: Int32) {
        let count = epoll_wait(epoll, &readyEvents, Int32(readyEvents.count), milliseconds)
        var running: Int32 = 0
        // The callbacks that socket actions trigger change the epoll set, never `readyEvents`.
        for index in 0..<Int(max(0, count)) {
            let event = readyEvents[index]
            var bits: Int32 = 0
            if event.events & (EPOLLIN.rawValue | EPOLLHUP.rawValue) != 0 { bits |= CURL_CSELECT_IN }
            if event.events & EPOLLOUT.rawValue != 0 { bits |= CURL_CSELECT_OUT }
            if event.events & EPOLLERR.rawValue != 0 { bits |= CURL_CSELECT_ERR }
            curl_multi_socket_action(multi, event.data.fd, bits, &running)
        }
        if let deadline = timerDeadline, deadline <= monotonicNanoseconds() {
            timerDeadline = nil
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
        }
    }

    private func send(due: Double, second: Int, number: Int, mix: inout RequestMix) {
        let slotIndex = freeSlots.popLast() ?? appendSlot()
        let easy = slots[slotIndex].easy ?? makeHandle(slot: slotIndex)
        slots[slotIndex].easy = easy
        slots[slotIndex].due = due
        slots[slotIndex].second = second

        switch mix.next() {
        case .read(let id):
            setURL(easy, id: id)
            if slots[slotIndex].isPost {
                headroom_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
                headroom_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, nil)
                slots[slotIndex].isPost = false
            }
        case .write:
            setURL(easy, id: nil)
            headroom_easy_setopt_long(easy, CURLOPT_POST, 1)
            headroom_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(postHeaders))
            let body = "{\"title\":\"t\(number)\",\"body\":\"article \(number) written by headroom-load\"}"
            _ = body.withCString { headroom_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, $0) }
            slots[slotIndex].isPost = true
        }
        curl_multi_add_handle(multi, easy)
        active += 1
    }

    private func appendSlot() -> Int {
        slots.append(Slot())
        return slots.count - 1
    }

    /// Writes `…/items/articles/<id>` into the reusable buffer (or `…/items/articles` for a
    /// write) and hands it to libcurl, which copies it.
    private func setURL(_ easy: UnsafeMutableRawPointer, id: Int?) {
        var end = urlPrefixLength
        if var value = id {
            var digits = 0
            var probe = value
            repeat {
                digits += 1
                probe /= 10
            } while probe > 0
            end += digits
            var position = end - 1
            repeat {
                urlBuffer[position] = CChar(48 + value % 10)
                value /= 10
                position -= 1
            } while value > 0
        } else {
            end -= 1  // Drop the trailing slash: the collection URL.
        }
        let saved = urlBuffer[end]
        urlBuffer[end] = 0
        _ = urlBuffer.withUnsafeBufferPointer { headroom_easy_setopt_string(easy, CURLOPT_URL, $0.baseAddress) }
        urlBuffer[end] = saved
    }

    private func makeHandle(slot: Int) -> UnsafeMutableRawPointer {
        // libcurl returns NULL here when it cannot allocate the handle, and the run traps then.
        let easy = curl_easy_init()!
        headroom_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        // An empty proxy turns off proxies from the environment, so requests stay on loopback.
        headroom_easy_setopt_string(easy, CURLOPT_PROXY, "")
        headroom_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http")
        headroom_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(configuration.timeout * 1000))
        headroom_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, discardBody)
        headroom_easy_setopt_pointer(easy, CURLOPT_PRIVATE, UnsafeMutableRawPointer(bitPattern: slot + 1))
        return easy
    }

    private func collectFinished(records: inout [SecondRecord], latencies: inout [Double], start: UInt64) {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = headroom_message_result(message)
            let finishedAt = Double(monotonicNanoseconds() &- start) / 1e9
            var privateData: UnsafeMutableRawPointer?
            headroom_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privateData)
            let slotIndex = Int(bitPattern: privateData) - 1
            let slot = slots[slotIndex]
            curl_multi_remove_handle(multi, easy)
            active -= 1
            freeSlots.append(slotIndex)

            let second = slot.second
            guard second < records.count else { continue }
            if code == CURLE_OK {
                var status = 0
                headroom_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
                let latency = finishedAt - slot.due
                records[second].recordResponse(status: status, latency: latency)
                latencies.append(latency)
            } else {
                records[second].errors += 1
            }
        }
    }

    /// Removes the transfers still running when the drain time is over; each counts as an error.
    private func abortInFlight(records: inout [SecondRecord]) {
        let busy = Set(freeSlots)
        for index in slots.indices where !busy.contains(index) {
            guard let easy = slots[index].easy else { continue }
            curl_multi_remove_handle(multi, easy)
            active -= 1
            let second = slots[index].second
            if second < records.count { records[second].errors += 1 }
            freeSlots.append(index)
        }
    }
}

/// libcurl's process-wide setup, run once on first use because it is not safe to run twice at once.
private let curlGlobalInitialization: CURLcode = headroom_global_init()

private func discardBody(_: UnsafeMutablePointer<CChar>?, size: Int, count: Int, _: UnsafeMutableRawPointer?) -> Int {
    size * count
}

private func socketCallback(
    _: UnsafeMutableRawPointer?,
    socket: Int32,
    what: Int32,
    user: UnsafeMutableRawPointer?,
    _: UnsafeMutableRawPointer?
) -> Int32 {
    guard let user else { return 0 }
    Unmanaged<LoadDriver>.fromOpaque(user).takeUnretainedValue().watch(socket: socket, what: what)
    return 0
}

private func timerCallback(_: UnsafeMutableRawPointer?, milliseconds: Int, user: UnsafeMutableRawPointer?) -> Int32 {
    guard let user else { return 0 }
    Unmanaged<LoadDriver>.fromOpaque(user).takeUnretainedValue().setTimer(milliseconds: milliseconds)
    return 0
}
