package pl.mmieszkaniec.app.screens

import android.Manifest
import android.app.Notification
import android.app.NotificationManager
import android.service.notification.StatusBarNotification
import kotlinx.coroutines.runBlocking
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import pl.mmieszkaniec.app.state.warsawToday
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.MmApplication
import pl.mmieszkaniec.app.ui.Outbox
import pl.mmieszkaniec.app.ui.TaxDetailActivity
import pl.mmieszkaniec.app.ui.TaxReminderNotifier
import pl.mmieszkaniec.app.ui.TaxesActivity
import pl.mmieszkaniec.core.TaxReminder
import java.time.LocalDate
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertSame
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Due-date reminders of local taxes as the phone's notifications, against a
 * real `mm-server --demo` (its register, the activation code it prints for
 * PD-00001): linked without the notification grant nothing is posted (nor
 * remembered); granted, a sync on a day the core lists instalments for
 * posts exactly the core's list (its title and text, on the tax channel,
 * private on a locked screen), a second sync and the outbox job post
 * nothing again; a tap opens that liability; once the core stops listing
 * one (its date passed) its notification goes; one the resident swiped
 * away is not brought back. The day is pinned to one the core's `taxReminders`
 * names, so the test does not depend on the calendar it runs on.
 */
class TaxRemindersTest : ScreenTest() {
    private val manager: NotificationManager get() = app.getSystemService(NotificationManager::class.java)

    /** The tax reminders showing now, by their tag. */
    private fun shown(): Map<String, StatusBarNotification> =
        manager.activeNotifications.filter { it.tag?.startsWith(TaxReminderNotifier.TAG_PREFIX) == true }.associateBy { it.tag }

    private fun coreList(day: LocalDate): List<TaxReminder> = runBlocking { app.repository.taxReminders(day) }

    /** Fails unless what is shown is the core's list for [day], one notification per instalment. */
    private fun assertShownAreTheCores(day: LocalDate) {
        val listed = coreList(day)
        assertEquals(listed.map(TaxReminderNotifier::tagOf).toSet(), shown().keys, "posted vs the core's taxReminders($day)")
        listed.forEach { r ->
            val n = shown().getValue(TaxReminderNotifier.tagOf(r)).notification
            assertEquals(r.title, n.extras.getString(Notification.EXTRA_TITLE))
            assertEquals(r.body, n.extras.getCharSequence(Notification.EXTRA_TEXT).toString())
        }
    }

    private fun syncOnHome() {
        launch(HomeActivity::class.java)
        waitFor("Komunikat: Przerwa w dostawie wody w Zębicach")
        waitUntil("the sync to finish") { findView("Synchronizacja…") == null }
    }

