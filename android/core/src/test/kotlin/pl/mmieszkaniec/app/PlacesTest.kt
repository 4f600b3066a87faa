package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import pl.mmieszkaniec.core.AccessNeed
import pl.mmieszkaniec.core.BoundingBox
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.Layer
import pl.mmieszkaniec.core.MmCore
import pl.mmieszkaniec.core.MmException
import pl.mmieszkaniec.core.PlaceFilter
import pl.mmieszkaniec.core.Tri
import pl.mmieszkaniec.core.Wheelchair
import java.time.ZoneId
import java.time.ZonedDateTime
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The map through the real library (JNA) after a sync from a real
 * `mm-server --demo`: the gmina's box with an accessibility need, nearest
 * places, search without Polish letters, a place's card with "open now",
 * and bike paths with their lengths.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlacesTest {
    private lateinit var core: MmCore
    private lateinit var gminaBox: BoundingBox
    private val warsaw = ZoneId.of("Europe/Warsaw")
    private val siechnice = GeoPoint(51.0335, 17.15)

    @BeforeAll
    fun syncOnce() = runBlocking<Unit> {
        core = openCore(TestServer.shared.url)
        val summary = core.sync(null, null)
        assertEquals(0u, summary.skipped, "places are applied, not skipped: $summary")
        gminaBox = assertNotNull(core.gminaBbox(), "the gmina's box after sync")
    }

    @AfterAll
    fun close() = core.close()

    private fun ms(y: Int, m: Int, d: Int, h: Int, min: Int = 0): Long =
        ZonedDateTime.of(y, m, d, h, min, 0, 0, warsaw).toInstant().toEpochMilli()

    @Test
    fun `step-free in the gmina's box leaves out places whose wheelchair access is no or unknown`() {
        val all = core.placesInBox(gminaBox, PlaceFilter())
        assertTrue(all.size >= 60, "the demo's places: ${all.size}")
        val stepFree = core.placesInBox(gminaBox, PlaceFilter(needs = listOf(AccessNeed.STEP_FREE)))
        assertTrue(stepFree.isNotEmpty() && stepFree.size < all.size, "${stepFree.size} of ${all.size}")
        val ids = stepFree.map { it.id }.toSet()
        for (p in stepFree) {
            assertTrue(AccessNeed.STEP_FREE in p.needsMet, "$p")
            assertTrue(p.wheelchair != Wheelchair.NO, "explicit no is never step-free: ${p.name}")
            if (p.wheelchair != Wheelchair.YES) {
                // Only the entrance data can make it step-free, never a missing tag.
                val a = core.place(p.id, null).accessibility
                assertTrue(a.entranceStepCount == 0u || a.ramp == Tri.YES, "${p.name}: $a")
            }
        }
        val excluded = all.filter { it.id !in ids }
        assertTrue(excluded.any { it.wheelchair == Wheelchair.NO }, "some 'no' places are left out")
        assertTrue(excluded.any { it.wheelchair == Wheelchair.UNKNOWN }, "some 'unknown' places are left out")
        for (p in excluded.filter { it.wheelchair == Wheelchair.UNKNOWN || it.wheelchair == Wheelchair.NO }) {
            assertFalse(AccessNeed.STEP_FREE in p.needsMet, "${p.name}")
        }
        val toilet = core.placesInBox(gminaBox, PlaceFilter(needs = listOf(AccessNeed.STEP_FREE, AccessNeed.ACCESSIBLE_TOILET)))
        assertTrue(toilet.all { it.id in ids && AccessNeed.ACCESSIBLE_TOILET in it.needsMet })
        val monuments = core.placesInBox(gminaBox, PlaceFilter(layers = listOf(Layer.MONUMENTS)))
        assertTrue(monuments.size >= 4 && monuments.all { it.layer == Layer.MONUMENTS }, "$monuments")
    }

    @Test
    fun `the five places nearest Siechnice centre come ordered by distance`() {
        val near = core.nearestPlaces(siechnice, 5u, PlaceFilter())
        assertEquals(5, near.size)
        val d = near.map { assertNotNull(it.distanceM) }
        assertEquals(d.sorted(), d, "nearest first: $d")
        assertTrue(d.last() < 2_000.0, "the centre is busy: $d")
        val farther = core.nearestPlaces(siechnice, 20u, PlaceFilter())
        assertEquals(near.map { it.id }, farther.take(5).map { it.id })
    }

    @Test
    fun `search without Polish letters finds St Catherine's church`() {
        val hits = core.searchPlaces("swietej katarzyny", 20u)
        val church = hits.firstOrNull { it.layer == Layer.MONUMENTS && it.name.startsWith("Kościół") }
        assertNotNull(church, "hits: ${hits.map { it.name }}")
        assertTrue(church.name.contains("Świętej Katarzynie"))
        assertTrue(core.searchPlaces("KOSCIOL SW KATARZ", 20u).any { it.id == church.id }, "case and prefix")
    }

    @Test
    fun `a place's card says open now as its opening hours do`() {
        val hall = core.nearestPlaces(siechnice, 50u, PlaceFilter()).first { it.category == "town_hall" }
        val card = core.place(hall.id, null)
        assertNotNull(card.openingHours, "the town hall has opening hours")
        // A Tuesday at 10:00 and at 20:00, a Sunday, and 3 May (a public holiday, a Monday in 2027).
        val tuesday10 = core.place(hall.id, ms(2027, 1, 5, 10))
        assertEquals(true, tuesday10.openNow, card.openingHours)
        assertTrue(tuesday10.nextChangeMs!! > ms(2027, 1, 5, 10), "closes later that day")
        assertEquals(false, core.place(hall.id, ms(2027, 1, 5, 20)).openNow)
        assertEquals(false, core.place(hall.id, ms(2027, 1, 3, 10)).openNow)
        assertEquals(false, core.place(hall.id, ms(2027, 5, 3, 10)).openNow, "PH off on 3 May")
        assertEquals(true, core.place(hall.id, ms(2027, 5, 4, 10)).openNow)
        // The filter and the card agree about the same instant.
        val at = ms(2027, 1, 5, 10)
        val openThen = core.placesInBox(gminaBox, PlaceFilter(openAtMs = at)).map { it.id }
        assertTrue(hall.id in openThen)
        assertTrue(openThen.all { core.place(it, at).openNow == true })
        // Now, whatever the clock says, the card is consistent with the box query.
        val now = System.currentTimeMillis()
        val openNow = core.placesInBox(gminaBox, PlaceFilter(openAtMs = now)).map { it.id }
        assertEquals(hall.id in openNow, core.place(hall.id, now).openNow == true)
    }

    @Test
    fun `bike paths in the gmina's box have lengths`() {
        val paths = core.bikePathsInBox(gminaBox)
        assertTrue(paths.size >= 3, "${paths.map { it.name }}")
        assertTrue(paths.all { it.lengthM > 0.0 && it.points.size >= 2 }, "$paths")
        val card = core.place(paths.first().id, null)
        assertEquals(Layer.BIKE_PATHS, card.layer)
        assertEquals(paths.first().lengthM, card.lengthM!!, 1.0)
    }

    @Test
    fun `a reversed box is a typed error`() {
        val e = assertThrows<MmException.InvalidInput> {
            core.placesInBox(BoundingBox(52.0, 17.0, 51.0, 18.0), PlaceFilter())
        }
        assertEquals("bbox", e.field)
        assertEquals("invalid_input", e.code)
    }
}
