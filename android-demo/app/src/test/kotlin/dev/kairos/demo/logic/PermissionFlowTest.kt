package dev.kairos.demo.logic

import dev.kairos.demo.logic.DemoPermission.ACTIVITY_RECOGNITION
import dev.kairos.demo.logic.DemoPermission.BACKGROUND_LOCATION
import dev.kairos.demo.logic.DemoPermission.FINE_LOCATION
import dev.kairos.demo.logic.DemoPermission.NOTIFICATIONS
import dev.kairos.demo.logic.PermissionState.DENIED
import dev.kairos.demo.logic.PermissionState.DENIED_FOREVER
import dev.kairos.demo.logic.PermissionState.GRANTED
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class PermissionFlowTest {
    @Test
    fun `Android 14 asks location, steps, notifications, then background location in Settings`() {
        val flow = PermissionFlow(34)
        val states = mutableMapOf<DemoPermission, PermissionState>()
        val asked = mutableListOf<PermissionStep.Ask>()
        while (true) {
            val step = flow.next(states)
            if (step !is PermissionStep.Ask) break
            asked += step
            states[step.permission] = GRANTED
        }
        assertEquals(
            listOf(
                PermissionStep.Ask(FINE_LOCATION, false),
                PermissionStep.Ask(ACTIVITY_RECOGNITION, false),
                PermissionStep.Ask(NOTIFICATIONS, false),
                PermissionStep.Ask(BACKGROUND_LOCATION, true),
            ),
            asked,
        )
        assertEquals(PermissionStep.Done(emptyList()), flow.next(states))
    }

    @Test
    fun `Android 8 has only location to ask at run time`() {
        val flow = PermissionFlow(26)
        assertEquals(listOf(FINE_LOCATION), flow.permissions)
        assertEquals(PermissionStep.Done(emptyList()), flow.next(mapOf(FINE_LOCATION to GRANTED)))
    }

    @Test
    fun `Android 10 asks background location in the dialog, not in Settings`() {
        assertEquals(
            PermissionStep.Ask(BACKGROUND_LOCATION, viaSettings = false),
            PermissionFlow(29).next(mapOf(FINE_LOCATION to GRANTED, ACTIVITY_RECOGNITION to GRANTED)),
        )
    }

    @Test
    fun `a refusal is asked again, a refusal for good of an optional permission is skipped`() {
        val flow = PermissionFlow(34)
        assertEquals(PermissionStep.Ask(ACTIVITY_RECOGNITION, false), flow.next(mapOf(FINE_LOCATION to GRANTED, ACTIVITY_RECOGNITION to DENIED)))
        val states = mapOf(FINE_LOCATION to GRANTED, ACTIVITY_RECOGNITION to DENIED_FOREVER, NOTIFICATIONS to DENIED_FOREVER, BACKGROUND_LOCATION to GRANTED)
        assertEquals(PermissionStep.Done(listOf(ACTIVITY_RECOGNITION, NOTIFICATIONS)), flow.next(states))
        assertTrue(flow.canTrack(states))
    }

    @Test
    fun `location refused for good blocks tracking`() {
        val flow = PermissionFlow(34)
        val states = mapOf(FINE_LOCATION to DENIED_FOREVER)
        assertEquals(PermissionStep.Blocked(FINE_LOCATION), flow.next(states))
        assertFalse(flow.canTrack(states))
        assertFalse(flow.canTrack(emptyMap()))
    }
}
