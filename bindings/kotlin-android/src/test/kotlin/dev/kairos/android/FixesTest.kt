package dev.kairos.android

import android.content.Context
import android.location.Location
import dev.kairos.StepSample
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertNull
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35])
class FixesTest {
    @Test
    fun a_fix_takes_its_time_from_the_elapsed_realtime_clock_not_the_gnss_date() {
        val location = Location("gps").apply {
            latitude = 37.3
            longitude = -121.9
            accuracy = 12f
            speed = 1.5f
            time = Instant.parse("2006-11-24T10:00:00Z").toEpochMilli() // a GNSS week-rollover date
            elapsedRealtimeNanos = 50_000_000_000 // taken at 50 s of uptime...
        }
        // ...and delivered at 52 s of uptime, at 2026-11-24T18:00:02Z.
        val fix = Fixes.toFix(location, Instant.parse("2026-11-24T18:00:02Z").toEpochMilli(), 52_000_000_000)!!
        assertEquals(Instant.parse("2026-11-24T18:00:00Z"), fix.at)
        assertEquals(12.0, fix.accuracyM)
        assertEquals(1.5, fix.speedMps)
        assertEquals(37.3, fix.lat)
    }

    @Test
    fun a_fix_without_accuracy_or_speed_is_not_given_invented_ones() {
        val noAccuracy = Location("network").apply { latitude = 1.0; longitude = 2.0 }
        assertNull(Fixes.toFix(noAccuracy))
        val noSpeed = Location("network").apply { latitude = 1.0; longitude = 2.0; accuracy = 30f }
        assertNull(Fixes.toFix(noSpeed)!!.speedMps)
    }

    private fun baseline() = StepBaseline(app.getSharedPreferences("steps-test-${System.nanoTime()}", Context.MODE_PRIVATE))

    private fun interval(fromMs: Long, toMs: Long, steps: Long) =
        StepSample.Interval(Instant.ofEpochMilli(fromMs), Instant.ofEpochMilli(toMs), steps)

    @Test
    fun the_first_counter_reading_only_sets_the_baseline_then_readings_become_intervals() {
        val steps = baseline()
        assertNull(steps.reading(bootCount = 4, bootMs = 0, atMs = 1_000_000, count = 5_000))
        assertEquals(interval(1_000_000, 1_060_000, 120), steps.reading(4, 0, 1_060_000, 5_120))
        // Nothing walked: no sample.
        assertNull(steps.reading(4, 0, 1_120_000, 5_120))
    }

    @Test
    fun after_a_reboot_the_counter_counts_from_the_boot_even_when_it_ends_higher_than_before() {
        val steps = baseline()
        steps.reading(bootCount = 4, bootMs = 0, atMs = 1_000_000, count = 300)
        // Rebooted at 2_000_000 (boot 5), then walked 800 steps: more than the 300 of the last reading.
        assertEquals(interval(2_000_000, 2_500_000, 800), steps.reading(5, 2_000_000, 2_500_000, 800))
        assertEquals(interval(2_500_000, 2_600_000, 50), steps.reading(5, 2_000_000, 2_600_000, 850))
    }

    @Test
    fun a_counter_that_went_down_is_a_reboot_where_the_platform_has_no_boot_count() {
        val steps = baseline()
        steps.reading(bootCount = -1, bootMs = 0, atMs = 1_000_000, count = 9_000)
        assertEquals(interval(2_000_000, 2_100_000, 40), steps.reading(-1, 2_000_000, 2_100_000, 40))
    }
}
