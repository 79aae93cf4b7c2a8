package dev.kairos.android

import dev.kairos.KairosEvent

/**
 * The one place that reads the engine's sensing plan: what it asks of the location provider,
 * as [LocationSettings], and whether it asks for the wake regions to be registered again.
 *
 * Today the plan reaches the bindings as the `SensingPlanChanged` event (its accuracy a string);
 * when the bindings give it as a typed record (`Engine.sensingPlan()`), only this file changes.
 */
internal object SensingPlanAdapter {
    /** The settings before the engine has said anything: balanced power, a fix a minute or 25 m. */
    val INITIAL = LocationSettings(LocationAccuracy.BALANCED, intervalMs = 60_000, minDisplacementM = 25f)

    /** What the plan in [event] asks of the provider; an accuracy this layer does not know is an error naming it. */
    fun settings(event: KairosEvent.SensingPlanChanged): Result<LocationSettings> {
        val accuracy = when (event.accuracy) {
            "high" -> LocationAccuracy.HIGH
            "balanced" -> LocationAccuracy.BALANCED
            "low" -> LocationAccuracy.LOW
            "passive" -> LocationAccuracy.PASSIVE
            else -> return Result.failure(
                IllegalArgumentException("sensing plan: unknown accuracy \"${event.accuracy}\" (reason ${event.reason})"),
            )
        }
        if (event.intervalMs <= 0 || event.minDisplacementM < 0) {
            return Result.failure(
                IllegalArgumentException(
                    "sensing plan: interval ${event.intervalMs} ms / displacement ${event.minDisplacementM} m out of range",
                ),
            )
        }
        return Result.success(LocationSettings(accuracy, event.intervalMs, event.minDisplacementM.toFloat()))
    }

    /** Whether the plan in [event] moved the wake regions (register them again now). */
    fun regionsChanged(event: KairosEvent.SensingPlanChanged): Boolean = event.regionsChanged
}
