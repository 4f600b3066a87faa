package pl.mmieszkaniec.app.screens

import android.app.Activity
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.net.Uri
import android.widget.EditText
import android.widget.Spinner
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import pl.mmieszkaniec.app.state.ProposalForm
import pl.mmieszkaniec.app.ui.BudgetActivity
import pl.mmieszkaniec.app.ui.BudgetProjectActivity
import pl.mmieszkaniec.app.ui.BudgetProposalActivity
import pl.mmieszkaniec.core.BudgetEdition
import pl.mmieszkaniec.core.BudgetPhase
import pl.mmieszkaniec.core.BudgetProjectLocation
import pl.mmieszkaniec.core.BudgetWriteKind
import pl.mmieszkaniec.core.MmException
import pl.mmieszkaniec.core.WriteState
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The budget's resident writes on screen against a real `mm-server --demo`
 * (Siechnice's green budget in submission: one pool, 15 signatures needed,
 * "Sto drzew…" with 6): "Zgłoś projekt" from the edition, a cost the core
 * refuses (its words shown, what was typed kept), the proposal sent and
 * its state; "Poprzyj projekt" on a project's page, the identity form as
 * the edition asks, the signature sent and the count now 7 of 15; both in
 * the edition's list of my writes. Every expected text is the core's.
 */
class BudgetWritesScreenTest : ScreenTest() {

    private fun green(): BudgetEdition = offMain {
        app.repository.sync()
        app.repository.refreshBudget()
        app.repository.budgetEditions()
    }.editions.single { it.phase == BudgetPhase.SUBMISSION }

    /** A small JPEG drawn by the Android graphics stack. */
    private fun smallJpeg(): ByteArray {
        val bitmap = Bitmap.createBitmap(320, 240, Bitmap.Config.ARGB_8888)
        Canvas(bitmap).drawColor(Color.rgb(0x4C, 0x8C, 0x3C))
        return ByteArrayOutputStream().use { out ->
            check(bitmap.compress(Bitmap.CompressFormat.JPEG, 90, out))
            out.toByteArray()
        }
    }

