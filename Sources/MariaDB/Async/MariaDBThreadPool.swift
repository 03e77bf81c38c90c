import NIOPosix

/// The thread pool blocking Connector/C calls run on. Each in-flight query occupies one thread for its
/// whole round trip, so the pool needs as many threads as connections expected to be busy at once —
/// NIO's shared pool has only one per core, which would serialize queries.
public enum MariaDBThreadPool {
    /// A process-wide pool of 64 threads, started on first use. Threads sleep in `poll` while the server
    /// works, so many more threads than cores is normal here.
    public static let shared: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 64)
        pool.start()
        return pool
    }()
}
