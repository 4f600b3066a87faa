package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.app.state.MyReportsModel
import pl.mmieszkaniec.app.state.ReportFlow
import pl.mmieszkaniec.app.state.ReportStatusLabels
import pl.mmieszkaniec.core.NotificationLink
import pl.mmieszkaniec.core.ReportStep
import pl.mmieszkaniec.core.AttributeType
import pl.mmieszkaniec.core.LocationSource
import pl.mmieszkaniec.core.MmException
import pl.mmieszkaniec.core.MyReportState
import pl.mmieszkaniec.core.ReportStatus
import java.awt.Color
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.UUID
import javax.imageio.ImageIO
import kotlin.math.abs
import kotlin.math.max
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The reporting flow as the app drives it: the real core through the
 * bindings (JNA), against a real `mm-server --demo`, and an official
 * moving the report over the server's HTTP API.
 */
class ReportFlowTest {
    private val http: HttpClient = HttpClient.newHttpClient()

    /** Siechnice town centre: inside the gmina. */
    private val inside = 51.0335 to 17.1500

    /** Wrocław's market square: outside it. */
    private val outside = 51.1100 to 17.0320

    @Test
    fun `a street lamp report with two photos is sent, accepted by an official and the reply comes back`() = runBlocking<Unit> {
        TestServer.start().use { server ->
            openRepository(tempDir(), server.url).use { repo ->
                repo.sync()
                val flow = ReportFlow(repo)
                flow.loadCategories()
                val categories = assertIs<Load.Ready<List<pl.mmieszkaniec.core.ReportCategory>>>(flow.state.value.categories).value
                val lamp = categories.single { it.id == "street_lamp" }
                val kind = lamp.attributes.single { it.code == "kind" }
                assertTrue(kind.required)
                assertEquals(AttributeType.SINGLE_CHOICE, kind.datatype)
                assertTrue(kind.values.any { it.key == "not_lit" && it.namePl == "Nie świeci" })

                flow.chooseCategory("street_lamp")
                assertEquals(ReportStep.LOCATION, flow.state.value.step)
                flow.setLocation(inside.first, inside.second, accuracyM = 6.5)
                val located = assertNotNull(flow.state.value.draft)
                assertEquals(LocationSource.GPS, located.locationSource)
                assertEquals(6.5, located.accuracyM)
                flow.next()
                assertEquals(ReportStep.PHOTOS, flow.state.value.step)

                flow.addPhoto(jpeg(4000, 3000, Color(200, 40, 40)))
                flow.addPhoto(png(640, 480, Color(30, 90, 200)))
                assertNull(flow.state.value.error, "${flow.state.value.error}")
                val photos = flow.state.value.draft!!.photos
                assertEquals(2, photos.size)
                val big = photos[0]
                assertEquals(2048u, max(big.width, big.height), "longest edge normalised")
                assertTrue(abs(big.width.toDouble() / big.height.toDouble() - 4.0 / 3.0) < 0.01, "aspect kept: $big")
                assertEquals(640u to 480u, photos[1].width to photos[1].height, "a small photo keeps its size")
                assertTrue(photos.all { java.io.File(it.path).length().toULong() == it.bytes })

                flow.next()
                assertEquals(ReportStep.QUESTIONS, flow.state.value.step)
                flow.next()
                flow.setDescription("Latarnia przy rynku nie świeci od trzech dni.")
                flow.next()
                assertEquals(ReportStep.REVIEW, flow.state.value.step)
                val missing = assertNotNull(flow.state.value.review?.valueOrNull?.problem)
                assertEquals("answers.kind", missing.field)
                assertEquals(null, flow.submit())
                assertEquals("answers.kind", flow.state.value.error?.field)
                assertEquals(ReportStep.QUESTIONS, flow.state.value.step, "taken to the question")

                flow.answer("kind", "not_lit")
                flow.answer("lamp_number", "117")
                flow.next()
                flow.next()
                val review = assertNotNull(flow.state.value.review?.valueOrNull)
                assertNull(review.problem, "${review.problem}")
                assertEquals("street_lamp", review.category?.id)
                val queued = assertNotNull(flow.submit())
                assertEquals(queued, flow.state.value.submitted)
                assertTrue(flow.state.value.done)
                assertEquals(MyReportState.QUEUED, queued.state)
                assertEquals(2u, queued.photoCount)
                assertTrue(repo.reportDrafts().isEmpty(), "the draft became the report")

                val mine = MyReportsModel(repo)
                mine.sync()
                assertNull(mine.state.value.syncError)
                val sent = mine.state.value.reports.valueOrNull!!.single()
                assertEquals(MyReportState.SENT, sent.state)
                val serverId = assertNotNull(sent.serverId)
                assertEquals(ReportStatus.NEW, sent.status)
                assertEquals(mapOf("kind" to "not_lit", "lamp_number" to "117"), sent.answers)
                assertEquals(2, sent.report?.photos?.size)

                // An official accepts it with a public reply.
                server.addUser("dyspozytor", "dispatcher", "tajne-haslo-123")
                val token = login(server, "dyspozytor", "tajne-haslo-123")
                val reply = "Dziękujemy, ekipa wymieni oprawę w tym tygodniu."
                val moved = post(
                    server, "/api/v1/reports/$serverId/status",
                    """{"status":"accepted","public_reply":"$reply"}""", token,
                )
                assertEquals(200, moved.statusCode(), moved.body())

                mine.sync()
                mine.open(queued.localId)
                val opened = assertNotNull(mine.state.value.open?.valueOrNull)
                assertEquals(ReportStatus.ACCEPTED, opened.status)
                val history = assertNotNull(opened.report).history
                assertEquals(listOf(ReportStatus.NEW, ReportStatus.ACCEPTED), history.map { it.status })
                assertEquals(reply, history.last().publicReply)
                assertEquals("Przyjęte", ReportStatusLabels.label(ReportStatus.ACCEPTED))
                val note = repo.notifications().single { it.kind == "report_status" }
                assertTrue(note.entityId!!.startsWith("$serverId:"), note.entityId)
                assertTrue(note.title.contains("Przyjęte"), note.title)
                assertEquals(NotificationLink.Report(serverId), note.link, "the core says where it leads")
                assertFalse(note.urgent)

                val detail = repo.reportDetail(serverId)
                assertEquals(reply, detail.report.history.last().publicReply)
                assertEquals("street_lamp", detail.category?.id)
            }
        }
    }

