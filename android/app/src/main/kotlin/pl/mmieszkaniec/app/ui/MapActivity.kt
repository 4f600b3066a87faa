package pl.mmieszkaniec.app.ui

import android.content.ActivityNotFoundException
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.view.View
import android.view.ViewGroup
import android.view.accessibility.AccessibilityNodeInfo
import android.view.inputmethod.EditorInfo
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.state.MapModel
import pl.mmieszkaniec.app.state.MapState
import pl.mmieszkaniec.core.AccessNeed
import pl.mmieszkaniec.core.Layer
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
    private lateinit var status: LinearLayout
    private lateinit var hits: LinearLayout
    private lateinit var card: LinearLayout
    private lateinit var list: LinearLayout
    private val layerBoxes = mutableMapOf<Layer, CheckBox>()
    private val needBoxes = mutableMapOf<AccessNeed, CheckBox>()
    private lateinit var openNowBox: CheckBox
    private var shownCardId: Long? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = MapModel(repo)
        column.addView(heading(t("Mapa gminy", "Municipality map")))
        status = vertical()
        column.addView(status)

        // Search: hits open the card and centre the map.
        val search = EditText(this).apply {
            hint = t("Szukaj miejsca (np. biblioteka)", "Search for a place (e.g. library)")
            contentDescription = hint
            inputType = InputType.TYPE_CLASS_TEXT
            imeOptions = EditorInfo.IME_ACTION_SEARCH
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
            minimumHeight = dp(48)
            id = View.generateViewId()
        }
        search.setOnEditorActionListener { v, _, _ ->
            scope.launch { model.search(v.text.toString()) }
            true
        }
        column.addView(search)
        column.addView(button(t("Szukaj", "Search")) { scope.launch { model.search(search.text.toString()) } })
        hits = vertical()
        column.addView(hits)

        map = PlaceMapView(this).apply {
            id = View.generateViewId()
            layoutParams = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, dp(320))
            onPlaceTapped = { id -> scope.launch { model.select(id) } }
        }
        column.addView(map)
        column.addView(body(t(
            "Koło: infrastruktura gminna, kwadrat: atrakcja, trójkąt: zabytek, zielona linia: ścieżka rowerowa.",
            "Circle: municipal infrastructure, square: attraction, triangle: monument, green line: bike path.",
        ), secondary = true))
        column.addView(controls())

        card = vertical()
        column.addView(card)

        column.addView(heading(t("Warstwy", "Layers"), level = 2))
        Layer.entries.forEach { layer ->
            val box = checkBox(repo.core.layerLabel(layer)) { on -> scope.launch { model.setLayer(layer, on) } }
            layerBoxes[layer] = box
            column.addView(box)
        }
        column.addView(heading(t("Potrzebuję", "I need"), level = 2))
        AccessNeed.entries.forEach { need ->
            val box = checkBox(repo.core.needLabel(need)) { on -> scope.launch { model.setNeed(need, on) } }
            needBoxes[need] = box
            column.addView(box)
        }
        openNowBox = checkBox(t("Tylko otwarte teraz", "Open now only")) { on -> scope.launch { model.setOpenNow(on) } }
        column.addView(openNowBox)

        list = vertical()
        column.addView(list)

        collect(model.state, ::show)
        scope.launch { model.load() }
    }

    private fun vertical() = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; id = View.generateViewId() }

    private fun checkBox(label: String, onChange: (Boolean) -> Unit) = CheckBox(this).apply {
        text = label
        setTextColor(Palette.TEXT)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
        minimumHeight = dp(48)
        id = View.generateViewId()
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
            Triple(t("Północ", "North"), 0.0, 0.5),
            Triple(t("Południe", "South"), 0.0, -0.5),
            Triple(t("Zachód", "West"), -0.5, 0.0),
            Triple(t("Wschód", "East"), 0.5, 0.0),
        ).forEach { (label, east, north) ->
            pan.addView(button(label, t("Przesuń mapę: $label", "Move the map: $label")) {
                scope.launch { model.pan(east = east, north = north) }
            })
        }
        val zoom = LinearLayout(context).apply { orientation = LinearLayout.HORIZONTAL }
        zoom.addView(button("+", t("Przybliż", "Zoom in")) { scope.launch { model.zoomIn() } })
        zoom.addView(button("−", t("Oddal", "Zoom out")) { scope.launch { model.zoomOut() } })
        zoom.addView(button(t("Cała gmina", "Whole municipality")) {
            scope.launch { model.showWholeGmina() }
        })
        addView(pan)
        addView(zoom)
    }

    private fun show(s: MapState) {
        // Filters mirror the state (without calling back into the model).
        layerBoxes.forEach { (layer, box) -> setChecked(box, layer in s.layers) }
        needBoxes.forEach { (need, box) -> setChecked(box, need in s.needs) }
        setChecked(openNowBox, s.openNow)

        status.removeAllViews()
        if (s.syncing) status.addView(loading())
        s.syncError?.let { status.addView(errorText(it)) }
        if (s.noData) {
            status.addView(body(t(
                "Brak danych mapy: połącz się z internetem, aby je pobrać.",
                "No map data: connect to the internet to download it.",
            )))
            status.addView(button(t("Pobierz dane", "Download the data")) { scope.launch { model.sync() } })
        }

        hits.removeAllViews()
        render(s.hits, hits) { found ->
            if (found.isEmpty()) hits.addView(body(t("Nic nie znaleziono.", "Nothing found."), secondary = true))
            found.forEach { p ->
                hits.addView(row(p.name, p.address ?: categoryName(p.categoryNamePl, p.categoryNameEn), p.spokenText) {
                    scope.launch { model.showOnMap(p) }
                })
            }
        }

        val places = s.places.valueOrNull.orEmpty()
        val paths = s.bikePaths.valueOrNull.orEmpty()
        map.show(s.box, places, paths, s.selected?.valueOrNull?.id)
        map.contentDescription = t(
            "Mapa: ${places.size} miejsc, ${paths.size} ścieżek rowerowych. Lista miejsc poniżej filtrów.",
            "Map: ${places.size} places, ${paths.size} bike paths. The list of places is below the filters.",
        )

        showCard(s)

        list.removeAllViews()
        list.addView(heading(t("Miejsca na mapie (${places.size})", "Places on the map (${places.size})"), level = 2))
        render(s.places, list) { ps ->
            if (ps.isEmpty() && !s.noData) {
                list.addView(body(t("Brak miejsc spełniających filtry w tym obszarze.", "No places match the filters in this area."), secondary = true))
            }
            ps.forEach { p ->
                list.addView(row(p.name, categoryName(p.categoryNamePl, p.categoryNameEn) + " · " + repo.core.wheelchairLabel(p.wheelchair), p.spokenText) {
                    scope.launch { model.select(p.id) }
                })
            }
        }
        if (paths.isNotEmpty()) {
            list.addView(heading(t("Ścieżki rowerowe", "Bike paths"), level = 2))
            paths.forEach { b ->
                list.addView(row(b.name, b.lengthText, b.spokenText) {
                    scope.launch { model.select(b.id) }
                })
            }
        }
    }

    private fun categoryName(pl: String, en: String) = if (language == "en") en else pl

    private fun showCard(s: MapState) {
        card.removeAllViews()
        val selected = s.selected ?: run { shownCardId = null; return }
        render(selected, card) { d -> cardOf(d, s) }
    }

    /** One TextView per sentence, so TalkBack reads and navigates the card line by line. */
    private fun cardOf(d: PlaceDetail, s: MapState) {
        val lines = d.card.map { it.text }
        val title = heading(lines.first(), level = 2)
        card.addView(title)
        lines.drop(1).forEach { card.addView(body(it)) }
        card.addView(button(t("Nawiguj", "Navigate"), t("Nawiguj do: ${d.name}", "Navigate to: ${d.name}")) { navigate(d) })
        s.barrierPlaceId?.let { placeId ->
            card.addView(button(t("Zgłoś barierę", "Report a barrier"), t("Zgłoś barierę architektoniczną: ${d.name}", "Report an architectural barrier: ${d.name}")) {
                open(ReportActivity::class.java) { putExtra(ReportActivity.EXTRA_BARRIER_PLACE_ID, placeId) }
            })
        }
        card.addView(button(t("Zamknij kartę", "Close the card")) { model.closeCard() })
        // A newly opened card takes TalkBack's focus to its name.
        if (shownCardId != d.id) {
            shownCardId = d.id
            title.post {
                title.performAccessibilityAction(AccessibilityNodeInfo.ACTION_ACCESSIBILITY_FOCUS, null)
                card.parent?.requestChildFocus(card, title)
            }
        }
    }

    /** Hands the point to the phone's maps app (any that handles `geo:`). */
    private fun navigate(d: PlaceDetail) {
        val lat = "%.6f".format(Locale.ROOT, d.point.lat)
        val lon = "%.6f".format(Locale.ROOT, d.point.lon)
        // geo:lat,lon?q=lat,lon(label): the label is the only part that needs encoding.
        val uri = Uri.parse("geo:$lat,$lon?q=$lat,$lon(" + Uri.encode(d.name) + ")")
        try {
            startActivity(Intent(Intent.ACTION_VIEW, uri))
        } catch (e: ActivityNotFoundException) {
            card.addView(errorText(UserError(
                "no_maps_app",
                "Brak aplikacji map w telefonie.",
                "There is no maps app on this phone.",
            )), 1)
        }
    }
}
