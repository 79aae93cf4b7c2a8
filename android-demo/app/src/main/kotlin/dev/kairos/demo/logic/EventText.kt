package dev.kairos.demo.logic

import dev.kairos.KairosEvent
import java.time.Instant
import java.time.ZoneId

/** One line per engine event, for the QA timeline and the logs. */
object EventText {
    /** "12:00 Offer suppressed: drive-thru-combo (while_driving)". */
    fun line(event: KairosEvent, zone: ZoneId): String = "${Countdown.clock(at(event), zone)} ${describe(event)}"

    /** The event's time. */
    fun at(event: KairosEvent): Instant = when (event) {
        is KairosEvent.VisitStarted -> event.at
        is KairosEvent.VisitEnded -> event.at
        is KairosEvent.PlaceClassified -> event.at
        is KairosEvent.StepGoalReached -> event.at
        is KairosEvent.InactivityNudge -> event.at
        is KairosEvent.FenceEntered -> event.at
        is KairosEvent.FenceDwelled -> event.at
        is KairosEvent.FenceExited -> event.at
        is KairosEvent.OfferTriggered -> event.at
        is KairosEvent.OfferSuppressed -> event.at
        is KairosEvent.OfferHeldOut -> event.at
        is KairosEvent.OfferExpired -> event.at
        is KairosEvent.RoutineOverdue -> event.at
        is KairosEvent.RoutineResumed -> event.at
        is KairosEvent.OnTheWayReminder -> event.at
        is KairosEvent.NotificationHeld -> event.at
        is KairosEvent.NotificationRetried -> event.at
        is KairosEvent.CatalogLoaded -> event.at
        is KairosEvent.TilesLoaded -> event.at
        is KairosEvent.DatabaseRecovered -> event.at
        is KairosEvent.ClockCorrected -> event.at
        is KairosEvent.SensingPlanChanged -> event.at
    }

    /** What happened, without the time. */
    fun describe(event: KairosEvent): String = when (event) {
        is KairosEvent.VisitStarted -> "Visit started at place ${event.placeId}"
        is KairosEvent.VisitEnded -> "Visit ended at place ${event.placeId} after ${event.minutes} min"
        is KairosEvent.PlaceClassified -> "Place ${event.placeId} is ${event.placeKind.name.lowercase()}"
        is KairosEvent.StepGoalReached -> "Step goal reached: ${event.steps} of ${event.goal}"
        is KairosEvent.InactivityNudge -> "Sitting for ${event.minutes} min: time for a walk?"
        is KairosEvent.FenceEntered -> "Entered ${event.placeId}"
        is KairosEvent.FenceDwelled -> "Staying at ${event.placeId}"
        is KairosEvent.FenceExited -> "Left ${event.placeId}"
        is KairosEvent.OfferTriggered -> "Offer: ${event.title} (${event.offerId})"
        is KairosEvent.OfferSuppressed -> "Offer suppressed: ${event.offerId} (${event.explanation})"
        is KairosEvent.OfferHeldOut -> "Offer held out: ${event.offerId}"
        is KairosEvent.OfferExpired -> "Offer expired: ${event.offerId}"
        is KairosEvent.RoutineOverdue -> "Routine overdue by ${event.daysOverdue} days: ${event.routineId}"
        is KairosEvent.RoutineResumed -> "Routine resumed: ${event.routineId}"
        is KairosEvent.OnTheWayReminder -> "On your way: ${event.merchantId} is ${event.distanceM.toInt()} m ahead"
        is KairosEvent.NotificationHeld -> "Held (${event.message.name.lowercase()}): ${event.explanation}"
        is KairosEvent.NotificationRetried -> "Held ${event.message.name.lowercase()}: ${event.outcome.name.lowercase()}"
        is KairosEvent.CatalogLoaded -> "Catalog v${event.version} loaded: ${event.offers} offers"
        is KairosEvent.TilesLoaded -> "Catalog tiles: ${event.tilesUpdated} arrived, ${event.tilesHeld} held (v${event.headerVersion})"
        is KairosEvent.DatabaseRecovered -> "Database recovered: ${event.reason}"
        is KairosEvent.ClockCorrected -> "Device clock corrected: back from ${event.from}"
        is KairosEvent.SensingPlanChanged -> SensingStatus.text(event.accuracy, event.intervalMs, event.reason)
    }
}
