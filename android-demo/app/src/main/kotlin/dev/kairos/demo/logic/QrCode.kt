package dev.kairos.demo.logic

import com.google.zxing.BarcodeFormat
import com.google.zxing.EncodeHintType
import com.google.zxing.qrcode.QRCodeWriter
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel

/**
 * A QR code as dark and light modules, quiet zone included, for the screen to draw one pixel block
 * per module. Encoded by ZXing's `core` (Apache 2.0, pure Java, from Maven Central; see README).
 */
class QrCode private constructor(
    /** Modules per side, quiet zone included. */
    val size: Int,
    private val dark: BooleanArray,
) {
    /** Whether the module at column [x], row [y] (0-based, from the top left) is dark. */
    fun isDark(x: Int, y: Int): Boolean = dark[y * size + x]

    companion object {
        /**
         * Level M restores up to 15% of damaged modules (a scratched or glaring phone screen) and
         * is what scanners and iOS's CIQRCodeGenerator default to; the token still fits a
         * version a till's scanner reads from a phone held at arm's length.
         */
        val ERROR_CORRECTION: ErrorCorrectionLevel = ErrorCorrectionLevel.M

        /** The light modules around the code that scanners need, as the QR standard asks. */
        const val QUIET_ZONE = 4

        /** [text] (as UTF-8 bytes) as a QR code. */
        fun encode(text: String): QrCode {
            val hints = mapOf(
                EncodeHintType.ERROR_CORRECTION to ERROR_CORRECTION,
                EncodeHintType.MARGIN to QUIET_ZONE,
                EncodeHintType.CHARACTER_SET to "UTF-8",
            )
            // Size 0: one pixel per module, so the matrix is the modules themselves.
            val matrix = QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, hints)
            val size = matrix.width
            return QrCode(size, BooleanArray(size * size) { matrix.get(it % size, it / size) })
        }
    }
}
