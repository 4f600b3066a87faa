package pl.mmieszkaniec.app.screens

import android.content.Intent
import android.widget.CheckBox
import org.junit.Test
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.MapActivity
import pl.mmieszkaniec.app.ui.ReportActivity
import pl.mmieszkaniec.core.AccessNeed
import pl.mmieszkaniec.core.Layer
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The map: the gmina's places, an accessibility need and a layer as
 * filters (the list of places below follows them), a place found by search,
 * its card read line by line, "Nawiguj" handing the point to a maps app.
 */
class MapScreenTest : ScreenTest() {

    private val countHeading = Regex("""Miejsca na mapie: (\d+)""")

    /** The number in "Miejsca na mapie: 42 miejsca". */
    private fun placesListed(): Int {
        val heading = findView("Miejsca na mapie:") ?: return -1
        return countHeading.find(heading.reads().first())?.groupValues?.get(1)?.toInt() ?: -1
    }

    private fun box(label: String): CheckBox = shownViews().filterIsInstance<CheckBox>().single { it.text == label }

    @Test
    fun `filters narrow the places, search opens a place's card, and navigate hands it to a maps app`() {
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Komunikat:") != null && findView("Synchronizacja…") == null }
        click("Mapa", exact = true)
        followTo(MapActivity::class.java)
        waitUntil("the places") { placesListed() > 0 }
        val all = placesListed()
        waitFor("Biblioteka Publiczna w Siechnicach", exact = true)
        TalkBack.check(root, headings = listOf("Mapa gminy", "Warstwy", "Potrzebuję"))
        screenshot("map")

        // "I need: step-free access": fewer places, the box ticked.
        val stepFree = app.repository.core.needLabel(AccessNeed.STEP_FREE)
        click(stepFree, exact = true)
        waitUntil("the step-free places") { placesListed() in 1 until all }
        assertTrue(box(stepFree).isChecked)
        val stepFreeCount = placesListed()
        // The monuments layer off: fewer again (or as many, if none is step-free), never more.
        val monuments = app.repository.core.layerLabel(Layer.MONUMENTS)
        click(monuments, exact = true)
        waitUntil("the layer to go") { !box(monuments).isChecked && placesListed() in 0..stepFreeCount }
        TalkBack.check(root)
        screenshot("map-filters")
        click(monuments, exact = true)
        click(stepFree, exact = true)
        waitUntil("all places again") { placesListed() == all }

        // Search, then the hit's card.
        type("Szukaj miejsca", "biblioteka")
        click("Szukaj", exact = true)
        waitFor("Biblioteka Publiczna w Siechnicach", exact = true)
        click("Biblioteka Publiczna w Siechnicach", exact = true)
        val navigate = waitFor("Nawiguj do: Biblioteka Publiczna w Siechnicach", exact = true)
        assertTrue(navigate.isClickable)
        assertNotNull(findView("Zgłoś barierę architektoniczną: Biblioteka Publiczna w Siechnicach", exact = true), "report a barrier here")
        TalkBack.check(root, headings = listOf("Biblioteka Publiczna w Siechnicach"))
        val card = shownViews().filterIsInstance<android.widget.TextView>()
            .last { it.isAccessibilityHeading && it.text.toString() == "Biblioteka Publiczna w Siechnicach" }
        scrollToTop(card)
        screenshot("map-card")

        click("Nawiguj", exact = true)
        val geo = nextStartedIntent("navigate")
        assertEquals(Intent.ACTION_VIEW, geo.action)
        assertEquals("geo", geo.data?.scheme)
        assertTrue(geo.data.toString().contains("Biblioteka"), "${geo.data}")

        // "Report a barrier" opens the report, filled in by the core.
        click("Zgłoś barierę", exact = true)
        followTo(ReportActivity::class.java)
        waitFor("Gdzie to jest?", exact = true)
        waitFor("51.03330, 17.15080 (pinezka)", exact = true)
    }
}
