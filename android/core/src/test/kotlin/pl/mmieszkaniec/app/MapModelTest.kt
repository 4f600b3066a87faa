package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.app.state.MapModel
import pl.mmieszkaniec.app.state.MapState
import pl.mmieszkaniec.app.state.MyReportsModel
import pl.mmieszkaniec.app.state.ReportFlow
import pl.mmieszkaniec.core.ReportStep
import pl.mmieszkaniec.core.AccessNeed
import pl.mmieszkaniec.core.BoundingBox
import pl.mmieszkaniec.core.Layer
import pl.mmieszkaniec.core.LocationSource
import pl.mmieszkaniec.core.MyReportState
import pl.mmieszkaniec.core.PlaceSummary
import pl.mmieszkaniec.core.Wheelchair
import java.time.ZoneId
import java.time.ZonedDateTime
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The map screen's state holder as the Android screen drives it: the real
 * core through the bindings (JNA), synced from a real `mm-server --demo`.
 * Toggles, needs, "open now" at a chosen instant, pan and zoom, search, the
 * place card in words, and a barrier report started from the card and sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MapModelTest {
    private lateinit var repo: Repository
    private val warsaw = ZoneId.of("Europe/Warsaw")

    /** A Tuesday, 10:00 and 20:00 in Siechnice. */
    private val tuesday10 = ZonedDateTime.of(2027, 1, 5, 10, 0, 0, 0, warsaw).toInstant().toEpochMilli()
    private val tuesday20 = ZonedDateTime.of(2027, 1, 5, 20, 0, 0, 0, warsaw).toInstant().toEpochMilli()

    @BeforeAll
    fun sync() = runBlocking<Unit> {
        repo = openRepository(tempDir(), TestServer.shared.url)
        repo.sync()
    }

    @AfterAll
    fun close() = repo.close()

    private fun MapState.placeList(): List<PlaceSummary> = assertNotNull(places.valueOrNull, "places: $places")

    private fun BoundingBox.contains(p: PlaceSummary) =
        p.point.lat in minLat..maxLat && p.point.lon in minLon..maxLon

    @Test
    fun `before a sync the map says there is no data, and a sync shows the gmina`() = runBlocking<Unit> {
        openRepository(tempDir(), TestServer.shared.url).use { fresh ->
            val map = MapModel(fresh)
            map.load()
            assertTrue(map.state.value.noData, "${map.state.value}")
            assertEquals(emptyList(), map.state.value.places.valueOrNull)
            map.sync()
            assertNull(map.state.value.syncError)
            assertFalse(map.state.value.noData)
            assertEquals(fresh.gminaBbox(), map.state.value.box)
            assertTrue(map.state.value.placeList().size >= 50, "${map.state.value.placeList().size}")
        }
    }

    @Test
    fun `the first view shows the whole gmina with its places and bike paths`() = runBlocking<Unit> {
        val map = MapModel(repo)
        map.load()
        val s = map.state.value
        assertEquals(repo.gminaBbox(), s.box)
        val places = s.placeList()
        assertTrue(places.size >= 50, "the demo's places: ${places.size}")
        assertTrue(places.none { it.layer == Layer.BIKE_PATHS }, "bike paths are drawn as lines, not markers")
        assertEquals(setOf(Layer.INFRASTRUCTURE, Layer.ATTRACTIONS, Layer.MONUMENTS), places.map { it.layer }.toSet())
        val paths = assertNotNull(s.bikePaths.valueOrNull)
        assertTrue(paths.size >= 3 && paths.all { it.points.size >= 2 && it.lengthM > 0 }, "$paths")
        assertFalse(s.noData)
    }

    @Test
    fun `layer toggles switch markers and bike paths`() = runBlocking<Unit> {
        val map = MapModel(repo)
        map.load()
        val all = map.state.value.placeList()
        map.setLayer(Layer.INFRASTRUCTURE, false)
        map.setLayer(Layer.ATTRACTIONS, false)
        val monuments = map.state.value.placeList()
        assertTrue(monuments.size >= 4 && monuments.all { it.layer == Layer.MONUMENTS }, "$monuments")
        assertEquals(all.filter { it.layer == Layer.MONUMENTS }.map { it.id }.toSet(), monuments.map { it.id }.toSet())

        map.setLayer(Layer.BIKE_PATHS, false)
        assertEquals(emptyList(), map.state.value.bikePaths.valueOrNull)
        map.setLayer(Layer.MONUMENTS, false)
        // Nothing switched on means nothing shown (not "any layer").
        assertEquals(emptyList(), map.state.value.places.valueOrNull)
        map.setLayer(Layer.BIKE_PATHS, true)
        assertTrue(map.state.value.bikePaths.valueOrNull.orEmpty().size >= 3)
        assertEquals(emptyList(), map.state.value.places.valueOrNull)
    }

    @Test
    fun `I need step-free entry and an accessible toilet`() = runBlocking<Unit> {
        val map = MapModel(repo)
        map.load()
        val all = map.state.value.placeList()
        map.setNeed(AccessNeed.STEP_FREE, true)
        val stepFree = map.state.value.placeList()
        assertTrue(stepFree.isNotEmpty() && stepFree.size < all.size, "${stepFree.size} of ${all.size}")
        assertTrue(stepFree.none { it.wheelchair == Wheelchair.NO || it.wheelchair == Wheelchair.UNKNOWN && AccessNeed.STEP_FREE !in it.needsMet })
        map.setNeed(AccessNeed.ACCESSIBLE_TOILET, true)
        val both = map.state.value.placeList()
        assertTrue(both.isNotEmpty() && both.size <= stepFree.size, "${both.size}")
        assertTrue(both.all { AccessNeed.STEP_FREE in it.needsMet && AccessNeed.ACCESSIBLE_TOILET in it.needsMet }, "$both")
        assertEquals(setOf(AccessNeed.STEP_FREE, AccessNeed.ACCESSIBLE_TOILET), map.state.value.needs)
        // The places left out are exactly those the core says do not meet both.
        val leftOut = all.filter { p -> both.none { it.id == p.id } }
        assertTrue(leftOut.all { AccessNeed.STEP_FREE !in it.needsMet || AccessNeed.ACCESSIBLE_TOILET !in it.needsMet })
        map.setNeed(AccessNeed.STEP_FREE, false)
        map.setNeed(AccessNeed.ACCESSIBLE_TOILET, false)
        assertEquals(all.map { it.id }, map.state.value.placeList().map { it.id })
    }

    @Test
    fun `open now follows the clock`() = runBlocking<Unit> {
        var clock = tuesday10
        val map = MapModel(repo, now = { clock })
        map.load()
        val hall = map.state.value.placeList().first { it.category == "town_hall" }
        assertNull(hall.openNow, "no open-now filter, no answer")
        map.setOpenNow(true)
        val open = map.state.value.placeList()
        assertTrue(open.any { it.id == hall.id }, "the town hall is open on Tuesday at 10")
        assertTrue(open.all { it.openNow == true }, "$open")
        clock = tuesday20
        map.refresh()
        assertTrue(map.state.value.placeList().none { it.id == hall.id }, "closed at 20:00")
        map.select(hall.id)
        val card = assertNotNull(map.state.value.selected?.valueOrNull)
        assertEquals(false, card.openNow, "the card is evaluated on the same clock")
        assertTrue(card.card[2].text.startsWith("Teraz zamknięte (dziś "), "${card.card}")
    }

    @Test
    fun `zooming in keeps the centre and shows only what is inside, panning moves the box`() = runBlocking<Unit> {
        val map = MapModel(repo)
        map.load()
        val gmina = assertNotNull(map.state.value.box)
        val all = map.state.value.placeList()
        map.zoomIn()
        map.zoomIn()
        val zoomed = assertNotNull(map.state.value.box)
        assertEquals((gmina.maxLat - gmina.minLat) / 4, zoomed.maxLat - zoomed.minLat, 1e-9)
        assertEquals((gmina.minLon + gmina.maxLon) / 2, (zoomed.minLon + zoomed.maxLon) / 2, 1e-9)
        val inside = map.state.value.placeList()
        assertTrue(inside.size < all.size, "${inside.size} of ${all.size}")
        assertTrue(inside.filter { !it.isLine }.all { zoomed.contains(it) }, "markers lie in the box")
        assertEquals(all.filter { !it.isLine && zoomed.contains(it) }.map { it.id }.toSet(), inside.filter { !it.isLine }.map { it.id }.toSet())

        map.pan(east = 0.5)
        val panned = assertNotNull(map.state.value.box)
        assertEquals(zoomed.minLon + (zoomed.maxLon - zoomed.minLon) / 2, panned.minLon, 1e-9)
        assertEquals(zoomed.minLat, panned.minLat, 1e-9)
        assertTrue(map.state.value.placeList().filter { !it.isLine }.all { panned.contains(it) })
        map.zoomOut()
        assertEquals((panned.maxLat - panned.minLat) * 2, map.state.value.box!!.let { it.maxLat - it.minLat }, 1e-9)
    }

    @Test
    fun `a reversed box is shown as an error naming the box`() = runBlocking<Unit> {
        val map = MapModel(repo)
        map.load()
        map.setBox(BoundingBox(52.0, 17.0, 51.0, 18.0))
        val error = assertNotNull(map.state.value.places.errorOrNull)
        assertEquals("invalid_input", error.code)
        assertEquals("bbox", error.field)
        assertTrue(error.messagePl.isNotBlank())
    }

    @Test
    fun `search without Polish letters opens the church's card and centres the map on it`() = runBlocking<Unit> {
        val map = MapModel(repo)
        map.load()
        map.zoom(8.0)
        map.search("swietej katarzyny")
        val hits = assertNotNull(map.state.value.hits?.valueOrNull)
        val church = assertNotNull(hits.firstOrNull { it.name.startsWith("Kościół") }, "${hits.map { it.name }}")
        map.showOnMap(church)
        val card = assertNotNull(map.state.value.selected?.valueOrNull)
        assertEquals(church.id, card.id)
        val box = assertNotNull(map.state.value.box)
        assertEquals(church.point.lat, (box.minLat + box.maxLat) / 2, 1e-9)
        assertEquals(church.point.lon, (box.minLon + box.maxLon) / 2, 1e-9)
        assertTrue(map.state.value.placeList().any { it.id == church.id }, "the church is on the map")
        val words = card.card.map { it.text }
        assertEquals(card.name, words.first())
        assertTrue(card.monumentRegisterNumber == null || words.any { it.contains(card.monumentRegisterNumber!!) })
        map.search("")
        assertNull(map.state.value.hits)
        map.closeCard()
        assertNull(map.state.value.selected)
        map.select(-1)
        assertEquals("not_found", map.state.value.selected?.errorOrNull?.code)
    }

    @Test
    fun `the town hall's card reads accessibility in words, unknown as no data`() = runBlocking<Unit> {
        val map = MapModel(repo, now = { tuesday10 })
        map.load()
        val hall = map.state.value.placeList().first { it.category == "town_hall" }
        map.select(hall.id)
        val card = assertNotNull(map.state.value.selected?.valueOrNull)
        val words = card.card.map { it.text }
        assertEquals(listOf(card.name, card.categoryNamePl), words.take(2))
        assertTrue(words[2].startsWith("Otwarte teraz"), words[2])
        assertTrue(words.contains("Dostępne dla wózków"), "$words")
        assertTrue(words.any { it.startsWith("Toaleta dla osób z niepełnosprawnościami: tak") }, "$words")
        assertTrue(words.any { it.startsWith("Pętla indukcyjna: tak") }, "$words")
        assertTrue(words.any { it.startsWith("Dla osób na wózku: Wejście główne bez progów") }, "$words")
        assertTrue(words.any { it.startsWith("Dla osób głuchych: Pętla indukcyjna") }, "$words")
        // The core speaks the language of its locale: an English phone's core.
        val english = openRepository(tempDir(), TestServer.shared.url, locale = "en-GB").use { en ->
            en.sync()
            en.place(card.id, tuesday10).card.map { it.text }
        }
        assertTrue(english.any { it.startsWith("For wheelchair users: Step-free main entrance") }, "$english")
        assertTrue(english.any { it.startsWith("For deaf people: ") }, "Polish when there is no English note: $english")

        // A place with no wheelchair data says so, never yes or no.
        val unknown = map.state.value.placeList().first { it.wheelchair == Wheelchair.UNKNOWN }
        map.select(unknown.id)
        val unknownCard = assertNotNull(map.state.value.selected?.valueOrNull)
        assertTrue(unknownCard.card.map { it.text }.contains("Dostępność dla wózków: brak danych"), "${unknownCard.card}")
        assertTrue(unknown.spokenText.contains("brak danych"))
    }

    @Test
    fun `a barrier report from the town hall's card is pinned there and sent`() = runBlocking<Unit> {
        TestServer.start().use { server ->
            openRepository(tempDir(), server.url).use { own ->
                val map = MapModel(own)
                map.sync()
                val hall = map.state.value.placeList().first { it.category == "town_hall" }
                assertNull(map.state.value.barrierPlaceId, "no card, no report")
                map.select(hall.id)
                val card = assertNotNull(map.state.value.selected?.valueOrNull)
                val placeId = assertNotNull(map.state.value.barrierPlaceId)
                assertEquals(card.id, placeId)

                val flow = ReportFlow(own)
                flow.loadCategories()
                flow.startBarrierReport(placeId)
                val s = flow.state.value
                assertNull(s.error, "${s.error}")
                assertEquals(ReportStep.LOCATION, s.step, "the resident confirms the pin first")
                val draft = assertNotNull(s.draft)
                assertEquals("barrier", draft.category)
                assertEquals("Bariera architektoniczna", s.category?.namePl)
                assertEquals(card.point, draft.point)
                assertEquals(LocationSource.PIN, draft.locationSource)
                assertNull(draft.accuracyM)
                assertEquals(card.name, draft.description)
                assertEquals(card.address ?: card.name, draft.address)

                // The resident completes the description and sends it.
                flow.next()
                assertEquals(ReportStep.PHOTOS, flow.state.value.step)
                flow.next()
                assertEquals(ReportStep.DESCRIPTION, flow.state.value.step, "barriers have no questions")
                flow.setDescription("${card.name}: boczne wejście zastawione rowerami, brak przejazdu dla wózka.", draft.address)
                flow.next()
                val review = assertNotNull(flow.state.value.review?.valueOrNull)
                assertNull(review.problem, "${review.problem}")
                val queued = assertNotNull(flow.submit(), "${flow.state.value.error}")
                assertEquals("barrier", queued.category)

                val mine = MyReportsModel(own)
                mine.sync()
                val sent = mine.state.value.reports.valueOrNull!!.single()
                assertEquals(MyReportState.SENT, sent.state)
                val onServer = assertNotNull(sent.report)
                assertEquals(card.point.lat, onServer.point.lat, 1e-6)
                assertEquals(card.point.lon, onServer.point.lon, 1e-6)
                assertTrue(sent.description.startsWith(card.name))
            }
        }
    }
}