    @Test
    fun `the core's due instalments posted once each on the tax channel, a tap opens the liability, gone once not listed`() {
        // Linked on the Taxes screen, without the POST_NOTIFICATIONS grant (Android 16's default).
        launch(HomeActivity::class.java)
        click("Podatki i opłaty", exact = true)
        followTo(TaxesActivity::class.java)
        waitFor("Kod aktywacyjny", exact = true)
        type("Kod aktywacyjny", server.activationCode())
        click("Połącz", exact = true)
        waitFor("Należności", exact = true)
        waitUntil("the refresh") { findView("Synchronizacja…") == null }
        // Linked, the app asks for the grant in context.
        waitUntil("the notification permission to be asked for after linking") { shadowOf(current).lastRequestedPermission != null }
        val asked = shadowOf(current).lastRequestedPermission
        assertTrue(Manifest.permission.POST_NOTIFICATIONS in asked.requestedPermissions)
        // The system's dialog; the resident does not answer it yet.
        assertEquals("android.content.pm.action.REQUEST_PERMISSIONS", shadowOf(app).nextStartedActivity?.action)
        assertEquals(emptyMap(), shown(), "nothing posted without the grant")

        // A day on which the core lists instalments within the resident's days (3 by default).
        val start = warsawToday()
        val day = (0L..62L).map(start::plusDays).firstOrNull { coreList(it).isNotEmpty() }
            ?: fail("the demo's PD-00001 has nothing due within ${runBlocking { app.repository.taxReminderDays() }} days of any day in two months")
        val due = coreList(day)
        app.taxReminders.today = { day }

        // Granted now: the next sync (Home's) posts the core's list, each once.
        shadowOf(app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        syncOnHome()
        waitUntil("the reminders to be posted") { shown().isNotEmpty() }
        assertShownAreTheCores(day)
        val channel = manager.getNotificationChannel(MmApplication.CHANNEL_TAXES)
        assertEquals("Przypomnienia o podatkach", channel.name.toString())
        assertEquals(NotificationManager.IMPORTANCE_DEFAULT, channel.importance)
        val first = due.first()
        val tag = TaxReminderNotifier.tagOf(first)
        val posted = shown().getValue(tag).notification
        assertEquals(MmApplication.CHANNEL_TAXES, posted.channelId)
        assertEquals(Notification.VISIBILITY_PRIVATE, posted.visibility, "personal data: hidden on a locked screen")
        assertEquals(Notification.CATEGORY_REMINDER, posted.category)
        assertFalse(posted.extras.getCharSequence(Notification.EXTRA_TEXT).toString().contains("zł"), "no amount in the text")

        // A tap opens that liability.
        val tap = shadowOf(assertNotNull(posted.contentIntent)).savedIntent
        assertEquals(TaxDetailActivity::class.java.name, tap.component?.className)
        assertEquals(first.liability, tap.getStringExtra(TaxDetailActivity.EXTRA_ID))

        // A second sync, and the outbox job's: nothing posted again (the same notifications, not new ones).
        val before = due.associate { TaxReminderNotifier.tagOf(it) to shadowOf(manager).getNotification(TaxReminderNotifier.tagOf(it), TaxReminderNotifier.NOTIFICATION_ID) }
        val allBefore = shadowOf(manager).allNotifications.size
        runBlocking { app.repository.sync() }
        runBlocking { Outbox.send(app.repository) }
        before.forEach { (t, n) ->
            assertSame(n, shadowOf(manager).getNotification(t, TaxReminderNotifier.NOTIFICATION_ID), "$t posted again")
        }
        assertEquals(allBefore, shadowOf(manager).allNotifications.size)
        // The tap's intent as the system would start it: the liability's detail.
        val detail = runBlocking { app.repository.taxLiability(first.liability, warsawToday()) }
        launch(TaxDetailActivity::class.java, tap)
        waitFor("Do zapłaty: " + detail.summary.totalText, exact = true)
        waitFor(detail.summary.taxpayerName, exact = true)

        // The day after the last one's date: the core no longer lists those, their notifications go.
        val later = LocalDate.parse(due.last().effectiveDueDate).plusDays(1)
        app.taxReminders.today = { later }
        runBlocking { app.repository.sync() }
        due.forEach { assertFalse(TaxReminderNotifier.tagOf(it) in shown().keys, "${it.effectiveDueDate} still shown on $later") }
        assertShownAreTheCores(later)

        // Listed again (the day back, as the core answers for it): posted again, as a new reminder.
        app.taxReminders.today = { day }
        runBlocking { app.repository.sync() }
        assertShownAreTheCores(day)
        // Swiped away by the resident: the next sync does not bring it back.
        manager.cancel(tag, TaxReminderNotifier.NOTIFICATION_ID)
        runBlocking { app.repository.sync() }
        assertFalse(tag in shown().keys, "a dismissed reminder posted again")
    }
}

/**
 * The "Przypomnienia o podatkach" channel switched off in the system
 * settings: nothing is posted nor remembered, and once it is back on the
 * next sync posts the core's list. Its own class: the demo's activation
 * code is good for one link, and each class has its own server.
 */
class TaxRemindersChannelOffTest : ScreenTest() {
    private val manager: NotificationManager get() = app.getSystemService(NotificationManager::class.java)

    private fun shown(): Set<String> =
        manager.activeNotifications.mapNotNull { it.tag }.filter { it.startsWith(TaxReminderNotifier.TAG_PREFIX) }.toSet()

    private fun coreList(day: LocalDate): List<TaxReminder> = runBlocking { app.repository.taxReminders(day) }

    @Test
    fun `nothing posted when the resident silenced the tax reminders' channel`() {
        runBlocking {
            app.repository.linkTaxpayer(server.activationCode())
            app.repository.refreshTaxes()
        }
        val start = warsawToday()
        val day = (0L..62L).map(start::plusDays).firstOrNull { coreList(it).isNotEmpty() } ?: fail("nothing due in two months")
        app.taxReminders.today = { day }
        shadowOf(app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        // Switched off in the system settings (the shadow hands out the system's own channel object).
        val channel = manager.getNotificationChannel(MmApplication.CHANNEL_TAXES)
        channel.importance = NotificationManager.IMPORTANCE_NONE
        runBlocking { app.repository.sync() }
        assertEquals(emptySet(), shown())
        // Back on: the next sync posts them (none was remembered as posted).
        channel.importance = NotificationManager.IMPORTANCE_DEFAULT
        runBlocking { app.repository.sync() }
        assertEquals(coreList(day).map(TaxReminderNotifier::tagOf).toSet(), shown())
    }
}
