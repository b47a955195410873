import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Set by SIGINT or SIGTERM; the run stops sending at its next wakeup (within 100 ms).
private let stopRequested = Atomic<Bool>(false)

/// The `headroom-load` command: parse flags, build the schedule, run it, write the outputs.
public enum LoadCommand {
    /// Runs the command and returns the exit status: 0 valid run, 3 invalid run, 2 invalid
    /// flags, 1 any other failure.
    public static func main(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(LoadOptions.usage)
            return 0
        }
        do {
            let options = try LoadOptions.parse(arguments)
            let schedule = try buildSchedule(options.source)
            return try run(options: options, schedule: schedule)
        } catch {
            printError("headroom-load: \(error)")
            return error.exitStatus
        }
    }

    static func buildSchedule(_ source: LoadOptions.Source) throws(LoadError) -> ArrivalSchedule {
        switch source {
        case .rates(let path):
            return try ScheduleSource.loadRates(path: path)
        case .trace(let spec, let from, let to, let compression, let peak, let floor):
            let window = try ScheduleSource.loadWorldCup98Window(trace: spec, from: from, to: to)
            return try ScheduleSource.traceSchedule(window: window, compression: compression, peak: peak, floor: floor)
        }
    }

    private static func run(options: LoadOptions, schedule: ArrivalSchedule) throws(LoadError) -> Int32 {
        guard let timeline = fopen(options.out, "w") else {
            throw .failed("cannot write the timeline to \(options.out): \(String(cString: strerror(errno)))")
        }
        defer { fclose(timeline) }
        guard FileManager.default.createFile(atPath: options.summary, contents: nil) else {
            throw .failed("cannot write the summary to \(options.summary); check that its directory exists")
        }

        raiseOpenFileLimit()
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        // A server closing a connection under a write must not kill the run.
        signal(SIGPIPE, SIG_IGN)

        let driver = try LoadDriver(configuration: LoadRunConfiguration(options: options))
        let result = driver.run(
            schedule: schedule,
            shouldStop: { stopRequested.load(ordering: .relaxed) },
            onRecord: { record in
                fputs(record.jsonLine() + "\n", timeline)
                fflush(timeline)
            },
            onSecond: { record in
                guard options.progress else { return }
                printError(
                    "second \(record.second): scheduled \(record.scheduled) sent \(record.sent) late \(record.late)"
                        + " 2xx \(record.status2xx) 4xx \(record.status4xx) 5xx \(record.status5xx)"
                        + " errors \(record.errors) inflight \(record.inflight ?? 0)"
                )
            }
        )

        let summary = result.summary
        do {
            try summary.json().write(toFile: options.summary, atomically: true, encoding: .utf8)
        } catch {
            throw .failed("cannot write the summary to \(options.summary): \(error)")
        }
        if summary.interrupted {
            printError("headroom-load: stopped by a signal after \(String(format: "%.1f", summary.scheduleSeconds)) s")
        }
        guard summary.valid else {
            printError(
                "headroom-load: invalid run: \(summary.onTime) of \(summary.scheduled) requests were sent on time"
                    + " (achieved ratio \(String(format: "%.4f", summary.achievedRatio)), below the bound of 0.95;"
                    + " the generator or its connection limit could not keep the schedule)"
            )
            return 3
        }
        return 0
    }

    /// Raises the soft limit on open files to the hard limit, because each connection is a file.
    private static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(openFilesResource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(openFilesResource, &limit)
    }

    private static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

#if canImport(Glibc)
    private let openFilesResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#endif
