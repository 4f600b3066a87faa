package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import pl.mmieszkaniec.app.state.GminaPickerModel
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.GminaChoice
import pl.mmieszkaniec.core.MmException
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The gmina directory, the choice and the switch through the real library
 * and a real `mm-server --demo`. Written to hold for the demo of one gmina
 * (a server without `/gminas` answers as a directory of its one gmina) and
 * for the demo of several (issue 13's server).
 */
class GminasTest {
    /** A second gmina's code (Czernica), chosen without the server knowing it. */
    private val neighbour = "0223032"

    @Test
    fun `a fresh install has no gmina and every screen's call says so`() = runBlocking<Unit> {
        Repository.open(tempDir(), "http://127.0.0.1:1").use { repo ->
            assertEquals(GminaChoice.NotChosen, repo.gminaChoice())
            val e = assertThrows<MmException.GminaNotChosen> { runBlocking { repo.home() } }
            assertEquals("gmina_not_chosen", e.code)
            assertEquals("gmina_not_chosen", e.toUserError().code)
            assertTrue(e.messagePl.isNotBlank() && e.messageEn.isNotBlank())
            assertEquals(null, repo.status().gmina, "Settings still opens")
            // Never seen a directory and offline: a network error, not an empty list.
            assertIs<MmException.Network>(assertThrows<MmException> { runBlocking { repo.gminas("") } })
            val bad = assertThrows<MmException.InvalidInput> { runBlocking { repo.chooseGmina("12345") } }
            assertEquals("teryt", bad.field)
        }
    }

    @Test
    fun `the directory finds the demo gmina by name without Polish letters and by location, and keeps it for offline`() =
        runBlocking<Unit> {
            val server = TestServer.start()
            val dir = tempDir()
            try {
                Repository.open(dir, server.url).use { repo ->
                    val all = repo.gminas("")
                    assertFalse(all.offline)
                    val siechnice = assertNotNull(all.gminas.find { it.teryt == DEMO_GMINA }, "$all")
                    assertTrue(repo.gminas("SIECHN").gminas.any { it.teryt == DEMO_GMINA })
                    assertTrue(repo.gminasAt(siechnice.center).gminas.any { it.teryt == DEMO_GMINA })
                    assertTrue(repo.gminasAt(GeoPoint(54.35, 18.65)).gminas.none { it.teryt == DEMO_GMINA }, "Gdańsk")
                }
                server.close()
                Repository.open(dir, server.url).use { repo ->
                    val offline = repo.gminas("siechnice")
                    assertTrue(offline.offline)
                    assertEquals(listOf(DEMO_GMINA), offline.gminas.map { it.teryt })
                }
            } finally {
                server.close()
            }
        }

    @Test
    fun `switching keeps each gmina's data and the choice survives a restart`() = runBlocking<Unit> {
        val server = TestServer.start()
        val dir = tempDir()
        try {
            Repository.open(dir, server.url).use { repo ->
                assertIs<GminaChoice.Chosen>(repo.chooseGmina(DEMO_GMINA))
                repo.sync()
                val news = repo.news()
                assertTrue(news.isNotEmpty())
                assertEquals(DEMO_GMINA, repo.status().gmina)
                assertTrue(repo.core.calendarFeed(null).url.endsWith("calendar.ics?gmina=$DEMO_GMINA"))

                val other = assertIs<GminaChoice.Chosen>(repo.chooseGmina(neighbour))
                assertEquals(neighbour, other.teryt)
                assertTrue(repo.news().isEmpty(), "the other gmina's store is its own")
                assertEquals(1u, repo.status().pendingWrites, "its own registration, queued")

                repo.chooseGmina(DEMO_GMINA)
                assertEquals(news, repo.news(), "switching back finds Siechnice as it was")
                repo.chooseGmina(neighbour)
            }
            Repository.open(dir, server.url).use { again ->
                assertEquals(neighbour, (again.gminaChoice() as GminaChoice.Chosen).teryt, "remembered")
            }
        } finally {
            server.close()
        }
    }

    @Test
    fun `the picker lists, finds and chooses through the core`() = runBlocking<Unit> {
        Repository.open(tempDir(), TestServer.shared.url).use { repo ->
            val picker = GminaPickerModel(repo)
            picker.load(switching = true)
            assertEquals(GminaChoice.NotChosen, picker.state.value.current)
            val list = assertIs<Load.Ready<*>>(picker.state.value.list)
            assertTrue(list.toString().contains(DEMO_GMINA))
            picker.search("siechnice")
            assertTrue(picker.state.value.list.valueOrNull!!.gminas.any { it.teryt == DEMO_GMINA })
            picker.choose("99")
            assertEquals("invalid_input", picker.state.value.chooseError?.code)
            assertEquals(null, picker.state.value.chosen)
            picker.choose(DEMO_GMINA)
            assertEquals(DEMO_GMINA, picker.state.value.chosen?.teryt)
            assertEquals(DEMO_GMINA, repo.status().gmina)
        }
    }

    @Test
    fun `on first start the deployment's only gmina is chosen without the picker, several wait for the resident`() =
        runBlocking<Unit> {
            Repository.open(tempDir(), TestServer.shared.url).use { repo ->
                val listed = repo.gminas("").gminas
                val picker = GminaPickerModel(repo)
                picker.load(switching = false)
                if (listed.size == 1) {
                    assertEquals(listed.single().teryt, picker.state.value.chosen?.teryt)
                    assertEquals(listed.single().teryt, repo.status().gmina)
                } else {
                    assertEquals(null, picker.state.value.chosen)
                    assertEquals(GminaChoice.NotChosen, repo.gminaChoice())
                    assertEquals(listed.size, picker.state.value.list.valueOrNull?.gminas?.size)
                }
            }
        }

    @Test
    fun `with the demo's neighbour both gminas are listed, found by location, and kept apart on the phone`() = runBlocking<Unit> {
        TestServer.start(neighbour = true).use { server ->
            Repository.open(tempDir(), server.url).use { repo ->
                val all = repo.gminas("").gminas
                assertEquals(setOf(DEMO_GMINA, neighbour), all.map { it.teryt }.toSet())
                assertEquals(listOf(neighbour), repo.gminas("czern").gminas.map { it.teryt })
                val czernica = all.single { it.teryt == neighbour }
                assertEquals(listOf(neighbour), repo.gminasAt(czernica.center).gminas.map { it.teryt })
                // Several: nothing is chosen for the resident.
                assertEquals(GminaChoice.NotChosen, repo.chooseSoleGmina())
                assertIs<MmException.GminaNotChosen>(assertThrows<MmException> { runBlocking { repo.sync() } })

                repo.chooseGmina(neighbour)
                repo.sync()
                val theirs = repo.news().map { it.title }
                repo.chooseGmina(DEMO_GMINA)
                repo.sync()
                val ours = repo.news().map { it.title }
                assertTrue(theirs.isNotEmpty() && ours.isNotEmpty())
                assertTrue(theirs.none { it in ours }, "each gmina's news only: $theirs / $ours")
                assertTrue(repo.core.calendarFeed(null).url.endsWith("?gmina=$DEMO_GMINA"))
            }
        }
    }
}
