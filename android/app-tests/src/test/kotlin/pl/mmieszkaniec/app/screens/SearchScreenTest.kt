package pl.mmieszkaniec.app.screens

import kotlinx.coroutines.runBlocking
import org.junit.Test
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.NewsActivity
import pl.mmieszkaniec.app.ui.SearchActivity
import pl.mmieszkaniec.core.SearchKind
import kotlin.test.assertTrue

/** Search typed without Polish letters finds the nursery news item, and a hit opens it. */
class SearchScreenTest : ScreenTest() {

    @Test
    fun `search without Polish letters finds the news item and opens it`() {
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Komunikat:") != null && findView("Synchronizacja…") == null }
        click("Szukaj", exact = true)
        followTo(SearchActivity::class.java)
        TalkBack.check(root, headings = listOf("Szukaj"))

        type("Szukaj w aktualnościach i wydarzeniach", "zlobek")
        val hit = runBlocking { app.repository.search("zlobek") }.first { it.kind == SearchKind.NEWS }
        assertTrue("łobek" in hit.title.lowercase(), hit.title)
        waitFor(hit.title, exact = true)
        // Only the count is a live region (not every hit).
        waitFor("wynik")
        TalkBack.check(root, headings = listOf("Szukaj"))
        screenshot("search")

        click(hit.title, exact = true)
        followTo(NewsActivity::class.java)
        waitFor(hit.title, exact = true)
        TalkBack.check(root, headings = listOf(hit.title))
    }
}
