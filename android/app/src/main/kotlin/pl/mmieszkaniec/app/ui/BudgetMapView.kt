package pl.mmieszkaniec.app.ui

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.view.MotionEvent
import android.view.View
import pl.mmieszkaniec.core.BoundingBox
import pl.mmieszkaniec.core.BudgetProjectLocation
import pl.mmieszkaniec.core.GeoPoint
import kotlin.math.hypot

/**
 * An edition's projects drawn without tiles, as [PlaceMapView] draws places
 * (an equirectangular projection of the box onto the view): one circle per
 * project with a location. On the results, a selected project is a filled
 * circle and one not selected a hollow ring, so the shape, not colour
 * alone, tells them apart. A tap opens the nearest project within 24 dp.
 *
 * For TalkBack the view is one element with a summary; the list of the same
 * projects below the map is the accessible way to open one.
 */
class BudgetMapView(context: Context) : View(context) {
    /** One project on the map; [filled] false: drawn hollow (on the results: not selected). */
    data class Marker(val project: Long, val point: GeoPoint, val filled: Boolean = true)

    private var box: BoundingBox? = null
    private var markers: List<Marker> = emptyList()

    /** Called with the tapped project's id. */
    var onProjectTapped: (Long) -> Unit = {}

    /** Set: a tap anywhere is a place (a proposal's pin), not a project. */
    var onMapTapped: ((GeoPoint) -> Unit)? = null

    private val density = resources.displayMetrics.density
    private val fill = Paint(Paint.ANTI_ALIAS_FLAG).apply {
        style = Paint.Style.FILL
        color = Palette.ACCENT
    }
    private val ring = Paint(Paint.ANTI_ALIAS_FLAG).apply {
        style = Paint.Style.STROKE
        strokeWidth = 3 * density
        color = Palette.TEXT
    }
    private val outline = Paint(Paint.ANTI_ALIAS_FLAG).apply {
        style = Paint.Style.STROKE
        strokeWidth = 2 * density
        color = Color.WHITE
    }

    init {
        setBackgroundColor(Color.rgb(0xEE, 0xF2, 0xE6))
        isClickable = true
        importantForAccessibility = IMPORTANT_FOR_ACCESSIBILITY_YES
    }

    /** [box] null: the markers' own box, with a margin. */
    fun show(box: BoundingBox?, markers: List<Marker>) {
        this.box = box ?: around(markers.map { it.point })
        this.markers = markers
        invalidate()
    }

    private fun x(lon: Double, b: BoundingBox) = ((lon - b.minLon) / (b.maxLon - b.minLon) * width).toFloat()
    private fun y(lat: Double, b: BoundingBox) = ((b.maxLat - lat) / (b.maxLat - b.minLat) * height).toFloat()

    override fun onDraw(canvas: Canvas) {
        super.onDraw(canvas)
        val b = box ?: return
        if (b.maxLat <= b.minLat || b.maxLon <= b.minLon) return
        val r = 8 * density
        for (m in markers) {
            val cx = x(m.point.lon, b)
            val cy = y(m.point.lat, b)
            if (m.filled) {
                canvas.drawCircle(cx, cy, r, fill)
                canvas.drawCircle(cx, cy, r, outline)
            } else {
                canvas.drawCircle(cx, cy, r, outline)
                canvas.drawCircle(cx, cy, r - ring.strokeWidth / 2, ring)
            }
        }
    }

    override fun onTouchEvent(event: MotionEvent): Boolean {
        if (event.action == MotionEvent.ACTION_UP) {
            val b = box
            val place = onMapTapped
            if (b != null && place != null && width > 0 && height > 0) {
                place(GeoPoint(b.maxLat - event.y / height * (b.maxLat - b.minLat), b.minLon + event.x / width * (b.maxLon - b.minLon)))
            } else if (b != null) {
                val hit = markers.minByOrNull { hypot(x(it.point.lon, b) - event.x, y(it.point.lat, b) - event.y) }
                if (hit != null && hypot(x(hit.point.lon, b) - event.x, y(hit.point.lat, b) - event.y) <= 24 * density) {
                    onProjectTapped(hit.project)
                }
            }
            performClick()
        }
        return true
    }

    override fun performClick(): Boolean = super.performClick()

    /** Where [project]'s marker is drawn, in the view's pixels (null: not on the map). For tests and focus. */
    fun markerAt(project: Long): Pair<Float, Float>? {
        val b = box ?: return null
        val m = markers.firstOrNull { it.project == project } ?: return null
        return x(m.point.lon, b) to y(m.point.lat, b)
    }

    companion object {
        /** A project's point on the map: its point, or the middle of its area's outer ring. */
        fun pointOf(location: BudgetProjectLocation?): GeoPoint? = when (location) {
            null -> null
            is BudgetProjectLocation.Point -> location.point
            is BudgetProjectLocation.Area -> location.rings.firstOrNull()?.takeIf { it.isNotEmpty() }?.let { ring ->
                GeoPoint(ring.sumOf { it.lat } / ring.size, ring.sumOf { it.lon } / ring.size)
            }
        }

        private fun around(points: List<GeoPoint>): BoundingBox? {
            if (points.isEmpty()) return null
            val minLat = points.minOf { it.lat }
            val maxLat = points.maxOf { it.lat }
            val minLon = points.minOf { it.lon }
            val maxLon = points.maxOf { it.lon }
            val dLat = maxOf((maxLat - minLat) * 0.15, 0.002)
            val dLon = maxOf((maxLon - minLon) * 0.15, 0.002)
            return BoundingBox(minLat - dLat, minLon - dLon, maxLat + dLat, maxLon + dLon)
        }
    }
}
