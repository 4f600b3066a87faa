package pl.mmieszkaniec.app.ui

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.graphics.Path
import android.view.MotionEvent
import android.view.View
import pl.mmieszkaniec.core.BikePathSummary
import pl.mmieszkaniec.core.BoundingBox
import pl.mmieszkaniec.core.Layer
import pl.mmieszkaniec.core.PlaceSummary
import kotlin.math.hypot

/**
 * The box drawn without tiles (no Google Maps or other SDK here): an
 * equirectangular projection of the box onto the view, bike paths as
 * lines, places as markers whose shape says the layer (circle:
 * infrastructure, square: attraction, triangle: monument), so colour is
 * never the only cue. A tap selects the nearest marker within 24 dp.
 *
 * For TalkBack the view is one element with a summary; the list of the
 * same places below the map is the accessible way to pick one.
 */
class PlaceMapView(context: Context) : View(context) {
    private var box: BoundingBox? = null
    private var places: List<PlaceSummary> = emptyList()
    private var paths: List<BikePathSummary> = emptyList()
    private var selectedId: Long? = null

    /** Called with the tapped place's id. */
    var onPlaceTapped: (Long) -> Unit = {}

    private val density = resources.displayMetrics.density
    private val pathPaint = Paint(Paint.ANTI_ALIAS_FLAG).apply {
        style = Paint.Style.STROKE
        strokeWidth = 4 * density
        color = Color.rgb(0x1B, 0x6E, 0x20)
        strokeJoin = Paint.Join.ROUND
    }
    private val markerPaint = Paint(Paint.ANTI_ALIAS_FLAG).apply { style = Paint.Style.FILL }
    private val outlinePaint = Paint(Paint.ANTI_ALIAS_FLAG).apply {
        style = Paint.Style.STROKE
        strokeWidth = 2 * density
        color = Color.WHITE
    }
    private val selectedPaint = Paint(Paint.ANTI_ALIAS_FLAG).apply {
        style = Paint.Style.STROKE
        strokeWidth = 3 * density
        color = Palette.TEXT
    }

    init {
        setBackgroundColor(Color.rgb(0xEE, 0xF2, 0xE6))
        isClickable = true
        importantForAccessibility = IMPORTANT_FOR_ACCESSIBILITY_YES
    }

    fun show(box: BoundingBox?, places: List<PlaceSummary>, paths: List<BikePathSummary>, selectedId: Long?) {
        this.box = box
        this.places = places
        this.paths = paths
        this.selectedId = selectedId
        invalidate()
    }

    private fun x(lon: Double, b: BoundingBox) = ((lon - b.minLon) / (b.maxLon - b.minLon) * width).toFloat()
    private fun y(lat: Double, b: BoundingBox) = ((b.maxLat - lat) / (b.maxLat - b.minLat) * height).toFloat()

    override fun onDraw(canvas: Canvas) {
        super.onDraw(canvas)
        val b = box ?: return
        if (b.maxLat <= b.minLat || b.maxLon <= b.minLon) return
        for (p in paths) {
            if (p.points.size < 2) continue
            val line = Path()
            p.points.forEachIndexed { i, q ->
                if (i == 0) line.moveTo(x(q.lon, b), y(q.lat, b)) else line.lineTo(x(q.lon, b), y(q.lat, b))
            }
            canvas.drawPath(line, pathPaint)
        }
        val r = 7 * density
        for (p in places) {
            val cx = x(p.point.lon, b)
            val cy = y(p.point.lat, b)
            markerPaint.color = colour(p.layer)
            val shape = Path()
            when (p.layer) {
                Layer.ATTRACTIONS -> shape.addRect(cx - r, cy - r, cx + r, cy + r, Path.Direction.CW)
                Layer.MONUMENTS -> {
                    shape.moveTo(cx, cy - r * 1.2f)
                    shape.lineTo(cx + r * 1.1f, cy + r * 0.9f)
                    shape.lineTo(cx - r * 1.1f, cy + r * 0.9f)
                    shape.close()
                }
                else -> shape.addCircle(cx, cy, r, Path.Direction.CW)
            }
            canvas.drawPath(shape, markerPaint)
            canvas.drawPath(shape, outlinePaint)
            if (p.id == selectedId) canvas.drawCircle(cx, cy, r * 2, selectedPaint)
        }
    }

    override fun onTouchEvent(event: MotionEvent): Boolean {
        if (event.action == MotionEvent.ACTION_UP) {
            val b = box
            if (b != null) {
                val hit = places.minByOrNull { hypot(x(it.point.lon, b) - event.x, y(it.point.lat, b) - event.y) }
                if (hit != null && hypot(x(hit.point.lon, b) - event.x, y(hit.point.lat, b) - event.y) <= 24 * density) {
                    onPlaceTapped(hit.id)
                }
            }
            performClick()
        }
        return true
    }

    override fun performClick(): Boolean = super.performClick()

    private fun colour(l: Layer) = when (l) {
        Layer.INFRASTRUCTURE -> Palette.ACCENT
        Layer.ATTRACTIONS -> Color.rgb(0x8A, 0x3B, 0x00)
        Layer.MONUMENTS -> Color.rgb(0x5E, 0x2B, 0x7E)
        Layer.BIKE_PATHS -> pathPaint.color
    }
}
