package pl.mmieszkaniec.app.screens

import org.junit.Test
import pl.mmieszkaniec.app.ui.HomeActivity
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Home after the first sync with the gmina's server: its alert on top. */
class HomeScreenTest : ScreenTest() {

    @Test
    fun `home shows the demo server's alert after the first sync`() {
        launch(HomeActivity::class.java)
        val alert = waitFor("Komunikat: Przerwa w dostawie wody w Zębicach")
        waitUntil("the sync to finish") { findView("Synchronizacja…") == null }
        waitFor("Najbliższe wydarzenia", exact = true)
        assertTrue(alert.isClickable, "the alert opens the news item")
        TalkBack.check(root, headings = listOf("mMieszkaniec", "Najbliższe wydarzenia", "Aktualności"))
        screenshot("home")

        // The notification channels exist (named in the phone's language) for the notifications to come.
        val channels = app.getSystemService(android.app.NotificationManager::class.java).notificationChannels.associate { it.id to it.name.toString() }
        assertEquals(mapOf("alerts" to "Alerty", "reports" to "Zgłoszenia"), channels)
    }
}
