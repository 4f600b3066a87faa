package pl.mmieszkaniec.app.screens

import org.junit.Test
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.NewsActivity
import kotlin.test.assertNotNull

/** From Home to the news list, and one item opened from it. */
class NewsScreenTest : ScreenTest() {

    @Test
    fun `the news list opens an item`() {
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Komunikat:") != null && findView("Synchronizacja…") == null }
        click("Aktualności", exact = true)
        followTo(NewsActivity::class.java)

        // Alerts first (as banners), then the rest as rows read in one sentence.
        waitFor("Komunikat: Przerwa w dostawie wody w Zębicach")
        waitFor("Ruszył nabór projektów do budżetu obywatelskiego")
        TalkBack.check(root, headings = listOf("Aktualności"))
        screenshot("news-list")

        click("Ruszył nabór projektów do budżetu obywatelskiego")
        waitFor("Formularze są dostępne w Urzędzie Miejskim")
        assertNotNull(findView("Ruszył nabór projektów do budżetu obywatelskiego", exact = true), "the item's title")
        TalkBack.check(root, headings = listOf("Ruszył nabór projektów do budżetu obywatelskiego"))
        screenshot("news-item")
    }
}
