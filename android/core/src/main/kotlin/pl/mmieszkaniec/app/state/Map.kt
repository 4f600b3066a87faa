package pl.mmieszkaniec.app.state

import kotlinx.coroutines.CancellationException
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.toUserError
import pl.mmieszkaniec.core.AccessNeed
import pl.mmieszkaniec.core.BikePathSummary
import pl.mmieszkaniec.core.BoundingBox
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.Layer
import pl.mmieszkaniec.core.PlaceDetail
import pl.mmieszkaniec.core.PlaceFilter
import pl.mmieszkaniec.core.PlaceSummary

/** What the places and bike paths on screen were asked for; answers to an older query are dropped. */
data class MapQuery(
    val box: BoundingBox,
    val layers: Set<Layer>,
    val needs: Set<AccessNeed>,
    val openNow: Boolean,
)

data class MapState(
    /** The visible box; null before the first sync (the core knows no gmina yet). */
    val box: BoundingBox? = null,
    /** Layer toggles; [Layer.BIKE_PATHS] switches the lines. */
    val layers: Set<Layer> = Layer.entries.toSet(),
    /** "I need step-free entry and an accessible toilet": every need must be met (unknown never meets one). */
    val needs: Set<AccessNeed> = emptySet(),
    /** Only places open now (places without opening hours are left out). */
    val openNow: Boolean = false,
    /** Markers and the list below the map: points and lines of the point layers, nearest the box's centre first. */
    val places: Load<List<PlaceSummary>> = Load.Loading,
    /** Bike paths crossing the box (empty when their layer is off), longest first. */
    val bikePaths: Load<List<BikePathSummary>> = Load.Loading,
    /** The text searched for; [hits] are null until the first search. */
    val searchText: String = "",
    val hits: Load<List<PlaceSummary>>? = null,
    /** The place card, if one is open. */
    val selected: Load<PlaceDetail>? = null,
    val syncing: Boolean = false,
    val syncError: UserError? = null,
) {
    /** No places stored yet: the screen offers a sync instead of an empty map. */
    val noData: Boolean get() = box == null && places !is Load.Loading

    val mapQuery: MapQuery? get() = box?.let { MapQuery(it, layers, needs, openNow) }

    /**
     * "Zgłoś barierę" from the open card: the place whose barrier the
     * resident reports (the core fills the draft in: `ReportFlow.startBarrierReport`).
     */
    val barrierPlaceId: Long? get() = selected?.valueOrNull?.id
}

/**
 * The map screen: a box the resident pans and zooms, layer toggles,
 * accessibility needs, "open now", search, the place card and bike paths.
 * Which place meets which need, what "open" means (opening hours, Polish
 * holidays, Europe/Warsaw) and the spatial index are the core's; this keeps
 * the box and the toggles, and what the core answered for them.
 *
 * [now] is the clock for "open now" (epoch ms), replaceable in tests.
 */
