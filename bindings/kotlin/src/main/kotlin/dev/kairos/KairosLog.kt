package dev.kairos

import java.lang.reflect.Method

/**
 * The engine's log, in the platform's: `KairosLog.install()` once at start-up (for example in
 * `Application.onCreate`) sends the engine's records at [LogLevel.WARN] and above to Logcat
 * under the tag `Kairos` (through `android.util.Log`; on a plain JVM, such as unit tests, to
 * standard error). Caught panics and listeners that threw are logged at `ERROR` and `WARN`.
 *
 * For another destination (Timber, a crash reporter's breadcrumbs) implement [LogSink] and call
 * [setLogger] with it; `setLogger(LogLevel.OFF, null)` stops logging.
 */
object KairosLog {
    /** The tag of the Logcat lines. */
    const val TAG = "Kairos"

    /** Sends the engine's records at [level] and above to [logcat] (the default sink). */
    fun install(level: LogLevel = LogLevel.WARN) = setLogger(level, logcat())

    /** A sink that writes to Logcat when `android.util.Log` is present, else to standard error. */
    fun logcat(): LogSink = LogcatSink(androidPrintln())

    private fun androidPrintln(): Method? = try {
        Class.forName("android.util.Log")
            .getMethod("println", Int::class.javaPrimitiveType, String::class.java, String::class.java)
    } catch (e: ReflectiveOperationException) {
        null
    }
}

/** Logcat's priority of [level] (`android.util.Log.ERROR`...). */
internal fun logcatPriority(level: LogLevel): Int = when (level) {
    LogLevel.ERROR -> 6
    LogLevel.WARN -> 5
    LogLevel.INFO -> 4
    LogLevel.DEBUG -> 3
    LogLevel.TRACE, LogLevel.OFF -> 2
}

/** Writes each record with `android.util.Log.println` ([println]), or to standard error without it. */
private class LogcatSink(private val println: Method?) : LogSink {
    override fun log(record: LogRecord) {
        val line = "${record.target}: ${record.message}"
        if (println != null) {
            println.invoke(null, logcatPriority(record.level), KairosLog.TAG, line)
        } else {
            System.err.println("${record.level} ${KairosLog.TAG} $line")
        }
    }
}
