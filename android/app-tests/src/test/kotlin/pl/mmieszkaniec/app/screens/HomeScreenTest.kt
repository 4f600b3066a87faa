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
        assertEquals(mapOf("alerts" to "Alerty", "reports" to "Zgłoszenia", "general" to "Ogólne", "waste" to "Odbiór odpadów", "tax_reminders" to "Przypomnienia o podatkach"), channels)
    }

    @Test
    fun `the launcher shows the app's own icon, not the system's default`() {
        val info = app.packageManager.getApplicationInfo(app.packageName, 0)
        assertTrue(info.icon != 0, "the manifest names an icon")
        // The icon as the launcher loads it from the manifest's resource id (Robolectric's
        // PackageManager.getApplicationIcon hands every app the system's default).
        val icon = app.getDrawable(info.icon)!!
        val size = 192 // xxxhdpi launcher size
        val bitmap = android.graphics.Bitmap.createBitmap(size, size, android.graphics.Bitmap.Config.ARGB_8888)
        icon.setBounds(0, 0, size, size)
        icon.draw(android.graphics.Canvas(bitmap))
        val dir = java.io.File(System.getProperty("mm.screenshots.dir") ?: "target/screenshots").apply { mkdirs() }
        java.io.File(dir, "icon.png").outputStream().use { bitmap.compress(android.graphics.Bitmap.CompressFormat.PNG, 100, it) }
        // The app's blue square with a white "M": blue near a corner, white on the M's left stroke.
        assertEquals(0xFF0B4F8A.toInt(), bitmap.getPixel(size / 8, size / 8), "the icon's background")
        assertEquals(android.graphics.Color.WHITE, bitmap.getPixel(size * 13 / 48, size / 2), "the M")
        bitmap.recycle()
    }
}
