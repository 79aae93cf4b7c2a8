// The engine's log in the platform's: `OSLogSink.install()`.
import Foundation
#if canImport(os)
import os
#endif

/// Writes the engine's log records to `os_log` (subsystem `dev.kairos`,
/// the record's target as the category), or to standard error where there
/// is no `os` (Linux). Install it once at start-up:
///
/// ```swift
/// OSLogSink.install()              // warnings and errors
/// OSLogSink.install(level: .debug) // more
/// ```
///
/// Caught panics and listeners that threw are logged at `.error` and
/// `.warn`. For another destination implement `LogSink` and call
/// `setLogger(level:sink:)`; `setLogger(level: .off, sink: nil)` stops
/// logging.
public final class OSLogSink: LogSink, Sendable {
    /// The `os_log` subsystem.
    public let subsystem: String

    /// A sink writing under `subsystem`.
    public init(subsystem: String = "dev.kairos") {
        self.subsystem = subsystem
    }

    /// Sends the engine's records at `level` and above to a new `OSLogSink`.
    public static func install(level: LogLevel = .warn, subsystem: String = "dev.kairos") {
        setLogger(level: level, sink: OSLogSink(subsystem: subsystem))
    }

    /// Writes one record.
    public func log(record: LogRecord) {
        #if canImport(os)
        let log = OSLog(subsystem: subsystem, category: record.target)
        let type: OSLogType
        switch record.level {
        case .error: type = .fault
        case .warn: type = .error
        case .info: type = .info
        case .debug, .trace, .off: type = .debug
        }
        // The engine's messages hold no personal data (no coordinate leaves
        // the core in a log line): public, so they are readable in Console.
        os_log("%{public}@", log: log, type: type, record.message)
        #else
        FileHandle.standardError.write(Data("\(record.level) \(record.target): \(record.message)\n".utf8))
        #endif
    }
}
