import Dispatch

/// Runs the jobs of request handler tasks on a Dispatch queue instead of Swift's cooperative
/// pool.
///
/// The cooperative pool has one thread per core. Callers may block those threads, such as a
/// synchronous `stop()` that waits for requests in flight, or a test that waits for a child
/// process that talks to this server. Handlers on the pool could then never finish, while
/// Dispatch adds threads to this queue when its jobs block.
final class HandlerExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "http-server-handlers", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
