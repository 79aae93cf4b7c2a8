package dev.kairos.demo.logic

import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.RGBLuminanceSource
import com.google.zxing.ResultMetadataType
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.qrcode.QRCodeReader
import java.nio.file.Path
import java.time.Duration
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

class QrCodeTest {
    @TempDir
    lateinit var dir: Path

    /** What a till's scanner reads from [code] drawn [block] pixels per module, as the screen draws it. */
    private fun scan(code: QrCode, block: Int = 3): com.google.zxing.Result {
        val side = code.size * block
        val pixels = IntArray(side * side) { i -> if (code.isDark(i % side / block, i / side / block)) 0xFF000000.toInt() else -1 }
        val bitmap = BinaryBitmap(HybridBinarizer(RGBLuminanceSource(side, side, pixels)))
        return QRCodeReader().decode(bitmap, mapOf(DecodeHintType.TRY_HARDER to true))
    }

    @Test
    fun `a real redemption token's QR code scans back to the engine's payload, at level M`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", Walks.TEN_AM).use { engine ->
            engine.recordLocations(Walks.intoCafe())
            val now = Walks.TEN_AM.plus(Duration.ofMinutes(20))
            val id = engine.offers(now).single().id
            val till = assertIs<ActionResult.Redeemed>(OffersPresenter(engine).redeem(id, now)).code
            val scanned = scan(QrCode.encode(till.qrPayload))
            assertEquals(till.qrPayload, scanned.text)
            assertEquals("M", scanned.resultMetadata[ResultMetadataType.ERROR_CORRECTION_LEVEL])
        }
    }

    @Test
    fun `the code keeps its quiet zone light and starts with a finder pattern`() {
        val code = QrCode.encode("kairos:r:KR1.test")
        val q = QrCode.QUIET_ZONE
        for (i in 0 until code.size) {
            for (j in 0 until q) {
                assertTrue(!code.isDark(i, j) && !code.isDark(j, i), "quiet zone at ($i, $j)")
                assertTrue(!code.isDark(i, code.size - 1 - j) && !code.isDark(code.size - 1 - j, i), "quiet zone at the far edges")
            }
        }
        // The top-left finder: a dark 7 x 7 ring, a light ring, a dark 3 x 3 centre.
        val ring = (0 until 7).all { code.isDark(q + it, q) && code.isDark(q, q + it) && code.isDark(q + 6, q + it) }
        assertTrue(ring && !code.isDark(q + 1, q + 1) && code.isDark(q + 3, q + 3))
        // Version 1 is 21 modules a side; every version adds 4.
        assertEquals(0, (code.size - 2 * q - 21) % 4)
    }
}
