package pl.mmieszkaniec.app.screens

import android.app.AlarmManager
import android.content.Intent
import kotlinx.coroutines.runBlocking
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.WasteActivity
import pl.mmieszkaniec.app.ui.WasteRemindersRestore
import kotlin.test.assertTrue

/**
 * The waste schedule against the demo server: ul. Kolejowa 5 in Siechnice
 * gets its zone and next collections; ul. Szkolna 1 without the building
 * type gets the core's question; "szklo" finds the glass items offline;
 * the core's reminders become alarms, set again after a reboot.
 */
class WasteScreenTest : ScreenTest() {

    @Test
    fun `an address gets its collections, a block needs its type, the dictionary answers, reminders are alarms`() {
        runBlocking { app.repository.sync() }
        launch(HomeActivity::class.java)
        click("Odpady", exact = true)
        followTo(WasteActivity::class.java)
        waitFor("Dodaj adres, aby zobaczyć terminy odbioru.", exact = true)

        type("Miejscowość", "Siechnice")
        type("Ulica (jeśli jest)", "ul. Kolejowa")
        type("Numer domu", "5")
        click("Dodaj", exact = true)
        // The next pickups with the fraction's Polish name and the core's "when".
        waitFor("Odpady zmieszane: ", timeoutMs = 30_000)
        TalkBack.check(root, headings = listOf("Odpady"))
        screenshot("waste")

        // The address's dates as an .ics file, from the core's stored schedule.
        click("Terminy do kalendarza (.ics)", exact = true)
        val ics = sharedFile("share the waste .ics", "text/calendar")
        assertTrue(ics.startsWith("BEGIN:VCALENDAR") && "BEGIN:VEVENT" in ics && "Odpady zmieszane" in ics.replace("\r\n ", ""), ics.take(400))

        // A block of flats on Szkolna: the zone depends on the building type; the core asks.
        type("Ulica (jeśli jest)", "Szkolna")
        type("Numer domu", "1")
        click("Dodaj", exact = true)
        waitFor("rodzaj zabudowy", timeoutMs = 30_000)
        screenshot("waste-building-type")

        type("Czego szukasz, np. słoik", "szklo")
        click("Szukaj", exact = true)
        waitFor("Szkło", timeoutMs = 10_000)
        screenshot("waste-search")

        // Reminders: the core's instants scheduled as alarms.
        val alarms = shadowOf(app.getSystemService(AlarmManager::class.java))
        waitUntil("the reminders to be scheduled") { alarms.scheduledAlarms.isNotEmpty() }
        val expected = runBlocking {
            val now = System.currentTimeMillis()
            app.repository.wasteReminders(now, now + 14L * 24 * 3600 * 1000)
        }
        assertTrue(expected.isNotEmpty(), "the core has reminders for the next two weeks")
        assertTrue(alarms.scheduledAlarms.map { it.triggerAtTime }.toSet().containsAll(expected.map { it.atMs }), "an alarm per reminder")

        // A reboot clears every alarm: BOOT_COMPLETED sets them again from the
        // core's list; a broadcast of any other action changes nothing.
        val manager = app.getSystemService(AlarmManager::class.java)
        alarms.scheduledAlarms.toList().forEach { manager.cancel(it.operation) }
        assertTrue(alarms.scheduledAlarms.isEmpty(), "rebooted")
        WasteRemindersRestore().onReceive(app, Intent("pl.example.FAKE_BOOT"))
        Thread.sleep(300)
        assertTrue(alarms.scheduledAlarms.isEmpty(), "not for another action")
        WasteRemindersRestore().onReceive(app, Intent(Intent.ACTION_BOOT_COMPLETED))
        waitUntil("the reminders to be set again") { alarms.scheduledAlarms.size >= expected.size }
        assertTrue(alarms.scheduledAlarms.map { it.triggerAtTime }.toSet().containsAll(expected.map { it.atMs }), "every reminder back")
    }
}
