package dev.kairos.demo.logic

import dev.kairos.StepSample
import java.time.Duration
import java.time.Instant

/**
 * Android's `TYPE_STEP_COUNTER` readings, turned into engine samples and handed over in batches:
 * the sensor reports every few steps, the engine wants a write a minute at most.
 */
class StepBuffer(private val every: Duration = Duration.ofMinutes(1)) {
    private val pending = mutableListOf<StepSample>()
    private var firstAt: Instant? = null

    /**
     * Adds a reading of [countSinceBoot] steps taken at [sensorNanos] (the event's `timestamp`, on
     * the `elapsedRealtimeNanos` clock). [elapsedNanos] and [now] are read together when the event
     * arrives. Returns the samples to record now, or an empty list.
     */
    fun add(countSinceBoot: Long, sensorNanos: Long, elapsedNanos: Long, now: Instant): List<StepSample> {
        val at = now.minusNanos(elapsedNanos - sensorNanos)
        pending += StepSample.Counter(at, countSinceBoot)
        val first = firstAt ?: now.also { firstAt = it }
        return if (Duration.between(first, now) >= every) drain() else emptyList()
    }

    /** Everything pending (when tracking stops). */
    fun drain(): List<StepSample> = pending.toList().also {
        pending.clear()
        firstAt = null
    }
}
