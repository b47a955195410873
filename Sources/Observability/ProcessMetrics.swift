import Foundation

/// The standard `process_*` metrics, read from `/proc` when `/metrics` is scraped, so a
/// dashboard built for other Prometheus exporters shows Headroom's memory, CPU and files.
public struct ProcessMetrics: Sendable {
    let residentMemory: MetricFamily
    let cpuSeconds: MetricFamily
    let openFileDescriptors: MetricFamily
    let startTime: MetricFamily

    public init(registry: MetricsRegistry) {
        residentMemory = registry.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.")
        // A gauge holding a counter's value: the kernel keeps the total, the registry only
        // copies it at each scrape, and a counter can only be added to.
        cpuSeconds = registry.gauge(
            "process_cpu_seconds_total",
            help: "Total user and system CPU time spent in seconds."
        )
        openFileDescriptors = registry.gauge("process_open_fds", help: "Number of open file descriptors.")
        startTime = registry.gauge(
            "process_start_time_seconds",
            help: "Start time of the process since the Unix epoch in seconds."
        )
    }

    /// Copies the current figures of this process from `/proc` into the gauges. A figure that
    /// cannot be read keeps its last value.
    public func update() {
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let figures = ProcessStat(stat: stat)
        {
            residentMemory.set(Double(figures.residentPages) * pageSize)
            cpuSeconds.set(Double(figures.userTicks + figures.systemTicks) / ticks)
            if let procStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
                let boot = ProcessStat.bootTime(procStat: procStat)
            {
                startTime.set(boot + Double(figures.startTicks) / ticks)
            }
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFileDescriptors.set(Double(descriptors.count))
        }
    }
}

/// The fields of `/proc/<pid>/stat` behind the process metrics (proc(5)).
public struct ProcessStat: Sendable, Equatable {
    /// Field 14, `utime`, in clock ticks.
    public var userTicks: UInt64
    /// Field 15, `stime`, in clock ticks.
    public var systemTicks: UInt64
    /// Field 22, `starttime`, in clock ticks after boot.
    public var startTicks: UInt64
    /// Field 24, `rss`, in pages.
    public var residentPages: UInt64

    public init(userTicks: UInt64, systemTicks: UInt64, startTicks: UInt64, residentPages: UInt64) {
        self.userTicks = userTicks
        self.systemTicks = systemTicks
        self.startTicks = startTicks
        self.residentPages = residentPages
    }

    /// Parses one `stat` line. The command name (field 2) is in parentheses and may hold
    /// spaces and parentheses itself, so fields are counted after its last `)`.
    public init?(stat: String) {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // Fields from 3 (state) on.
        let rest = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        func field(_ number: Int) -> UInt64? {
            let index = number - 3
            return index < rest.count ? UInt64(rest[index]) : nil
        }
        guard let user = field(14), let system = field(15), let start = field(22), let rss = field(24) else {
            return nil
        }
        userTicks = user
        systemTicks = system
        startTicks = start
        residentPages = rss
    }

    /// The boot time in seconds since the Unix epoch, from the `btime` line of `/proc/stat`.
    public static func bootTime(procStat: String) -> Double? {
        for line in procStat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
