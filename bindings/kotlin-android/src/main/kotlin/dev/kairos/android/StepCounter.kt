package dev.kairos.android

import android.content.ContentResolver
import android.content.SharedPreferences
import android.hardware.Sensor
import android.hardware.SensorEvent
import android.hardware.SensorEventListener
import android.hardware.SensorManager
import android.os.Build
import android.provider.Settings
import dev.kairos.StepSample
import java.time.Instant

/**
 * The step counter sensor (`TYPE_STEP_COUNTER`: steps since boot, delivered late and in
 * bursts) as the engine's step intervals, across reboots.
 *
 * The counter restarts from 0 at each boot, so a reading alone cannot tell "few steps since
 * boot" from "many since the last reading". This layer keeps the last reading and the boot it
 * came from ([StepBaseline], in the app's preferences) and gives the engine intervals:
 * from the last reading within one boot, and from the boot itself for the first reading after
 * a reboot. The very first reading only sets the baseline (the steps before Kairos was started
 * are not the engine's).
 */
internal class StepCounter(
    private val sensors: SensorManager,
    private val resolver: ContentResolver,
    private val baseline: StepBaseline,
    private val onSample: (StepSample.Interval) -> Unit,
) : SensorEventListener {
    /** Whether the sensor is listened to (false on a phone without one). */
    @Volatile
    var running = false
        private set

    /** Starts listening (readings batched up to a minute); false when the phone has no step counter. */
    fun start(): Boolean {
        val sensor = sensors.getDefaultSensor(Sensor.TYPE_STEP_COUNTER) ?: return false
        running = sensors.registerListener(this, sensor, SensorManager.SENSOR_DELAY_NORMAL, MAX_BATCH_LATENCY_US)
        return running
    }

    /** Stops listening. */
    fun stop() {
        sensors.unregisterListener(this)
        running = false
    }

    override fun onSensorChanged(event: SensorEvent) {
        if (event.sensor?.type != Sensor.TYPE_STEP_COUNTER) return
        val at = Fixes.wallTime(event.timestamp)
        val bootMs = System.currentTimeMillis() - android.os.SystemClock.elapsedRealtime()
        baseline.reading(bootCount(), bootMs, at.toEpochMilli(), event.values[0].toLong())?.let(onSample)
    }

    override fun onAccuracyChanged(sensor: Sensor, accuracy: Int) = Unit

    /** The platform's boot counter (Android 7+), or -1 before it (a lower counter then marks a reboot). */
    private fun bootCount(): Int =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.N) Settings.Global.getInt(resolver, Settings.Global.BOOT_COUNT, -1) else -1

    private companion object {
        /** The sensor may hold readings this long, in microseconds, before waking the app. */
        const val MAX_BATCH_LATENCY_US = 60_000_000
    }
}

/**
 * The last step counter reading and its boot, kept in [prefs] so that a reading after a
 * reboot or a process restart is measured from the right point.
 */
internal class StepBaseline(private val prefs: SharedPreferences) {
    /**
     * The steps of reading [count] taken at [atMs] during boot number [bootCount] (which began at
     * [bootMs]), as an interval for the engine; null for the first reading ever or when nothing
     * was walked since the last.
     */
    @Synchronized
    fun reading(bootCount: Int, bootMs: Long, atMs: Long, count: Long): StepSample.Interval? {
        val hadOne = prefs.contains(KEY_COUNT)
        val lastBoot = prefs.getInt(KEY_BOOT, -1)
        val lastCount = prefs.getLong(KEY_COUNT, 0)
        val lastAt = prefs.getLong(KEY_AT, 0)
        val rebooted = hadOne && (bootCount != lastBoot || count < lastCount)
        val sample = when {
            !hadOne -> null
            // After a reboot the counter holds the steps since boot.
            rebooted -> interval(maxOf(bootMs, lastAt), atMs, count)
            else -> interval(lastAt, atMs, count - lastCount)
        }
        // A burst stamped at the same instant as the last reading waits for the next one.
        if (hadOne && !rebooted && atMs <= lastAt) return null
        prefs.edit().putInt(KEY_BOOT, bootCount).putLong(KEY_COUNT, count).putLong(KEY_AT, atMs).apply()
        return sample
    }

    private fun interval(fromMs: Long, toMs: Long, steps: Long): StepSample.Interval? =
        if (steps <= 0 || toMs <= fromMs) null
        else StepSample.Interval(start = Instant.ofEpochMilli(fromMs), end = Instant.ofEpochMilli(toMs), steps = steps)

    private companion object {
        const val KEY_BOOT = "steps.boot"
        const val KEY_COUNT = "steps.count"
        const val KEY_AT = "steps.at"
    }
}