    @Test
    fun `a point outside the gmina and a missing answer are typed errors naming the field`() = runBlocking<Unit> {
        openRepository(tempDir(), TestServer.shared.url).use { repo ->
            repo.sync()
            val draft = repo.createReportDraft("street_lamp")
            val flow = ReportFlow(repo)
            flow.loadCategories()
            flow.resume(draft.id)
            assertEquals(ReportStep.LOCATION, flow.state.value.step)
            flow.setLocation(outside.first, outside.second, source = LocationSource.PIN)
            flow.answer("kind", "flickers")
            flow.setDescription("Latarnia miga cały wieczór, prawie nic nie widać.")
            flow.goTo(ReportStep.REVIEW)
            assertEquals("point", flow.state.value.review?.valueOrNull?.problem?.field)

            val e = assertThrows<MmException.InvalidInput> { repo.core.submitReportDraft(draft.id) }
            assertEquals("point", e.field)
            assertEquals("invalid_input", e.code)
            assertTrue(e.messagePl.contains("poza gminą"), e.messagePl)
            assertEquals(null, flow.submit())
            assertEquals("point", flow.state.value.error?.field)
            assertEquals(ReportStep.LOCATION, flow.state.value.step)

            flow.setLocation(inside.first, inside.second, source = LocationSource.PIN)
            flow.answer("kind", null)
            val missing = assertThrows<MmException.InvalidInput> { repo.core.validateReportDraft(draft.id) }
            assertEquals("answers.kind", missing.field)
            assertEquals("answers.kind", missing.toUserError().field)

            val bad = assertThrows<MmException.InvalidInput> { repo.core.addReportPhoto(draft.id, "nie zdjęcie".toByteArray()) }
            assertTrue(bad.messagePl.isNotBlank())
            flow.discard()
            assertTrue(repo.reportDrafts().isEmpty())
            assertTrue(repo.myReports().isEmpty(), "nothing was queued")
        }
    }

