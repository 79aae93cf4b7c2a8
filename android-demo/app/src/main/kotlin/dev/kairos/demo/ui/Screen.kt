package dev.kairos.demo.ui

import android.app.Activity
import android.graphics.Bitmap
import android.graphics.Color
import android.graphics.Typeface
import android.os.Bundle
import android.view.View
import android.widget.Button
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import dev.kairos.demo.KairosDemoApp
import dev.kairos.demo.logic.QrCode
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The base of every screen: a scrolling column built in code (the demo uses the platform's views
 * only, no AndroidX and no XML layouts; see README), a coroutine scope tied to the screen, and
 * [load] to read from the engine off the main thread and render on it.
 */
abstract class Screen : Activity() {
    /** Cancelled when the screen is destroyed. */
    protected val scope = MainScope()

    /** The application, holding the engine. */
    protected val app get() = application as KairosDemoApp

    private lateinit var column: LinearLayout

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        column = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            val pad = (16 * resources.displayMetrics.density).toInt()
            setPadding(pad, pad, pad, pad)
        }
        setContentView(ScrollView(this).apply { addView(column) })
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    /** Runs [read] on a background thread, then [show] with its result on the main thread. */
    protected fun <T> load(read: () -> T, show: (T) -> Unit) {
        scope.launch { show(withContext(Dispatchers.IO) { read() }) }
    }

    /** Replaces the screen's content. */
    protected fun render(build: LinearLayout.() -> Unit) {
        column.removeAllViews()
        column.build()
    }
}

/** A large heading. */
fun LinearLayout.heading(text: String) = addView(TextView(context).apply {
    this.text = text
    textSize = 22f
    setTypeface(typeface, Typeface.BOLD)
    setPadding(0, 24, 0, 12)
})

/** A paragraph. */
fun LinearLayout.paragraph(text: String, size: Float = 16f) = TextView(context).apply {
    this.text = text
    textSize = size
    setPadding(0, 6, 0, 6)
}.also(::addView)

/** A full-width button. */
fun LinearLayout.button(text: String, onClick: (View) -> Unit) = Button(context).apply {
    this.text = text
    setOnClickListener(onClick)
}.also(::addView)

/** A row of views side by side. */
fun LinearLayout.row(build: LinearLayout.() -> Unit) = addView(LinearLayout(context).apply {
    orientation = LinearLayout.HORIZONTAL
    build()
})

/**
 * [code] drawn as a square image about 260 dp wide: one block of whole pixels per module (no
 * smoothing, which scanners dislike), dark on white.
 */
fun LinearLayout.qr(code: QrCode) = addView(ImageView(context).apply {
    val block = ((260 * resources.displayMetrics.density).toInt() / code.size).coerceAtLeast(1)
    val side = code.size * block
    val pixels = IntArray(side * side) { i ->
        if (code.isDark(i % side / block, i / side / block)) Color.BLACK else Color.WHITE
    }
    setImageBitmap(Bitmap.createBitmap(pixels, side, side, Bitmap.Config.ARGB_8888))
    contentDescription = "QR code for the till"
    setPadding(0, 12, 0, 12)
})
