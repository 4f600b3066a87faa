package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import pl.mmieszkaniec.app.state.HomeModel
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.app.state.SettingsModel
import pl.mmieszkaniec.core.MmException
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

class OfflineAndErrorsTest {
    @Test
    fun `after a sync everything still answers with the server gone`() = runBlocking<Unit> {
        val dir = tempDir()
        val server = TestServer.start()
        openRepository(dir, server.url).use { repo ->
            repo.sync()
            val newsOnline = repo.news()
            server.close()
            assertFalse(server.isAlive)

            assertEquals(newsOnline, repo.news(), "news from the store")
            assertTrue(repo.home().alerts.isNotEmpty())
            assertTrue(repo.upcomingEvents(10).isNotEmpty())
            assertTrue(repo.search("zlobek").isNotEmpty())
            val id = repo.upcomingEvents(1).single().eventId
            assertTrue(repo.eventIcs(id).startsWith("BEGIN:VCALENDAR"))

            val e = assertThrows<MmException.Network> { runBlocking { repo.sync() } }
            assertEquals("network", e.code)
            assertTrue(e.messagePl.isNotBlank() && e.messageEn.isNotBlank())
        }
        // A restart offline reads the same store.
        openRepository(dir, "http://127.0.0.1:1").use { again ->
            assertTrue(again.news().isNotEmpty())
            assertTrue(again.status().deviceRegistered)
        }
    }

    @Test
    fun `a wrong server address is a typed network error, not a crash`() = runBlocking<Unit> {
        openRepository(tempDir(), "http://127.0.0.1:1").use { repo ->
            val e = assertThrows<MmException> { runBlocking { repo.sync() } }
            assertIs<MmException.Network>(e)
            assertEquals("network", e.code)
            assertEquals("network", e.toUserError().code)
            // Nothing synced, nothing broken: the screens answer empty.
            assertTrue(repo.news().isEmpty())
            assertFalse(repo.status().deviceRegistered)
            assertEquals(1u, repo.status().pendingWrites, "registration stays queued")
        }
    }

    @Test
    fun `the home screen shows a failed sync as its error and keeps working`() = runBlocking<Unit> {
        openRepository(tempDir(), "http://127.0.0.1:1").use { repo ->
            val home = HomeModel(repo)
            home.sync()
            val state = home.state.value
            assertFalse(state.syncing)
            assertEquals("network", state.syncError?.code)
            assertIs<Load.Ready<*>>(state.content)
        }
    }

    @Test
    fun `an address that is not http is refused with its own code`() = runBlocking<Unit> {
        val e = assertThrows<MmException.InvalidServerUrl> { openRepository(tempDir(), "ftp://example.org") }
        assertEquals("invalid_server_url", e.code)
        openRepository(tempDir(), "http://127.0.0.1:1").use { repo ->
            val settings = SettingsModel(repo)
            settings.load()
            settings.edit("not a url")
            assertFalse(settings.save())
            assertEquals("invalid_server_url", settings.state.value.saveError?.code)
            assertEquals("http://127.0.0.1:1", repo.status().serverUrl, "unchanged")
            settings.edit("http://127.0.0.1:2/")
            assertTrue(settings.save())
            assertEquals("http://127.0.0.1:2", settings.state.value.status.valueOrNull?.serverUrl)
        }
    }

    @Test
    fun `a missing item is not_found`() = runBlocking<Unit> {
        openRepository(tempDir(), "http://127.0.0.1:1").use { repo ->
            val e = assertThrows<MmException.NotFound> { runBlocking { repo.newsItem(987654) } }
            assertEquals("not_found", e.code)
            val bad = assertThrows<MmException.InvalidInput> { repo.core.eventsBetween("2025-02-30", "2025-03-01") }
            assertEquals("from", bad.field)
        }
    }
}
