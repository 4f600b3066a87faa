package pl.mmieszkaniec.app.screens

import android.Manifest
import android.widget.Switch
import kotlinx.coroutines.runBlocking
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import pl.mmieszkaniec.app.ui.NotificationSettingsActivity
import pl.mmieszkaniec.app.ui.NotificationsActivity
import pl.mmieszkaniec.app.ui.SettingsActivity
import pl.mmieszkaniec.core.NotificationTopic
import pl.mmieszkaniec.core.SubscriptionState
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * Notification settings (issue 16) against the demo server: the core's
 * switches, alerts on and locked with the core's sentence under them, and
 * turning news off queued through the outbox, sent, and read back.
 */
class NotificationSettingsScreenTest : ScreenTest() {

    private fun switchReading(label: String): Switch =
        shownViews().filterIsInstance<Switch>().single { it.text.toString() == label }

    @Test
    fun `alerts stay on and locked, and news off goes through the outbox and reads back`() {
        shadowOf(app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        // The first sync registers the device, so the outbox can send the subscription.
        runBlocking { app.repository.sync() }
        launch(SettingsActivity::class.java)
        click("Ustawienia powiadomień", exact = true)
        followTo(NotificationSettingsActivity::class.java)

        waitFor("Aktualności", exact = true)
        val alerts = switchReading("Alerty")
        assertTrue(alerts.isChecked, "alerts are on")
        assertFalse(alerts.isEnabled, "alerts cannot be switched off")
        // The core's sentence, not the app's.
        val note = runBlocking { app.repository.notificationSettings() }.alertsNote
        assertTrue(note.startsWith("Alertów"), note)
        waitFor(note, exact = true)
        waitFor("Powiadomienia push nie są włączone", exact = true)
        TalkBack.check(root, headings = listOf("Ustawienia powiadomień", "Tematy", "Cisza nocna", "Powiadomienia push"))
        screenshot("notification-settings")

        val news = switchReading("Aktualności")
        assertTrue(news.isChecked, "news on by default")
        news.performClick()
        idleMain()
        assertFalse(news.isChecked)
        click("Zapisz ustawienia", exact = true)
        // Queued in the outbox, then sent: the core says so once the server took it.
        waitUntil("the server to take the edit", timeoutMs = 30_000) {
            runBlocking { app.repository.notificationSettings() }.let { s ->
                s.state == SubscriptionState.SYNCED && s.topics.none { it.topic == NotificationTopic.NEWS && it.on }
            }
        }
        waitFor("Zapisane na serwerze", exact = true)

        val saved = runBlocking { app.repository.notificationSettings() }
        assertEquals(SubscriptionState.SYNCED, saved.state)
        assertFalse(saved.topics.single { it.topic == NotificationTopic.NEWS }.on, "news off, read back from the core")
        assertTrue(saved.topics.single { it.topic == NotificationTopic.ALERTS }.on, "alerts still on")
        waitUntil("the switch read back off") { !switchReading("Aktualności").isChecked }
        screenshot("notification-settings-saved")
    }

    @Test
    fun `the inbox leads to the settings`() {
        launch(NotificationsActivity::class.java)
        click("Ustawienia powiadomień", exact = true)
        followTo(NotificationSettingsActivity::class.java)
        waitFor("Alerty", exact = true)
    }

    @Test
    fun `without the grant the screen asks for it`() {
        launch(NotificationSettingsActivity::class.java)
        waitFor("Zezwól na powiadomienia", exact = true)
    }
}
