package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import pl.mmieszkaniec.app.state.CalendarMonthModel
import pl.mmieszkaniec.app.state.EventDetailModel
import pl.mmieszkaniec.app.state.EventsModel
import pl.mmieszkaniec.app.state.HomeModel
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.app.state.NewsModel
import pl.mmieszkaniec.app.state.SearchModel
import pl.mmieszkaniec.core.Priority
import java.time.YearMonth
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The screens' state holders over a synced core: what each screen renders. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StateHoldersTest {
    private lateinit var repo: Repository

    @BeforeAll
    fun sync() = runBlocking<Unit> {
        repo = openRepository(tempDir(), TestServer.shared.url)
        HomeModel(repo).sync()
    }

    @AfterAll
    fun close() = repo.close()

    @Test
    fun `home holds alerts and upcoming events`() = runBlocking<Unit> {
        val home = HomeModel(repo)
        assertIs<Load.Loading>(home.state.value.content)
        home.load()
        val screen = assertNotNull(home.state.value.content.valueOrNull)
        assertTrue(screen.alerts.isNotEmpty() && screen.upcoming.isNotEmpty())
        assertNull(home.state.value.syncError)
    }

    @Test
    fun `news opens an item`() = runBlocking<Unit> {
        val news = NewsModel(repo)
        news.load()
        val list = news.state.value.list.valueOrNull.orEmpty()
        assertEquals(Priority.ALERT, list.first().priority)
        news.open(list.last().id)
        assertEquals(list.last().title, news.state.value.open?.valueOrNull?.title)
        news.open(-1)
        assertEquals("not_found", news.state.value.open?.errorOrNull?.code)
    }

    @Test
    fun `events filter by category and group by day`() = runBlocking<Unit> {
        val events = EventsModel(repo)
        events.load()
        val all = events.state.value.list.valueOrNull.orEmpty()
        assertTrue(all.isNotEmpty())
        assertEquals(all.size, events.state.value.byDay.values.sumOf { it.size })
        events.load("sport")
        val sport = events.state.value.list.valueOrNull.orEmpty()
        assertTrue(sport.isNotEmpty() && sport.all { it.category == "sport" })
    }

    @Test
    fun `event detail gives the calendar insert and the ICS`() = runBlocking<Unit> {
        val id = repo.upcomingEvents(1).single().eventId
        val model = EventDetailModel(repo, id)
        model.load()
        val detail = assertNotNull(model.state.value.detail.valueOrNull)
        val insert = repo.calendarEntry(id)
        assertEquals(detail.event.title, insert.title)
        assertEquals(detail.event.rrule, insert.rrule)
        assertTrue(insert.endMs >= insert.beginMs)
        if (!detail.event.allDay) assertEquals(detail.event.startsAtMs, insert.beginMs)
        else assertEquals(0L, insert.beginMs % 86_400_000L, "all-day at UTC midnight")
        model.loadIcs()
        assertTrue(model.state.value.ics?.valueOrNull.orEmpty().startsWith("BEGIN:VCALENDAR"))
    }

    @Test
    fun `search keeps the query and finds without diacritics`() = runBlocking<Unit> {
        val search = SearchModel(repo)
        search.search("zlobek")
        assertEquals("zlobek", search.state.value.query)
        assertTrue(search.state.value.hits?.valueOrNull.orEmpty().isNotEmpty())
        search.search("   ")
        assertNull(search.state.value.hits)
        search.search("qqqxxyyzz")
        assertEquals(emptyList(), search.state.value.hits?.valueOrNull)
    }

    @Test
    fun `the calendar moves between months and selects a day`() = runBlocking<Unit> {
        val next = repo.upcomingEvents(1).single()
        val cal = CalendarMonthModel(repo, YearMonth.from(next.startDay))
        cal.show()
        assertTrue((cal.state.value.counts[next.startDay.dayOfMonth] ?: 0) >= 1)
        cal.select(next.startDay)
        assertTrue(cal.state.value.dayEvents?.valueOrNull.orEmpty().any { it.eventId == next.eventId })
        cal.next()
        assertEquals(YearMonth.from(next.startDay).plusMonths(1), cal.state.value.month)
        assertIs<Load.Ready<*>>(cal.state.value.days)
        cal.previous()
        assertEquals(YearMonth.from(next.startDay), cal.state.value.month)
    }
}