class MapModel(
    private val repo: Repository,
    private val now: () -> Long = System::currentTimeMillis,
    /** At most this many markers per box (nearest the centre first). */
    private val markerLimit: Int = 500,
) : StateHolder<MapState>(MapState()) {

    /** The first view: the whole gmina (or the box already shown), then its places. */
    suspend fun load() {
        val box = state.value.box ?: when (val b = load { repo.gminaBbox() }) {
            is Load.Failed -> {
                update { it.copy(places = b, bikePaths = b) }
                return
            }
            else -> b.valueOrNull
        }
        if (box == null) {
            update { it.copy(places = Load.Ready(emptyList()), bikePaths = Load.Ready(emptyList())) }
            return
        }
        update { it.copy(box = box) }
        refresh()
    }

    /** Pulls from the server (places included), then shows what the store holds. */
    suspend fun sync() {
        update { it.copy(syncing = true) }
        val error = try {
            repo.sync()
            null
        } catch (e: CancellationException) {
            update { it.copy(syncing = false) }
            throw e
        } catch (e: Exception) {
            e.toUserError()
        }
        update { it.copy(syncing = false, syncError = error) }
        load()
        state.value.selected?.valueOrNull?.let { select(it.id) }
    }

    /** Queries the places and bike paths for the current box and toggles. */
    suspend fun refresh() {
        val q = state.value.mapQuery ?: return
        update { it.copy(places = Load.Loading, bikePaths = Load.Loading) }
        // Bike paths are drawn as lines, not markers. No layer on is none.
        val filter = PlaceFilter(
            layers = Layer.entries.filter { it in q.layers && it != Layer.BIKE_PATHS },
            needs = AccessNeed.entries.filter { it in q.needs },
            openAtMs = if (q.openNow) now() else null,
            limit = markerLimit.toUInt(),
        )
        val places = load { repo.placesInBox(q.box, filter) }
        val paths = if (Layer.BIKE_PATHS in q.layers) load { repo.bikePathsInBox(q.box) } else Load.Ready(emptyList())
        update { if (it.mapQuery == q) it.copy(places = places, bikePaths = paths) else it }
    }

    /** Back to the first view: the whole gmina. */
    suspend fun showWholeGmina() {
        val box = load { repo.gminaBbox() }.valueOrNull ?: return
        setBox(box)
    }

    suspend fun setBox(box: BoundingBox) {
        update { it.copy(box = box.copy()) }
        refresh()
    }

    /**
     * Moves the box by fractions of its size: [east] 0.5 is half a screen
     * to the east, [north] -0.5 half a screen to the south.
     */
    suspend fun pan(east: Double = 0.0, north: Double = 0.0) {
        val b = state.value.box ?: return
        val dLat = (b.maxLat - b.minLat) * north
        val dLon = (b.maxLon - b.minLon) * east
        setBox(box(b.minLat + dLat, b.minLon + dLon, b.maxLat + dLat, b.maxLon + dLon))
    }

    /** Zooms about the centre; [factor] 2 shows half the width and height. */
    suspend fun zoom(factor: Double) {
        val b = state.value.box ?: return
        val c = centre(b)
        val halfLat = ((b.maxLat - b.minLat) / 2 / factor).coerceAtLeast(MIN_HALF_SPAN)
        val halfLon = ((b.maxLon - b.minLon) / 2 / factor).coerceAtLeast(MIN_HALF_SPAN)
        setBox(box(c.lat - halfLat, c.lon - halfLon, c.lat + halfLat, c.lon + halfLon))
    }

    suspend fun zoomIn() = zoom(2.0)
    suspend fun zoomOut() = zoom(0.5)

    /** Centres the box on [point], keeping its size. */
    suspend fun centreOn(point: GeoPoint) {
        val b = state.value.box ?: return
        val halfLat = (b.maxLat - b.minLat) / 2
        val halfLon = (b.maxLon - b.minLon) / 2
        setBox(box(point.lat - halfLat, point.lon - halfLon, point.lat + halfLat, point.lon + halfLon))
    }

    suspend fun setLayer(layer: Layer, on: Boolean) {
        update { it.copy(layers = if (on) it.layers + layer else it.layers - layer) }
        refresh()
    }

    suspend fun setNeed(need: AccessNeed, on: Boolean) {
        update { it.copy(needs = if (on) it.needs + need else it.needs - need) }
        refresh()
    }

    suspend fun setOpenNow(on: Boolean) {
        update { it.copy(openNow = on) }
        refresh()
    }

    /** Places by name, category or address, anywhere in the gmina (diacritics ignored). */
    suspend fun search(query: String) {
        if (query.isBlank()) {
            update { it.copy(searchText = query, hits = null) }
            return
        }
        update { it.copy(searchText = query, hits = Load.Loading) }
        val hits = load { repo.searchPlaces(query.trim()) }
        // A newer query may have been typed meanwhile: keep only the latest's hits.
        update { if (it.searchText == query) it.copy(hits = hits) else it }
    }

    private val cardOpening = Opening()

    /** Opens a place's card, evaluated now ("open now", today's hours). */
    suspend fun select(id: Long) {
        val ticket = cardOpening.start()
        update { it.copy(selected = Load.Loading) }
        val card = load { repo.place(id, now()) }
        update { if (cardOpening.isLatest(ticket)) it.copy(selected = card) else it }
    }

    /** A search hit: its card, and the map centred on it. */
    suspend fun showOnMap(hit: PlaceSummary) {
        select(hit.id)
        centreOn(hit.point)
    }

    fun closeCard() {
        cardOpening.close()
        update { it.copy(selected = null) }
    }

    private companion object {
        /** About 50 m: closer than this the map shows nothing more. */
        const val MIN_HALF_SPAN = 0.00025

        fun centre(b: BoundingBox) = GeoPoint((b.minLat + b.maxLat) / 2, (b.minLon + b.maxLon) / 2)

        fun box(minLat: Double, minLon: Double, maxLat: Double, maxLon: Double) = BoundingBox(
            minLat.coerceIn(-90.0, 90.0),
            minLon.coerceIn(-180.0, 180.0),
            maxLat.coerceIn(-90.0, 90.0),
            maxLon.coerceIn(-180.0, 180.0),
        )
    }
}
