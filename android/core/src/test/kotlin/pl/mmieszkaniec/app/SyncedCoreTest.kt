package pl.mmieszkaniec.app

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import pl.mmieszkaniec.core.NotificationLink
import pl.mmieszkaniec.core.CoreListener
import pl.mmieszkaniec.core.Notification
import pl.mmieszkaniec.core.Priority
import pl.mmieszkaniec.core.SearchKind
import pl.mmieszkaniec.core.SyncProgress
import pl.mmieszkaniec.core.SyncSummary
import java.time.YearMonth
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The real library through JNA against a real `mm-server --demo`: what a
 * resident's first minute with the app does, screen by screen.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SyncedCoreTest {
    private lateinit var repo: Repository
    private lateinit var firstSync: SyncSummary
    private var registeredBeforeSync = true

    @BeforeAll
    fun syncOnce() = runBlocking<Unit> {
        repo = openRepository(tempDir(), TestServer.shared.url)
        registeredBeforeSync = repo.status().deviceRegistered
        firstSync = repo.sync()
    }

    @AfterAll
    fun close() = repo.close()

    @Test
    fun `the first sync registers the device and fills the store`() = runBlocking<Unit> {
        assertFalse(registeredBeforeSync, "a fresh install is not registered before it syncs")
        val status = repo.status()
        assertTrue(status.deviceRegistered, "registered after sync: $status")
        assertEquals(0u, status.pendingWrites)
        assertNotNull(status.lastSyncAt)
        assertTrue(firstSync.applied > 0u && !firstSync.unchanged, "$firstSync")
        assertTrue(status.newsCount > 0u && status.eventCount > 0u, "$status")
        assertTrue(repo.sync().unchanged, "a second sync brings nothing new")
    }

    @Test
    fun `news lists alerts first and the home screen shows them`() = runBlocking<Unit> {
        val news = repo.news()
        assertTrue(news.size >= 2, "demo news: ${news.size}")
        assertEquals(Priority.ALERT, news.first().priority, "alert first: ${news.map { it.title }}")
        val home = repo.home()
        assertTrue(home.alerts.isNotEmpty() && home.alerts.all { it.priority == Priority.ALERT })
        assertTrue(home.upcoming.isNotEmpty(), "home shows upcoming events")
        assertEquals(news.first().id, repo.newsItem(news.first().id).id)
    }

    @Test
    fun `events list in time order and open in detail`() = runBlocking<Unit> {
        val events = repo.upcomingEvents(100)
        assertTrue(events.size >= 10, "demo events: ${events.size}")
        assertEquals(events.sortedBy { it.startsAtMs }, events)
        val first = events.first()
        val detail = repo.event(first.eventId)
        assertEquals(first.title, detail.event.title)
        val categories = repo.core.categories().map { it.id }
        assertTrue("kultura" in categories && "sport" in categories, "$categories")
        val culture = repo.upcomingEvents(100, "kultura")
        assertTrue(culture.isNotEmpty() && culture.all { it.category == "kultura" })
    }

    @Test
    fun `search without diacritics finds the nursery news`() = runBlocking<Unit> {
        val hits = repo.search("zlobek")
        val news = hits.filter { it.kind == SearchKind.NEWS }
        assertTrue(news.isNotEmpty(), "hits: $hits")
        val item = repo.newsItem(news.first().id)
        assertTrue("żłobek" in (item.title + " " + item.body).lowercase(), item.title)
    }

    @Test
    fun `a month calendar has the days of its events`() = runBlocking<Unit> {
        val next = repo.upcomingEvents(1).single()
        val month = YearMonth.from(next.startDay)
        val view = repo.month(month)
        assertEquals(month.monthValue.toUInt(), view.month)
        assertTrue(view.days.isNotEmpty())
        assertTrue(view.days.any { it.day.toInt() == next.startDay.dayOfMonth && it.count >= 1u }, "$view / ${next.startDay}")
        val onThatDay = repo.eventsOn(next.startDay)
        assertTrue(onThatDay.any { it.eventId == next.eventId })
    }

    @Test
    fun `the ICS of an event is a calendar with its UID`() = runBlocking<Unit> {
        val id = repo.upcomingEvents(1).single().eventId
        val ics = repo.eventIcs(id)
        assertTrue(ics.startsWith("BEGIN:VCALENDAR"), ics.take(80))
        assertTrue("UID:event-$id@" in ics, ics)
        assertTrue(ics.trimEnd().endsWith("END:VCALENDAR"))
    }

    @Test
    fun `a hundred coroutines at once all get answers`() = runBlocking<Unit> {
        val month = YearMonth.from(repo.upcomingEvents(1).single().startDay)
        val answers = withContext(Dispatchers.Default) {
            (0 until 100).map { i ->
                async {
                    // Straight on Default's threads: the core is thread-safe.
                    when (i % 5) {
                        0 -> repo.core.home().alerts.size
                        1 -> repo.core.news().size
                        2 -> repo.core.search("zlobek", 10u).size
                        3 -> repo.core.month(month.year, month.monthValue.toUInt()).days.size
                        else -> repo.core.status().newsCount.toInt()
                    }
                }
            }.awaitAll()
        }
        assertEquals(100, answers.size)
        assertTrue(answers.all { it > 0 }, "$answers")
    }

    @Test
    fun `a listener that throws does not break the sync`() = runBlocking<Unit> {
        val calls = AtomicInteger()
        val throwing = object : CoreListener {
            override fun onSyncProgress(progress: SyncProgress) {
                calls.incrementAndGet()
                throw IllegalStateException("the UI crashed on progress")
            }

            override fun onNotification(notification: Notification) {
                calls.incrementAndGet()
                throw NullPointerException("the UI crashed on a notification")
            }
        }
        openRepository(tempDir(), TestServer.shared.url).use { fresh ->
            val summary = fresh.sync(throwing)
            assertTrue(calls.get() >= 1, "the listener was called")
            assertTrue(summary.applied > 0u)
            assertTrue(fresh.news().isNotEmpty(), "the sync completed")
        }
    }

    @Test
    fun `a listener hears progress and the alerts as notifications`() = runBlocking<Unit> {
        val progress = java.util.concurrent.CopyOnWriteArrayList<SyncProgress>()
        val notified = java.util.concurrent.CopyOnWriteArrayList<Notification>()
        val listener = object : CoreListener {
            override fun onSyncProgress(p: SyncProgress) { progress += p }
            override fun onNotification(notification: Notification) { notified += notification }
        }
        openRepository(tempDir(), TestServer.shared.url).use { fresh ->
            fresh.sync(listener)
            assertTrue(progress.isNotEmpty())
            assertFalse(progress.last().hasMore, "the last page says so")
            assertTrue(notified.any { it.kind == "alert" }, "alerts notify: $notified")
            assertTrue(notified.filter { it.kind == "alert" }.all { it.urgent && it.link is NotificationLink.NewsItem }, "$notified")
            // The server's welcome feed (the demo's broadcasts of the week before
            // this install) is listed unread but rings nothing; the rest rang.
            val listed = fresh.core.notifications()
            assertEquals(notified.map { it.id }.toSet(), listed.filter { it.kind != "feed" }.map { it.id }.toSet())
            assertTrue(listed.any { it.kind == "feed" && !it.read }, "the welcome feed is listed: $listed")
        }
    }
}
