package pl.mmieszkaniec.app.screens

import android.content.Intent
import android.provider.CalendarContract
import kotlinx.coroutines.runBlocking
import org.junit.Test
import pl.mmieszkaniec.app.Time
import pl.mmieszkaniec.app.startDay
import pl.mmieszkaniec.app.ui.CalendarActivity
import pl.mmieszkaniec.app.ui.EventDetailActivity
import pl.mmieszkaniec.app.ui.EventsActivity
import pl.mmieszkaniec.app.ui.HomeActivity
import java.time.LocalDate
import java.time.YearMonth
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * Events: the list by day with its category filter, one event with "add to
 * calendar" (the intent the phone's calendar app gets), and the month
 * calendar. The demo's events are dated from today, so the test reads which
 * ones there are from the core, then finds and taps them by their titles.
 */
class EventsScreenTest : ScreenTest() {

    private fun openFromHome(button: String) {
        launch(HomeActivity::class.java)
        waitUntil("the first sync") { findView("Komunikat:") != null && findView("Synchronizacja…") == null }
        click(button, exact = true)
    }

    @Test
    fun `the events list filters by category and an event goes to the phone's calendar`() {
        openFromHome("Wydarzenia")
        followTo(EventsActivity::class.java)
        val upcoming = runBlocking { app.repository.upcomingEvents(100) }.filter { !it.cancelled }
        val chosen = upcoming.firstOrNull { it.recurring && it.category != null } ?: upcoming.first { it.category != null }
        val other = upcoming.first { it.category != chosen.category }
        val firstDay = upcoming.first().startDay
        waitFor(app.repository.core.dayText(firstDay.toString()), exact = true)
        waitFor(other.title, exact = true)
        TalkBack.check(root, headings = listOf("Wydarzenia", app.repository.core.dayText(firstDay.toString())))
        screenshot("events")

        // "Only this category": the other category's events go, the button says it is the one chosen.
        val category = runBlocking { app.repository.eventCategories() }.single { it.id == chosen.category }
        click(category.namePl, exact = true)
        waitUntil("the list to show only ${category.namePl}") { findView(other.title, exact = true) == null }
        waitFor(chosen.title, exact = true)
        assertFalse(checkNotNull(findView(category.namePl, exact = true)).isEnabled, "the chosen category's button")
        assertTrue(checkNotNull(findView("Wszystkie", exact = true)).isEnabled, "\"all\" is offered")
        TalkBack.check(root)

        click(chosen.title, exact = true)
        followTo(EventDetailActivity::class.java)
        waitFor("Dodaj do kalendarza", exact = true)
        waitFor(chosen.whenText)
        TalkBack.check(root, headings = listOf(chosen.title))
        screenshot("event-detail")

        // The calendar app's insert screen, filled from the core's entry (all-day dates, RRULE).
        val entry = runBlocking { app.repository.calendarEntry(chosen.eventId) }
        click("Dodaj do kalendarza", exact = true)
        val insert = nextStartedIntent("add to calendar")
        assertEquals(Intent.ACTION_INSERT, insert.action)
        assertEquals(CalendarContract.Events.CONTENT_URI, insert.data)
        assertEquals(chosen.title, insert.getStringExtra(CalendarContract.Events.TITLE))
        assertEquals(entry.beginMs, insert.getLongExtra(CalendarContract.EXTRA_EVENT_BEGIN_TIME, -1))
        assertEquals(entry.endMs, insert.getLongExtra(CalendarContract.EXTRA_EVENT_END_TIME, -1))
        assertEquals(entry.allDay, insert.getBooleanExtra(CalendarContract.EXTRA_EVENT_ALL_DAY, !entry.allDay))
        assertEquals(entry.rrule, insert.getStringExtra(CalendarContract.Events.RRULE))
        if (chosen.recurring) assertNotNull(entry.rrule, "a recurring event is added with its rule")
        assertEquals("Europe/Warsaw", insert.getStringExtra(CalendarContract.Events.EVENT_TIMEZONE))

        // Shared as a file (calendar and file apps import files, not text).
        click("Udostępnij jako plik .ics", exact = true)
        val ics = sharedFile("share .ics", "text/calendar")
        assertTrue(ics.startsWith("BEGIN:VCALENDAR") && chosen.title.take(20) in ics.replace("\r\n ", ""), ics)
    }

    @Test
    fun `the month calendar shows the days with events and a day's events`() {
        openFromHome("Kalendarz")
        followTo(CalendarActivity::class.java)
        val now = YearMonth.now(Time.ZONE)
        val month = runBlocking { app.repository.month(now) }
        waitFor(month.titleText, exact = true)
        // The demo always has events in the coming weeks; on the 1st, in this month.
        val day = month.days.first()
        waitFor("Dni z wydarzeniami", exact = true)
        click(day.text, exact = true)
        val onDay = runBlocking { app.repository.eventsOn(LocalDate.of(now.year, now.month, day.day.toInt())) }
        waitFor(onDay.first().title, exact = true)
        TalkBack.check(root, headings = listOf(month.titleText, "Dni z wydarzeniami"))
        screenshot("calendar")

        click("Następny miesiąc", exact = true)
        val next = runBlocking { app.repository.month(now.plusMonths(1)) }
        waitFor(next.titleText, exact = true)
        TalkBack.check(root, headings = listOf(next.titleText))
    }
}
