package pl.mmieszkaniec.app.ui

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.view.View
import kotlin.math.min

/**
 * A QR code drawn from the core's module matrix (`qr_size` × `qr_size`,
 * row by row, true = dark): the core encodes the ZBP payload, the shell
 * only paints squares. Black on white with the four-module quiet zone the
 * QR standard (ISO/IEC 18004 §6.3.8) asks for, so a banking app's scanner
 * reads it off the screen; sized to whole pixels per module (no blurred
 * edges), at most [maxSizeDp] wide.
 */
class QrCodeView(context: Context, private val maxSizeDp: Int = 280) : View(context) {
    private var size = 0
    private var modules: BooleanArray = BooleanArray(0)
    private val dark = Paint().apply { color = Color.BLACK; style = Paint.Style.FILL; isAntiAlias = false }

    init {
        setBackgroundColor(Color.WHITE)
        // Read as one image with its description (the screen sets it), not as pixels.
        importantForAccessibility = IMPORTANT_FOR_ACCESSIBILITY_YES
        isFocusable = true
    }

    /** [size] modules a side; [isDark] (row-major index) says which are dark. */
    fun setModules(size: Int, isDark: (Int) -> Boolean) {
        val next = BooleanArray(size * size) { isDark(it) }
        if (size == this.size && next.contentEquals(modules)) return
        this.size = size
        modules = next
        requestLayout()
        invalidate()
    }

    /** Whether the module at ([row], [col]) is dark (tests compare it with the core's matrix). */
    fun isDark(row: Int, col: Int): Boolean = modules[row * size + col]

    val moduleCount: Int get() = size

    /** Pixels per module and the offset of the first one, as drawn. */
    fun moduleGeometry(): Pair<Int, Int> {
        val side = min(width, height)
        val cells = size + 2 * QUIET_ZONE
        val px = if (cells == 0) 0 else side / cells
        return px to (side - px * size) / 2
    }

    override fun onMeasure(widthMeasureSpec: Int, heightMeasureSpec: Int) {
        val max = (maxSizeDp * resources.displayMetrics.density).toInt()
        val available = MeasureSpec.getSize(widthMeasureSpec).takeIf { MeasureSpec.getMode(widthMeasureSpec) != MeasureSpec.UNSPECIFIED } ?: max
        val side = min(max, available)
        setMeasuredDimension(side, side)
    }

    override fun onDraw(canvas: Canvas) {
        super.onDraw(canvas)
        if (size == 0) return
        val (px, offset) = moduleGeometry()
        if (px == 0) return
        for (r in 0 until size) {
            for (c in 0 until size) {
                if (!modules[r * size + c]) continue
                val x = (offset + c * px).toFloat()
                val y = (offset + r * px).toFloat()
                canvas.drawRect(x, y, x + px, y + px, dark)
            }
        }
    }

    companion object {
        const val QUIET_ZONE = 4
    }
}
