package pl.mmieszkaniec.app.screens

import android.Manifest
import android.app.Notification
import android.app.NotificationManager
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.NewsActivity
import pl.mmieszkaniec.app.ui.NotificationsActivity
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The core's notifications on the phone: the demo server's two alerts
 * arrive with Home's first sync; the core calls `onNotification` for each,
 * and the app posts them on the alerts channel, but only when the resident
 * lets it. The server's welcome feed (the demo's other broadcasts, sent
 * before this install) joins the inbox unread and is never posted. The inbox lists them, opening one marks it read, opens the news
 * item it points to, and Home's count drops.
 */
class NotificationsScreenTest : ScreenTest() {
    private val manager: NotificationManager get() = app.getSystemService(NotificationManager::class.java)

    private fun posted(): List<Notification> = shadowOf(manager).allNotifications

    private fun syncOnHome(): HomeActivity {
        val home = launch(HomeActivity::class.java)
        waitFor("Komunikat: Przerwa w dostawie wody w Zębicach")
        waitUntil("the sync to finish") { findView("Synchronizacja…") == null }
        return home
    }

    @Test
    fun `a sync that brings an alert posts it on the alerts channel and the inbox reads it`() {
        shadowOf(app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        syncOnHome()

        // Both demo alerts, each once, with the core's title and text.
        val byTitle = posted().associateBy { it.extras.getString(Notification.EXTRA_TITLE) }
        assertEquals(setOf("Przerwa w dostawie wody w Zębicach", "Ostrzeżenie hydrologiczne: wzrost stanu wody na Odrze"), byTitle.keys)
        val water = byTitle.getValue("Przerwa w dostawie wody w Zębicach")
        assertEquals("alerts", water.channelId)
        val text = water.extras.getCharSequence(Notification.EXTRA_TEXT).toString()
        assertTrue(text.startsWith("W związku z przełączeniem sieci wodociągowej"), text)
        assertEquals(NotificationManager.IMPORTANCE_HIGH, manager.getNotificationChannel(water.channelId).importance)
        // A tap opens the inbox.
        val tap = shadowOf(assertNotNull(water.contentIntent)).savedIntent
        assertEquals(NotificationsActivity::class.java.name, tap.component?.className)

        // Home's badge: the core's unread count.
        // Both alerts and the server's welcome feed: the week's other broadcasts,
        // unread in the inbox but never posted (they went before this install).
        click("Powiadomienia (5)", exact = true)
        followTo(NotificationsActivity::class.java)
        waitFor("Nowe: Przerwa w dostawie wody w Zębicach")
        waitFor("Nowe: Ostrzeżenie hydrologiczne")
        waitFor("Nowe: Choinki odbierzemy w styczniu")
        TalkBack.check(root, headings = listOf("Powiadomienia"))
        assertNotNull(findView("Nieprzeczytane. Przerwa w dostawie wody w Zębicach."), "TalkBack hears that it is unread")
        screenshot("notifications")

        // Opening one marks it read and opens the news item it points to.
        click("Nowe: Przerwa w dostawie wody w Zębicach")
        // Marked read on the core's thread first, then the item opens.
        waitUntil("the news item to be opened") { shadowOf(app).peekNextStartedActivity() != null }
        followTo(NewsActivity::class.java)
        waitFor("W związku z przełączeniem sieci wodociągowej")
        leaveScreen()
        waitFor("Przerwa w dostawie wody w Zębicach", exact = true)
        assertEquals(null, findView("Nowe: Przerwa w dostawie wody"), "read now")
        waitFor("Nowe: Ostrzeżenie hydrologiczne")

        // Back on Home the count has dropped.
        leaveScreen()
        waitFor("Powiadomienia (4)", exact = true)
        val badge = findView("Powiadomienia (4)", exact = true)!!
        assertEquals("Powiadomienia, nieprzeczytane: 4", badge.contentDescription?.toString())
        assertEquals(2, posted().size, "nothing posted twice")
    }

    @Test
    fun `nothing is posted without the POST_NOTIFICATIONS grant, yet the inbox has it`() {
        // Robolectric runs Android 16: the run-time permission is not granted by default.
        syncOnHome()
        assertEquals(emptyList(), posted())
        click("Powiadomienia (5)", exact = true)
        followTo(NotificationsActivity::class.java)
        waitFor("Nowe: Przerwa w dostawie wody w Zębicach")
    }

    @Test
    fun `nothing is posted when the resident turned the app's notifications off`() {
        shadowOf(app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        shadowOf(manager).setNotificationsEnabled(false)
        syncOnHome()
        waitFor("Powiadomienia (5)", exact = true)
        assertEquals(emptyList(), posted())
    }
}
