package dev.kairos.demo.logic

import dev.kairos.KairosEvent
import dev.kairos.SensingAccuracy
import dev.kairos.SensingPlan
import dev.kairos.SensingReason

/**
 * The status screen's sensing line: the engine's current sensing plan (accuracy class, interval,
 * reason), set from `Engine.sensingPlan()` once and updated on each `SensingPlanChanged`.
 * Shown only; following the plan with location requests is the tracking layer's job.
 */
class SensingStatus {
    /** "Sensing: high every 10 s (in fence)", or a placeholder before the first plan. */
    @Volatile
    var line: String = "Sensing: no plan yet"
        private set

    /** Shows [plan] (from `Engine.sensingPlan`, which also makes the engine report later changes). */
    fun show(plan: SensingPlan) {
        line = text(plan.accuracy, plan.intervalMs, plan.reason)
    }

    /** Follows a `SensingPlanChanged` among the engine's events; ignores the others. */
    fun onEvent(event: KairosEvent) {
        if (event is KairosEvent.SensingPlanChanged) line = text(event.accuracy, event.intervalMs, event.reason)
    }

    companion object {
        /** "Sensing: balanced every 30 s (staying)"; intervals under 10 s keep a tenth. */
        fun text(accuracy: SensingAccuracy, intervalMs: Long, reason: SensingReason): String {
            val every = if (intervalMs % 1000 == 0L || intervalMs >= 10_000) "${intervalMs / 1000} s" else "%.1f s".format(intervalMs / 1000.0)
            return "Sensing: ${word(accuracy.name)} every $every (${word(reason.name)})"
        }

        private fun word(name: String) = name.lowercase().replace('_', ' ')
    }
}
