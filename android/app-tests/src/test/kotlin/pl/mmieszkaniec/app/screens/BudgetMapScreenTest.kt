package pl.mmieszkaniec.app.screens

import android.content.Intent
import android.os.SystemClock
import android.view.MotionEvent
import android.widget.ImageView
import org.junit.Test
import pl.mmieszkaniec.app.ui.BudgetActivity
import pl.mmieszkaniec.app.ui.BudgetMapView
import pl.mmieszkaniec.app.ui.BudgetProjectActivity
import pl.mmieszkaniec.app.ui.BudgetResultsActivity
import pl.mmieszkaniec.core.BudgetEdition
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The participatory budget's projects on the drawn map, against a real
 * `mm-server --demo` (every demo project has a point): an edition's
 * projects as markers, a tap on one opening that project; the results'
 * projects with the selected ones filled and the others hollow (the shape
 * says it; the summary and the legend say it in words).
 */
class BudgetMapScreenTest : ScreenTest() {

    private fun editions(): Pair<BudgetEdition, BudgetEdition> {
        val list = offMain {
            app.repository.sync()
            app.repository.refreshBudget()
            app.repository.budgetEditions()
        }.editions
        return list.single { it.votingOpen } to list.single { it.resultsPublished }
    }

    private fun map(): BudgetMapView {
        waitUntil("the projects' map") { shownViews().any { it is BudgetMapView } }
        return shownViews().filterIsInstance<BudgetMapView>().single()
    }

    /** A finger down and up on ([x], [y]) of [view]. */
    private fun tap(view: BudgetMapView, x: Float, y: Float) {
        val t = SystemClock.uptimeMillis()
        listOf(MotionEvent.ACTION_DOWN, MotionEvent.ACTION_UP).forEach { action ->
            val e = MotionEvent.obtain(t, t, action, x, y, 0)
            view.dispatchTouchEvent(e)
            e.recycle()
        }
        idleMain()
    }

    @Test
    fun `a project's page shows its photos kept by the core and its place on the map`() {
        val (voting, _) = editions()
        val project = offMain { app.repository.budgetProjects(voting.id) }.projects.first { it.photos.size == 2 }
        assertEquals(2, project.photoPaths.size, "the refresh kept both photos: $project")
        launch(BudgetProjectActivity::class.java, Intent().putExtra(BudgetProjectActivity.EXTRA_PROJECT, project.id))
        waitFor(project.title, exact = true)
        val photos = { shownViews().filterIsInstance<ImageView>().filter { it.contentDescription?.startsWith("Zdjęcie") == true } }
        waitUntil("the project's photos") { photos().size == 2 }
        assertEquals(listOf(1, 2).map { "Zdjęcie $it projektu „${project.title}”" }, photos().map { it.contentDescription })
        assertTrue(photos().all { it.drawable != null }, "decoded from the core's files")
        val point = assertNotNull(BudgetMapView.pointOf(project.location))
        val map = map()
        assertEquals(String.format(java.util.Locale.ROOT, "Mapa: miejsce projektu w punkcie %.5f, %.5f.", point.lat, point.lon), map.contentDescription)
        assertNotNull(map.markerAt(project.id), "its marker drawn")
        TalkBack.check(root, headings = listOf(project.title, "Miejsce realizacji"))
        scrollToTop(waitFor(project.title, exact = true))
        screenshot("budget-project-photos")
    }

    @Test
    fun `an edition's projects on the map, a marker opening its project, the results with the selected ones filled`() {
        val (voting, finished) = editions()
        launch(BudgetActivity::class.java, Intent().putExtra(BudgetActivity.EXTRA_EDITION, voting.id))
        waitFor(voting.ruleText, exact = true)
        val projects = offMain { app.repository.budgetProjects(voting.id) }.projects
        val located = projects.filter { BudgetMapView.pointOf(it.location) != null }
        assertTrue(located.isNotEmpty(), "the demo's projects have points")
        val map = map()
        assertEquals("Mapa projektów: ${located.size}. Wybierz projekt z listy poniżej.", map.contentDescription)
        waitFor("Projekty na mapie", exact = true)
        TalkBack.check(root, headings = listOf(voting.title, "Projekty na mapie"))
        // Its heading at the top (under the action bar): the whole map in the picture.
        scrollToTop(waitFor("Projekty na mapie", exact = true))
        screenshot("budget-projects-map")

        // The marker of the project drawn apart from the others (nearest neighbour farthest away), tapped.
        val points = located.associate { it.id to assertNotNull(map.markerAt(it.id)) }
        val target = located.maxBy { p ->
            val (x, y) = points.getValue(p.id)
            points.filterKeys { it != p.id }.values.minOfOrNull { (ox, oy) -> Math.hypot((x - ox).toDouble(), (y - oy).toDouble()) } ?: 0.0
        }
        val (x, y) = points.getValue(target.id)
        tap(map, x, y)
        followTo(BudgetProjectActivity::class.java)
        waitFor("Koszt: ${target.costText}", exact = true)
        waitFor(target.title, exact = true)

        // The results: a filled circle for each selected project, a hollow one otherwise, said in words too.
        launch(BudgetResultsActivity::class.java, Intent().putExtra(BudgetResultsActivity.EXTRA_EDITION, finished.id))
        val results = offMain { app.repository.budgetResults(finished.id) } ?: fail("published")
        val finishedProjects = offMain { app.repository.budgetProjects(finished.id) }.projects
            .filter { BudgetMapView.pointOf(it.location) != null }.map { it.id }.toSet()
        val onMap = results.pools.flatMap { it.projects }.filter { it.project in finishedProjects }
        val selected = onMap.count { it.selected }
        assertTrue(selected > 0 && selected < onMap.size, "some selected, some not: $onMap")
        val resultsMap = map()
        assertEquals(
            "Mapa wyników: wybrane do realizacji $selected (wypełnione koła), niewybrane ${onMap.size - selected} (puste koła).",
            resultsMap.contentDescription,
        )
        waitFor("● wypełnione koło: wybrany do realizacji · ○ puste koło: niewybrany", exact = true)
        TalkBack.check(root, headings = listOf("Wyniki", "Projekty na mapie"))
        scrollToTop(waitFor("Projekty na mapie", exact = true))
        screenshot("budget-results-map")
    }
}
