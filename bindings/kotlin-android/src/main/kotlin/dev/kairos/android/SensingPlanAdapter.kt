package dev.kairos.android

import dev.kairos.KairosEvent
import dev.kairos.SensingAccuracy
import dev.kairos.SensingPlan

/**
 * The one place that reads the engine's sensing plan: what it asks of the location provider,
 * as [LocationSettings], and whether it asks for the wake regions to be registered again.
 *
 * The plan arrives twice over: asked for once with `Engine.sensingPlan()` when tracking starts
 * (which also makes the engine announce each later change), then as `SensingPlanChanged` events.
 */
internal object SensingPlanAdapter {
    /** The settings before the engine has answered: balanced power, a fix a minute or 25 m. */
    val INITIAL = LocationSettings(LocationAccuracy.BALANCED, intervalMs = 60_000, minDisplacementM = 25f)

    /** The provider quality for the plan's accuracy class. */
    fun accuracy(accuracy: SensingAccuracy): LocationAccuracy = when (accuracy) {
        SensingAccuracy.HIGH -> LocationAccuracy.HIGH
        SensingAccuracy.BALANCED -> LocationAccuracy.BALANCED
        SensingAccuracy.LOW -> LocationAccuracy.LOW
        SensingAccuracy.PASSIVE -> LocationAccuracy.PASSIVE
    }

    /** What [plan] asks of the provider; an interval or displacement out of range is an error naming it. */
    fun settings(plan: SensingPlan): Result<LocationSettings> =
        settings(plan.accuracy, plan.intervalMs, plan.minDisplacementM, plan.reason.toString())

    /** What the plan in [event] asks of the provider, as [settings] of a plan. */
    fun settings(event: KairosEvent.SensingPlanChanged): Result<LocationSettings> =
        settings(event.accuracy, event.intervalMs, event.minDisplacementM, event.reason.toString())

    private fun settings(accuracy: SensingAccuracy, intervalMs: Long, minDisplacementM: Double, reason: String): Result<LocationSettings> {
        if (intervalMs <= 0 || minDisplacementM < 0) {
            return Result.failure(
                IllegalArgumentException(
                    "sensing plan ($reason): interval $intervalMs ms / displacement $minDisplacementM m out of range",
                ),
            )
        }
        return Result.success(LocationSettings(accuracy(accuracy), intervalMs, minDisplacementM.toFloat()))
    }

    /** Whether the plan in [event] moved the wake regions (register them again now). */
    fun regionsChanged(event: KairosEvent.SensingPlanChanged): Boolean = event.regionsChanged
}
