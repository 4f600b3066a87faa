package pl.mmieszkaniec.app.ui

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.view.View
import android.view.ViewGroup
import android.view.inputmethod.EditorInfo
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import pl.mmieszkaniec.app.state.MapModel
import pl.mmieszkaniec.app.state.MapState
import pl.mmieszkaniec.core.AccessNeed
import pl.mmieszkaniec.core.Layer
import pl.mmieszkaniec.core.Noun
import pl.mmieszkaniec.core.PlaceDetail
import java.util.Locale

/**
 * "Mapa": places with their accessibility, attractions, monuments and bike
 * paths. The drawn map ([PlaceMapView]) with pan and zoom buttons; layer,
 * accessibility-need and "open now" checkboxes; search; the place card
 * (read line by line by TalkBack, wheelchair status in words) with
 * "Nawiguj" (the phone's maps app, a `geo:` Uri) and "Zgłoś barierę"
 * ([ReportActivity] pre-filled); and the same places as a list below the
 * map, which is how TalkBack users choose one.
 */
class MapActivity : ScreenActivity() {
    private lateinit var model: MapModel
    private lateinit var map: PlaceMapView
    private lateinit var status: Section
    private lateinit var hits: Section
    private lateinit var card: Section
    private lateinit var list: Section
    private val layerBoxes = mutableMapOf<Layer, CheckBox>()
    private val needBoxes = mutableMapOf<AccessNeed, CheckBox>()
    private lateinit var openNowBox: CheckBox
    private var shownCardId: Long? = null

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.MAP)
        model = holder { MapModel(repo) }
        column.addView(heading(t(Texts.MAP_TITLE)))
        status = Section(this)
        column.addView(status.layout)

        // Search: hits open the card and centre the map. Labelled by its
        // hint (a content description would hide the typed text from TalkBack).
        val search = EditText(this).apply {
            hint = t(Texts.MAP_SEARCH_HINT)
            inputType = InputType.TYPE_CLASS_TEXT
            imeOptions = EditorInfo.IME_ACTION_SEARCH
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
            minimumHeight = dp(48)
            id = stableId("map-search")
        }
        search.setOnEditorActionListener { v, _, _ ->
            val text = v.text.toString()
            act { model.search(text) }
            true
        }
        column.addView(search)
        column.addView(button(t(Texts.SEARCH)) {
            val text = search.text.toString()
            act { model.search(text) }
        })
        hits = Section(this)
        column.addView(hits.layout)

        map = PlaceMapView(this).apply {
            id = View.generateViewId()
            layoutParams = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, dp(320))
            onPlaceTapped = { id -> act { model.select(id) } }
        }
        column.addView(map)
        column.addView(body(t(Texts.MAP_LEGEND), secondary = true))
        column.addView(controls())

        card = Section(this)
        column.addView(card.layout)

        column.addView(heading(t(Texts.LAYERS), level = 2))
        Layer.entries.forEach { layer ->
            val box = checkBox("layer-$layer", repo.core.layerLabel(layer)) { on -> act { model.setLayer(layer, on) } }
            layerBoxes[layer] = box
            column.addView(box)
        }
        column.addView(heading(t(Texts.I_NEED), level = 2))
        AccessNeed.entries.forEach { need ->
            val box = checkBox("need-$need", repo.core.needLabel(need)) { on -> act { model.setNeed(need, on) } }
            needBoxes[need] = box
            column.addView(box)
        }
        openNowBox = checkBox("open-now", t(Texts.OPEN_NOW)) { on -> act { model.setOpenNow(on) } }
        column.addView(openNowBox)

        list = Section(this)
        column.addView(list.layout)

        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    private fun checkBox(name: String, label: String, onChange: (Boolean) -> Unit) = CheckBox(this).apply {
        text = label
        setTextColor(Palette.TEXT)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
        minimumHeight = dp(48)
        id = stableId(name)
        // The model, not the view, holds the filters: no state of its own to restore.
        isSaveEnabled = false
        // A click (a tap, or TalkBack's double tap) is the resident's; [show]
        // setting isChecked from the state fires no click, so no loop.
        setOnClickListener { onChange(isChecked) }
    }

    private fun setChecked(box: CheckBox, on: Boolean) {
        if (box.isChecked != on) box.isChecked = on
    }

    /** Pan by half a screen, zoom by two, each a labelled 48 dp button. */
    private fun controls(): View = LinearLayout(this).apply {
        orientation = LinearLayout.VERTICAL
        val pan = LinearLayout(context).apply { orientation = LinearLayout.HORIZONTAL }
        listOf(
            Triple(Texts.NORTH, 0.0, 0.5),
            Triple(Texts.SOUTH, 0.0, -0.5),
            Triple(Texts.WEST, -0.5, 0.0),
            Triple(Texts.EAST, 0.5, 0.0),
        ).forEach { (label, east, north) ->
            pan.addView(button(t(label), t(Texts.moveMap(t(label)))) { act { model.pan(east = east, north = north) } })
        }
        val zoom = LinearLayout(context).apply { orientation = LinearLayout.HORIZONTAL }
        zoom.addView(button("+", t(Texts.ZOOM_IN)) { act { model.zoomIn() } })
        zoom.addView(button("−", t(Texts.ZOOM_OUT)) { act { model.zoomOut() } })
        zoom.addView(button(t(Texts.WHOLE_GMINA)) { act { model.showWholeGmina() } })
        addView(pan)
        addView(zoom)
    }

    private fun show(s: MapState) {
        // Filters mirror the state (without calling back into the model).
        layerBoxes.forEach { (layer, box) -> setChecked(box, layer in s.layers) }
        needBoxes.forEach { (need, box) -> setChecked(box, need in s.needs) }
        setChecked(openNowBox, s.openNow)

        status.show {
            if (s.syncing) loading("sync")
            s.syncError?.let { error(it, key = "sync") }
            if (s.noData) {
                body(t(Texts.NO_MAP_DATA), key = "no-data")
                button(t(Texts.DOWNLOAD)) { act { model.sync() } }
            }
        }

        hits.show {
            load(s.hits, key = "hits") { found ->
                if (found.isEmpty()) body(t(Texts.NOTHING_FOUND), secondary = true, key = "nothing")
                found.forEach { p ->
                    row(p.name, p.address ?: categoryName(p.categoryNamePl, p.categoryNameEn), p.spokenText, key = "hit-${p.id}") {
                        act { model.showOnMap(p) }
                    }
                }
            }
        }

        val places = s.places.valueOrNull.orEmpty()
        val paths = s.bikePaths.valueOrNull.orEmpty()
        map.show(s.box, places, paths, s.selected?.valueOrNull?.id)
        val placesText = repo.core.countText(places.size.toUInt(), Noun.PLACE)
        val pathsText = repo.core.countText(paths.size.toUInt(), Noun.BIKE_PATH)
        map.contentDescription = t(Texts.mapSummary(placesText, pathsText))

        showCard(s)

        list.show {
            heading(t(Texts.placesOnMap(placesText)), key = "places")
            load(s.places, key = "places") { ps ->
                if (ps.isEmpty() && !s.noData) body(t(Texts.NO_PLACES_MATCH), secondary = true, key = "none")
                ps.forEach { p ->
                    val about = categoryName(p.categoryNamePl, p.categoryNameEn) + " · " + repo.core.wheelchairLabel(p.wheelchair)
                    row(p.name, about, p.spokenText, key = "place-${p.id}") { act { model.select(p.id) } }
                }
            }
            if (paths.isNotEmpty()) {
                heading(t(Texts.BIKE_PATHS), key = "paths")
                paths.forEach { b -> row(b.name, b.lengthText, b.spokenText, key = "path-${b.id}") { act { model.select(b.id) } } }
            }
        }
    }

    private fun categoryName(pl: String, en: String) = if (language == "en") en else pl

    /** One TextView per sentence, so TalkBack reads and navigates the card line by line. */
    private fun showCard(s: MapState) {
        val selected = s.selected
        setBackWithin(if (selected != null) ({ model.closeCard() }) else null)
        card.show {
            load(selected, key = "card") { d -> cardOf(d, s) }
        }
        val id = selected?.valueOrNull?.id
        if (id != shownCardId) {
            shownCardId = id
            // A newly opened card takes TalkBack's focus to its name.
            if (id != null) card.viewAt("card-title")?.let { title ->
                focusForAccessibility(title)
                title.post { card.layout.parent?.requestChildFocus(card.layout, title) }
            }
        }
    }

    private fun Section.Builder.cardOf(d: PlaceDetail, s: MapState) {
        val lines = d.card.map { it.text }
        heading(lines.first(), level = 2, key = "card-title")
        lines.drop(1).forEachIndexed { i, line -> body(line, key = "card-$i") }
        button(t(Texts.NAVIGATE), t(Texts.navigateTo(d.name)), key = "navigate") { navigate(d) }
        s.barrierPlaceId?.let { placeId ->
            button(t(Texts.REPORT_BARRIER), t(Texts.reportBarrierAt(d.name)), key = "barrier") {
                open(ReportActivity::class.java) { putExtra(ReportActivity.EXTRA_BARRIER_PLACE_ID, placeId) }
            }
        }
        button(t(Texts.CLOSE_CARD), key = "close") { model.closeCard() }
    }

    /** Hands the point to the phone's maps app (any that handles `geo:`). */
    private fun navigate(d: PlaceDetail) {
        val lat = "%.6f".format(Locale.ROOT, d.point.lat)
        val lon = "%.6f".format(Locale.ROOT, d.point.lon)
        // geo:lat,lon?q=lat,lon(label): the label is the only part that needs encoding.
        val uri = Uri.parse("geo:$lat,$lon?q=$lat,$lon(" + Uri.encode(d.name) + ")")
        showProblem(if (startOutside(Intent(Intent.ACTION_VIEW, uri))) null else Texts.NO_MAPS_APP)
    }
}