    @Test
    fun `a report made while the server is down stays queued and is sent exactly once when it is back`() = runBlocking<Unit> {
        var server = TestServer.start()
        try {
            openRepository(tempDir(), server.url).use { repo ->
                repo.sync()
                server.stop()

                val marker = "Dziura w jezdni, zgłoszona offline ${UUID.randomUUID()}"
                val flow = ReportFlow(repo)
                flow.loadCategories()
                flow.chooseCategory("road_damage")
                flow.setLocation(inside.first + 0.001, inside.second + 0.001, accuracyM = 12.0)
                flow.addPhoto(jpeg(800, 600, Color(90, 90, 90)))
                flow.answer("kind", "pothole")
                flow.setDescription(marker)
                flow.goTo(ReportStep.REVIEW)
                assertNull(flow.state.value.review?.valueOrNull?.problem)
                val queued = assertNotNull(flow.submit(), "${flow.state.value.error}")

                runCatching { repo.flushOutbox() }
                val mine = MyReportsModel(repo)
                mine.sync()
                assertEquals("network", mine.state.value.syncError?.code)
                val waiting = mine.state.value.reports.valueOrNull!!.single()
                assertTrue(waiting.state == MyReportState.QUEUED || waiting.state == MyReportState.SENDING, "${waiting.state}")
                assertNull(waiting.serverId)

                server = server.restart()
                mine.sync()
                assertNull(mine.state.value.syncError, "${mine.state.value.syncError}")
                val sent = mine.state.value.reports.valueOrNull!!.single()
                assertEquals(queued.localId, sent.localId)
                assertEquals(MyReportState.SENT, sent.state)
                // More syncs send nothing again.
                mine.sync()
                repo.flushOutbox()

                val listing = get(server, "/api/v1/reports?category=road_damage&page_size=200")
                assertEquals(200, listing.statusCode(), listing.body())
                assertEquals(1, Regex(Regex.escape(marker)).findAll(listing.body()).count(), "exactly one report on the server")
                assertTrue(listing.body().contains("\"id\":${sent.serverId}"))
            }
        } finally {
            server.close()
        }
    }

    @Test
    fun `a possible duplicate is offered and can be followed instead`() = runBlocking<Unit> {
        TestServer.start().use { server ->
            val point = inside.first + 0.002 to inside.second - 0.002
            // A neighbour reports a lamp first.
            openRepository(tempDir(), server.url).use { neighbour ->
                neighbour.sync()
                val d = neighbour.createReportDraft("street_lamp")
                neighbour.updateReportDraft(
                    d.id,
                    pl.mmieszkaniec.core.ReportDraftUpdate(
                        point = pl.mmieszkaniec.core.GeoPoint(point.first, point.second),
                        description = "Latarnia przy przystanku nie świeci.",
                        answers = mapOf("kind" to "not_lit"),
                    ),
                )
                neighbour.submitReportDraft(d.id)
                neighbour.sync()
                assertEquals(MyReportState.SENT, neighbour.myReports().single().state)
            }
            openRepository(tempDir(), server.url).use { repo ->
                repo.sync()
                val flow = ReportFlow(repo)
                flow.loadCategories()
                flow.chooseCategory("street_lamp")
                // 10 m away: within the 30 m the core looks.
                flow.setLocation(point.first + 0.00009, point.second)
                flow.goTo(ReportStep.REVIEW)
                val dup = flow.state.value.review?.valueOrNull?.possibleDuplicates?.singleOrNull()
                assertNotNull(dup, "offered: ${flow.state.value.review}")
                assertTrue(dup.distanceM in 5.0..20.0, "${dup.distanceM}")
                flow.followInstead(dup.id)
                assertEquals(dup.id, flow.state.value.followedInstead)
                assertTrue(flow.state.value.done)
                assertTrue(repo.reportDrafts().isEmpty())
                assertTrue(repo.reportDetail(dup.id).followed)
                repo.sync()
                assertTrue(repo.core.followedReports().any { it.id == dup.id })
            }
        }
    }

    private fun image(w: Int, h: Int, base: Color): BufferedImage {
        val img = BufferedImage(w, h, BufferedImage.TYPE_INT_RGB)
        val g = img.createGraphics()
        g.color = base
        g.fillRect(0, 0, w, h)
        g.color = Color.WHITE
        g.fillOval(w / 4, h / 4, w / 2, h / 2)
        g.dispose()
        return img
    }

    private fun jpeg(w: Int, h: Int, base: Color): ByteArray = encode(image(w, h, base), "jpg")
    private fun png(w: Int, h: Int, base: Color): ByteArray = encode(image(w, h, base), "png")

    private fun encode(img: BufferedImage, format: String): ByteArray =
        ByteArrayOutputStream().also { check(ImageIO.write(img, format, it)) }.toByteArray()

    private fun login(server: TestServer, login: String, password: String): String {
        val r = post(server, "/api/v1/auth/login", """{"login":"$login","password":"$password"}""")
        assertEquals(200, r.statusCode(), r.body())
        return assertNotNull(Regex("\"token\"\\s*:\\s*\"([^\"]+)\"").find(r.body())).groupValues[1]
    }

    private fun post(server: TestServer, path: String, json: String, token: String? = null): HttpResponse<String> {
        val b = HttpRequest.newBuilder(URI.create(server.url + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
        if (token != null) b.header("Authorization", "Bearer $token")
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString())
    }

    private fun get(server: TestServer, path: String): HttpResponse<String> =
        http.send(HttpRequest.newBuilder(URI.create(server.url + path)).GET().build(), HttpResponse.BodyHandlers.ofString())
}
