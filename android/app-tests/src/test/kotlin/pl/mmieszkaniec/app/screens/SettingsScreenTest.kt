package pl.mmieszkaniec.app.screens

import android.view.View
import android.widget.EditText
import org.junit.Test
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.SettingsActivity
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Settings: the server's address and the sync status, and a wrong address refused. */
class SettingsScreenTest : ScreenTest() {

    @Test
    fun `settings show the server and the sync status`() {
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Komunikat:") != null && findView("Synchronizacja…") == null }
        click("Ustawienia", exact = true)
        followTo(SettingsActivity::class.java)

        waitFor("Serwer: ${server.url}", exact = true)
        waitFor("Urządzenie zarejestrowane", exact = true)
        waitFor("Zmiany czekające na wysłanie: 0", exact = true)
        val field = shownViews().filterIsInstance<EditText>().single()
        waitUntil("the address in the field") { field.text.toString() == server.url }
        assertEquals("Adres serwera gminy", labelOf(field), "the field is labelled for TalkBack")
        TalkBack.check(root, headings = listOf("Ustawienia", "Stan"))
        screenshot("settings")

        // The core decides what an address is; the screen says why it refused.
        type("Adres serwera gminy", "ftp://siechnice.pl")
        click("Zapisz adres", exact = true)
        val error = waitFor("Nieprawidłowy adres serwera")
        assertEquals(View.ACCESSIBILITY_LIVE_REGION_ASSERTIVE, error.accessibilityLiveRegion, "the error is announced")
        assertTrue(findView("Serwer: ${server.url}", exact = true) != null, "the saved address is unchanged")
    }

    /** An English phone: the app's words and the core's (dates, errors) in English, none left in Polish. */
    @Test
    @org.robolectric.annotation.Config(qualifiers = "en-rGB-w400dp-h860dp-xhdpi")
    fun `an English phone gets the screens in English`() {
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Alert:") != null && findView("Syncing…") == null }
        waitFor("Upcoming events", exact = true)
        click("Settings", exact = true)
        followTo(SettingsActivity::class.java)
        waitFor("Server: ${server.url}", exact = true)
        waitFor("Device registered", exact = true)
        val lastSync = waitFor("Last sync: ").reads().first()
        assertTrue(lastSync != "Last sync: never", lastSync)
        TalkBack.check(root, headings = listOf("Settings", "Status"))
        screenshot("settings-en")

        type("Municipality server address", "ftp://siechnice.pl")
        click("Save address", exact = true)
        waitFor("Invalid server address")
    }
}
