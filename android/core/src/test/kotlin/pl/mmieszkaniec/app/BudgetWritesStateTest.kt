package pl.mmieszkaniec.app

import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.io.File
import javax.imageio.ImageIO
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import pl.mmieszkaniec.app.state.BudgetEditionModel
import pl.mmieszkaniec.app.state.BudgetModel
import pl.mmieszkaniec.app.state.BudgetProjectModel
import pl.mmieszkaniec.app.state.ProjectWritesModel
import pl.mmieszkaniec.app.state.ProposalModel
import pl.mmieszkaniec.app.state.grosze
import pl.mmieszkaniec.core.BudgetPhase
import pl.mmieszkaniec.core.BudgetProjectLocation
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.BudgetWriteKind
import pl.mmieszkaniec.core.WriteState
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The budget's resident writes through the state holders, the real
 * library and a real `mm-server --demo` (its own: it signs a demo project):
 * the green budget of Siechnice in submission, one pool asking for 15
 * signatures, the second project with 6 of them. A proposal refused by the
 * core keeps what was typed; one accepted is sent through the outbox; a
 * signature makes the 6 a 7; the edition's list of my writes has both.
 */
class BudgetWritesStateTest {

    /** A small real JPEG (the core decodes and re-encodes what it is given). */
    private fun jpeg(): ByteArray {
        val img = BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB)
        for (x in 0 until 64) for (y in 0 until 48) img.setRGB(x, y, (x * 4 shl 16) or (y * 5 shl 8) or 0x60)
        return ByteArrayOutputStream().use { out ->
            check(ImageIO.write(img, "jpg", out))
            out.toByteArray()
        }
    }

    @Test
    fun `zloty as typed to grosze, the rest for the core to refuse`() {
        assertEquals(1_200_000L, grosze("12 000"))
        assertEquals(1250L, grosze("12,50"))
        assertEquals(0L, grosze("dwanaście"))
        assertEquals(0L, grosze(""))
    }

    @Test
    fun `propose a project (refused input kept), sign the project with 6 signatures, my writes with their state`() = runBlocking<Unit> {
        val server = TestServer.start()
        try {
            openRepository(tempDir(), server.url).use { repo ->
                repo.sync()
                val budget = BudgetModel(repo)
                budget.refresh()
                assertNull(budget.state.value.refreshError, "${budget.state.value.refreshError}")
                val green = budget.state.value.editions.valueOrNull!!.editions.single { it.phase == BudgetPhase.SUBMISSION }

                // The proposal: the pool is the edition's first; a cost that is not whole złoty is the core's refusal.
                val proposal = ProposalModel(repo, green.id)
                proposal.load()
                assertEquals(green.pools.first().id, proposal.state.value.form.pool)
                proposal.edit {
                    it.copy(
                        title = "Budki lęgowe dla jerzyków",
                        description = "Dwadzieścia budek na blokach w Siechnicach.",
                        cost = "8000,50",
                        category = "ekologia",
                        contactName = "Anna Zielińska",
                        contactEmail = "anna@example.org",
                    )
                }
                assertFalse(proposal.submit())
                val refused = assertNotNull(proposal.state.value.error)
                assertEquals("cost_grosze", refused.field, "$refused")
                assertTrue(refused.messagePl.isNotBlank() && refused.messageEn.isNotBlank(), "$refused")
                assertEquals("Budki lęgowe dla jerzyków", proposal.state.value.form.title, "what was typed stays")
                assertEquals("8000,50", proposal.state.value.form.cost)
                assertNull(proposal.state.value.sent)

                // An empty title: the core names the field.
                proposal.edit { it.copy(title = "  ", cost = "8 000") }
                assertFalse(proposal.submit())
                assertEquals("title", proposal.state.value.error?.field)
                assertEquals("Anna Zielińska", proposal.state.value.form.contactName)

                // With a photo and a place: both reach the server.
                proposal.edit { it.copy(title = "Budki lęgowe dla jerzyków") }
                proposal.addPhoto(jpeg())
                proposal.setLocation(GeoPoint(51.0335, 17.1505))
                assertTrue(proposal.submit(), "${proposal.state.value.error}")
                val sent = assertNotNull(proposal.state.value.sent)
                assertEquals(BudgetWriteKind.PROJECT, sent.kind)
                assertEquals(WriteState.DONE, sent.state, "online: sent at once; ${sent.stateText}")
                assertNotNull(sent.project, "the server numbered it")
                assertTrue(sent.stateText.isNotBlank() && sent.kindText.isNotBlank(), "$sent")
                assertEquals("", proposal.state.value.form.title, "taken: the form is emptied")
                assertEquals(green.pools.first().id, proposal.state.value.form.pool)
                assertTrue(proposal.state.value.form.photos.isEmpty() && proposal.state.value.form.location == null)

                // Refreshed, the project lists its photo as the server's URL, kept on the phone, and its place.
                budget.refresh()
                val proposedPage = BudgetProjectModel(repo, assertNotNull(sent.project))
                proposedPage.load()
                val proposed = proposedPage.state.value.project.valueOrNull!!
                assertEquals(1, proposed.photos.size, "$proposed")
                assertTrue(proposed.photos[0].startsWith("/api/v1/photos/"), proposed.photos[0])
                assertEquals(1, proposed.photoPaths.size, "fetched at the refresh")
                val kept = File(proposed.photoPaths[0]).readBytes()
                assertEquals(listOf(0xFF.toByte(), 0xD8.toByte(), 0xFF.toByte()), kept.take(3), "a JPEG")
                val place = assertIs<BudgetProjectLocation.Point>(proposed.location).point
                assertEquals(51.0335, place.lat, 1e-9)
                assertEquals(17.1505, place.lon, 1e-9)

                // Signing the project with 6 of 15 signatures.
                val edition = BudgetEditionModel(repo, green.id)
                edition.load()
                val projects = edition.state.value.projects.valueOrNull!!.projects
                val six = projects.single { it.title.startsWith("Sto drzew") }
                val page = BudgetProjectModel(repo, six.id)
                page.load()
                val writes = ProjectWritesModel(repo, six.id)
                writes.load(green.id)
                val sixPage = page.state.value.project.valueOrNull!!
                assertTrue(sixPage.canSign, "the core offers signing: $sixPage")
                assertFalse(sixPage.canAppeal, "not rejected, not mine")
                assertTrue(green.submissionOpen)
                writes.startSigning()
                val locality = writes.state.value.localities.first()

                // No address: the core's `invalid_identity`, what was typed kept.
                writes.editForm { it.copy(firstName = "Jan", lastName = "Podpisujący") }
                assertFalse(writes.sign(green))
                val noAddress = assertNotNull(writes.state.value.signError)
                assertEquals("invalid_identity", noAddress.code, "$noAddress")
                assertEquals("Jan", writes.state.value.form.firstName)
                assertTrue(writes.state.value.signing)

                writes.editForm { it.copy(locality = locality.id, street = "Kwiatowa", house = "101") }
                if (green.residenceRequired) writes.declareResidence(true)
                assertTrue(writes.sign(green), "${writes.state.value.signError}")
                val signed = assertNotNull(writes.state.value.signed)
                assertEquals(BudgetWriteKind.SIGNATURE, signed.kind)
                assertEquals(WriteState.DONE, signed.state, signed.stateText)
                assertEquals(7u, signed.signatures, "$signed")
                assertEquals(15u, signed.signaturesRequired)
                assertEquals("", writes.state.value.form.firstName, "taken: not kept")
                assertFalse(writes.state.value.signing)
                page.load()
                assertFalse(page.state.value.project.valueOrNull!!.canSign, "signed here: the core no longer offers it")

                // A second signature from this phone: the core's refusal.
                writes.startSigning()
                writes.editForm { it.copy(firstName = "Ewa", lastName = "Druga", locality = locality.id, street = "Kwiatowa", house = "102") }
                if (green.residenceRequired) writes.declareResidence(true)
                assertFalse(writes.sign(green))
                assertEquals("conflict", writes.state.value.signError?.code, "${writes.state.value.signError}")
                assertEquals("Ewa", writes.state.value.form.firstName)

                // My writes of the edition, newest first, with the core's state text.
                edition.load()
                val mine = edition.state.value.writes
                assertEquals(listOf(BudgetWriteKind.SIGNATURE, BudgetWriteKind.PROJECT), mine.map { it.kind })
                mine.forEach { assertTrue(it.stateText.isNotBlank() && it.state == WriteState.DONE, "$it") }
                assertEquals(six.title, mine[0].title)
            }
        } finally {
            server.close()
        }
    }
}