    @Test
    fun `a project proposed (a refused cost kept as typed), a project signed, my writes with their state`() {
        val green = green()
        launch(BudgetActivity::class.java, Intent().putExtra(BudgetActivity.EXTRA_EDITION, green.id))
        waitFor(green.phaseText, exact = true)
        assertTrue(findView("Głosuj", exact = true) == null, "no voting in submission")
        click("Zgłoś projekt", exact = true)
        followTo(BudgetProposalActivity::class.java)
        waitFor("Tytuł projektu", exact = true)
        val pool = green.pools.single()
        waitFor("Pula: ${pool.name} (wybrana)", exact = true)
        type("Tytuł projektu", "Budki lęgowe dla jerzyków")
        type("Opis projektu", "Dwadzieścia budek na blokach w Siechnicach.")
        type("Szacowany koszt", "8000,50")
        type("Kategoria", "ekologia")
        type("Imię i nazwisko", "Anna Zielińska")
        type("E-mail", "anna@example.org")
        click("Wyślij projekt", exact = true)
        // Not whole złoty: the core's words, and what was typed stays.
        val reason = offMain {
            try {
                app.repository.budgetSubmitProject(
                    green.id,
                    ProposalForm(pool = pool.id, title = "x", description = "x", cost = "8000,50", contactName = "x")
                        .submission(),
                )
                fail("the core took 8000,50 zł")
            } catch (e: MmException.InvalidInput) {
                assertEquals("cost_grosze", e.field)
                e.messagePl
            }
        }
        waitFor(reason)
        assertEquals("Budki lęgowe dla jerzyków", fieldText("Tytuł projektu"))
        assertEquals("8000,50", fieldText("Szacowany koszt"))
        TalkBack.check(root, headings = listOf("Zgłoś projekt", "Pule", "Kontakt do wnioskodawcy"))

        type("Szacowany koszt", "8000")
        // A photo from the gallery (the report form's picker) and the place typed in.
        val form = current
        click("Wybierz z galerii", exact = true)
        val pick = shadowOf(form).nextStartedActivityForResult
        assertEquals(Intent.ACTION_GET_CONTENT, pick.intent.action)
        val photo = Uri.parse("content://media/picker/0/com.android.providers.media.photopicker/media/2000")
        shadowOf(app.contentResolver).registerInputStreamSupplier(photo) { ByteArrayInputStream(smallJpeg()) }
        shadowOf(form).receiveResult(pick.intent, Activity.RESULT_OK, Intent().setData(photo))
        waitFor("Usuń zdjęcie 1", exact = true)
        assertTrue(shownViews().any { it.contentDescription == "Zdjęcie 1" }, "its thumbnail")
        type("Szerokość geograficzna", "51.0335")
        type("Długość geograficzna", "17.1505")
        click("Ustaw współrzędne", exact = true)
        waitFor("Mapa gminy: wskazane miejsce 51.03350, 17.15050.", exact = true)
        TalkBack.check(root, headings = listOf("Zdjęcia (nieobowiązkowe)", "Miejsce realizacji"))
        click("Wyślij projekt", exact = true)
        waitFor(": Budki lęgowe dla jerzyków")
        val sent = offMain { app.repository.budgetWrites(green.id) }.single { it.kind == BudgetWriteKind.PROJECT }
        assertEquals(WriteState.DONE, sent.state, sent.stateText)
        // On the server with its photo and place, and the photo kept on the phone at the next refresh.
        val proposed = offMain {
            app.repository.refreshBudget()
            app.repository.budgetProject(assertNotNull(sent.project))
        }
        assertEquals(1, proposed.photos.size, "$proposed")
        assertEquals(1, proposed.photoPaths.size)
        val place = (proposed.location as BudgetProjectLocation.Point).point
        assertEquals(51.0335 to 17.1505, place.lat to place.lon)
        waitFor("${sent.kindText}: Budki lęgowe dla jerzyków\n${sent.stateText}", exact = true)
        assertEquals("", fieldText("Tytuł projektu"), "taken: the form is empty again")
        TalkBack.check(root, headings = listOf("Zgłoś projekt", "Pule", "Kontakt do wnioskodawcy"))
        screenshot("budget-propose")

        // Signing the project with 6 of 15.
        leaveScreen()
        val six = offMain { app.repository.budgetProjects(green.id) }.projects.single { it.title.startsWith("Sto drzew") }
        launch(BudgetProjectActivity::class.java, Intent().putExtra(BudgetProjectActivity.EXTRA_PROJECT, six.id))
        waitFor(six.statusText, exact = true)
        click("Poprzyj projekt: ${six.title}", exact = true)
        waitFor("Imię", exact = true)
        assertTrue(findView("PESEL", exact = true) == null, "a name-and-address edition asks for no PESEL")
        type("Imię", "Jan")
        type("Nazwisko", "Ekranowy")
        shownViews().filterIsInstance<Spinner>().single().setSelection(0)
        idleMain()
        type("Ulica", "Kwiatowa")
        type("Numer domu", "105")
        if (green.residenceRequired) click("Oświadczam, że mieszkam na terenie gminy.", exact = true)
        TalkBack.check(root, headings = listOf(six.title, "Poprzyj projekt"))
        click("Podpisz: ${six.title}", exact = true)
        waitFor("Podpisy: 7 z 15")
        val signed = offMain { app.repository.budgetWrites(green.id) }.first()
        assertEquals(BudgetWriteKind.SIGNATURE, signed.kind)
        assertEquals(7u, signed.signatures)
        waitFor("${signed.kindText}: ${six.title}\n${signed.stateText} · Podpisy: 7 z 15", exact = true)
        assertTrue(shownViews().filterIsInstance<EditText>().isEmpty(), "the form is gone once signed")
        assertTrue(findView("Poprzyj projekt", exact = true) == null)
        TalkBack.check(root, headings = listOf(six.title))
        screenshot("budget-sign")

        // The edition lists both, newest first, in the core's words.
        launch(BudgetActivity::class.java, Intent().putExtra(BudgetActivity.EXTRA_EDITION, green.id))
        waitFor("Moje zgłoszenia, podpisy i odwołania", exact = true)
        waitFor("${sent.kindText}: Budki lęgowe dla jerzyków\n${sent.stateText}", exact = true)
        waitFor("${signed.kindText}: ${six.title}\n${signed.stateText} · Podpisy: 7 z 15", exact = true)
        TalkBack.check(root, headings = listOf(green.title, "Pule", "Projekty", "Moje zgłoszenia, podpisy i odwołania"))
    }

    private fun fieldText(label: String): String =
        shownViews().filterIsInstance<EditText>().first { labelOf(it)?.contains(label) == true }.text.toString()
}
