package dev.kairos.demo.ui

import android.widget.ArrayAdapter
import android.widget.LinearLayout
import android.widget.SeekBar
import android.widget.Spinner
import android.widget.TextView
import dev.kairos.demo.logic.Countdown
import dev.kairos.demo.logic.EventText
import dev.kairos.demo.logic.QaSession
import dev.kairos.demo.logic.QaTrack
import dev.kairos.demo.logic.ReplayDriver
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.time.ZoneId

/**
 * QA replay: pick a bundled track, replay it through a throw-away engine at 1x to 60x, and watch
 * the events as they come. The shopper's own profile is never touched.
 */
class ReplayActivity : Screen() {
    @Volatile private var speed = 10
    private var replay: Job? = null
    private lateinit var status: TextView
    private lateinit var timeline: LinearLayout

    override fun onResume() {
        super.onResume()
        title = "QA replay"
        if (replay != null) return
        render {
            heading("Replay a recorded track")
            val picker = Spinner(context).apply {
                adapter = ArrayAdapter(context, android.R.layout.simple_spinner_dropdown_item, QaTrack.ALL.map { it.title })
            }
            addView(picker)
            val speedLabel = paragraph("Speed: ${speed}x")
            addView(SeekBar(context).apply {
                max = ReplayDriver.MAX_SPEED - ReplayDriver.MIN_SPEED
                progress = speed - ReplayDriver.MIN_SPEED
                setOnSeekBarChangeListener(object : SeekBar.OnSeekBarChangeListener {
                    override fun onProgressChanged(bar: SeekBar, value: Int, fromUser: Boolean) {
                        speed = value + ReplayDriver.MIN_SPEED
                        speedLabel.text = "Speed: ${speed}x"
                    }
                    override fun onStartTrackingTouch(bar: SeekBar) = Unit
                    override fun onStopTrackingTouch(bar: SeekBar) = Unit
                })
            })
            row {
                button("Start") { start(QaTrack.ALL[picker.selectedItemPosition]) }
                button("Stop") { replay?.cancel() }
            }
            status = paragraph("Pick a track and press Start.")
            timeline = LinearLayout(context).apply { orientation = LinearLayout.VERTICAL }
            addView(timeline)
        }
    }

    private fun start(track: QaTrack) {
        replay?.cancel()
        timeline.removeAllViews()
        val zone = ZoneId.of(track.timeZone)
        replay = scope.launch {
            val session = try {
                withContext(Dispatchers.IO) {
                    val catalog = track.catalog?.let { assets.open(it).readBytes() }
                    QaSession.open(cacheDir, track, app.asset(track.file), catalog, app.asset(QaTrack.CATALOG_KEY_FILE))
                }
            } catch (e: Exception) {
                status.text = "Cannot replay ${track.file}: ${e.message}"
                replay = null
                return@launch
            }
            try {
                val driver = ReplayDriver(session.engine)
                val done = driver.play(
                    session.fixes,
                    speed = { speed },
                    onEvents = { events ->
                        // Called on this screen's (main) coroutine: the driver returns here after each window.
                        events.forEach { timeline.addView(TextView(this@ReplayActivity).apply { text = EventText.line(it, zone) }, 0) }
                    },
                    onProgress = { status.text = "Track time ${Countdown.clock(it.trackTime, zone)} · ${it.fixesSent}/${it.fixesTotal} fixes · ${it.events} events" },
                )
                status.text = "Done: ${done.fixesSent} fixes, ${done.events} events."
            } finally {
                withContext(Dispatchers.IO + kotlinx.coroutines.NonCancellable) { session.close() }
                replay = null
            }
        }
    }
}
