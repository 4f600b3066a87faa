package pl.mmieszkaniec.app.screens

import android.content.Intent
import android.widget.CheckBox
import android.widget.EditText
import android.widget.RadioButton
import android.widget.Spinner
import kotlinx.coroutines.runBlocking
import org.junit.Test
import pl.mmieszkaniec.app.state.IdentityForm
import pl.mmieszkaniec.app.toUserError
import pl.mmieszkaniec.app.ui.ConsultationsActivity
import pl.mmieszkaniec.app.ui.HomeActivity
import pl.mmieszkaniec.app.ui.SurveyActivity
import pl.mmieszkaniec.core.AnswerValue
import pl.mmieszkaniec.core.ConsultationCard
import pl.mmieszkaniec.core.MmException
import pl.mmieszkaniec.core.QuestionKind
import pl.mmieszkaniec.core.ResponseState
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Consultations on screen against a real `mm-server --demo` (Siechnice: one
 * open consultation with every kind of question, one closed with its
 * summary published): the list, the survey answered control by control
 * (radio buttons, check boxes up to the maximum and one more refused in the
 * core's words, a ranking moved with its buttons, a matrix row, a text),
 * sent once ("already answered" after), and the closed one's summary.
 * The screens decide nothing: every expected text is read from the core.
 */
class ConsultationsScreenTest : ScreenTest() {

    private fun cards(): Pair<ConsultationCard, ConsultationCard> {
        val list = runBlocking {
            app.repository.refreshConsultations()
            app.repository.consultations()
        }.consultations
        return list.first { it.acceptsAnswers } to list.first { it.summaryPublished }
    }

    private fun read(card: ConsultationCard) = "${card.title}. ${card.statusText}. Pytania: ${card.questions}."

    @Test
    fun `the list, a survey answered by every kind of control, one tick over the maximum refused, sent once, the summary`() {
        launch(HomeActivity::class.java)
        click("Konsultacje społeczne", exact = true)
        followTo(ConsultationsActivity::class.java)
        val (open, closed) = cards()
        waitFor(read(open), exact = true)
        waitFor(read(closed), exact = true)
        waitFor("Otwarte", exact = true)
        waitFor("Zakończone", exact = true)
        TalkBack.check(root, headings = listOf("Konsultacje społeczne", "Otwarte", "Zakończone"))
        screenshot("survey-list")

        click(read(open), exact = true)
        followTo(SurveyActivity::class.java)
        val detail = runBlocking { app.repository.consultation(open.id) }
        waitFor(detail.rulesText, exact = true)
        detail.questions.forEach { waitFor(it.hintText, exact = true) }

        // Single choice: a radio button; the core's draft has it.
        val single = detail.questions.first { it.kind is QuestionKind.Single }
        val singleOptions = (single.kind as QuestionKind.Single).options
        click(singleOptions[1], exact = true)
        waitUntil("the second option chosen") { (findView(singleOptions[1], exact = true) as RadioButton).isChecked }
        assertEquals(AnswerValue.Single(1u), answerOf(open.id, single.id))

        // Multiple choice: up to its maximum; one more is the core's refusal, announced, the box left unticked.
        val multiple = detail.questions.first { it.kind is QuestionKind.Multiple }
        val kind = multiple.kind as QuestionKind.Multiple
        val max = kind.max.toInt()
        kind.options.take(max).forEachIndexed { i, o ->
            click(o, exact = true)
            waitUntil("$o ticked") { (answerOf(open.id, multiple.id) as? AnswerValue.Multiple)?.options?.size == i + 1 }
        }
        val reason = runBlocking {
            try {
                app.repository.consultationAnswer(
                    open.id,
                    multiple.id,
                    AnswerValue.Multiple((0..max).map { it.toUShort() }),
                )
                fail("the core took more than $max options")
            } catch (e: MmException) {
                e.toUserError().messagePl
            }
        }
        click(kind.options[max], exact = true)
        val shown = waitFor(reason, exact = true)
        assertEquals(android.view.View.ACCESSIBILITY_LIVE_REGION_ASSERTIVE, shown.accessibilityLiveRegion)
        assertFalse((findView(kind.options[max], exact = true) as CheckBox).isChecked, "the box shows the core's draft")
        assertEquals(max, (answerOf(open.id, multiple.id) as AnswerValue.Multiple).options.size)
        scrollToTop(findView(multiple.text, exact = false)!!)
        screenshot("survey-refused")

        // Ranking: two added, the second moved up with its button.
        val ranking = detail.questions.first { it.kind is QuestionKind.Ranking }
        val rankOptions = (ranking.kind as QuestionKind.Ranking).options
        click("Dodaj: ${rankOptions[2]}", exact = true)
        waitFor("1. ${rankOptions[2]}", exact = true)
        click("Dodaj: ${rankOptions[0]}", exact = true)
        waitFor("2. ${rankOptions[0]}", exact = true)
        click("Przesuń „${rankOptions[0]}” wyżej", exact = true)
        waitFor("1. ${rankOptions[0]}", exact = true)
        assertEquals(AnswerValue.Ranking(listOf(0u.toUShort(), 2u.toUShort())), answerOf(open.id, ranking.id))

        // Matrix: a row of radio buttons, each read with its row.
        val matrix = detail.questions.first { it.kind is QuestionKind.Matrix }
        val m = matrix.kind as QuestionKind.Matrix
        click("${m.rows[0]}: ${m.columns[2]}", exact = true)
        waitUntil("the matrix cell chosen") {
            (findView("${m.rows[0]}: ${m.columns[2]}", exact = true) as RadioButton).isChecked
        }

        // A short text, read by "Wyślij odpowiedzi".
        val short = detail.questions.first { it.kind is QuestionKind.ShortText }
        type(short.text, "Park nad Odrą")
        TalkBack.check(root, headings = listOf(open.title))
        scrollToTop(findView(ranking.text)!!)
        screenshot("survey-answers")

        click("Wyślij odpowiedzi", exact = true)
        // Queued in the outbox first, then sent (the demo server is up).
        waitUntil("sent", timeoutMs = 30_000) {
            runBlocking { app.repository.consultationResponse(open.id) }?.state == ResponseState.SENT
        }
        val response = assertNotNull(runBlocking { app.repository.consultationResponse(open.id) })
        assertEquals(ResponseState.SENT, response.state, "$response")
        assertEquals(5u, response.answered, "single, multiple, ranking, matrix, short text")
        waitFor(response.stateText, exact = true)
        waitFor("Moja odpowiedź", exact = true)
        assertTrue(findView("Wyślij odpowiedzi", exact = true) == null, "already answered: no form")
        TalkBack.check(root, headings = listOf(open.title, "Moja odpowiedź"))
        screenshot("survey-sent")

        // The closed one: its published summary, line by line as the core writes them.
        launch(SurveyActivity::class.java, Intent().putExtra(SurveyActivity.EXTRA_CONSULTATION, closed.id))
        val summary = assertNotNull(runBlocking { app.repository.consultationSummary(closed.id) })
        waitFor("Wyniki konsultacji", exact = true)
        waitFor(summary.respondentsText, exact = true)
        summary.questions.forEach { q -> q.lines.forEach { l -> waitFor("${l.label}: ${l.text}", exact = true) } }
        assertTrue(findView("Wyślij odpowiedzi", exact = true) == null, "closed: no form")
        TalkBack.check(root, headings = listOf(closed.title, "Wyniki konsultacji") + summary.questions.map { it.text })
        screenshot("survey-summary")
    }

    /**
     * The demo's per-person consultation (name and address): "Twoje dane"
     * with the ballot's identity form and the core's words for what is
     * needed; a send without the last name is the core's refusal, shown in
     * its words with what was typed kept; then sent, and the form gone.
     */
    @Test
    fun `a per-person consultation asks for the identity the core names, keeps it after a refusal, sends it once`() {
        val detail = offMain {
            // The gmina's localities (the address) come with the sync the app runs at start.
            app.repository.sync()
            app.repository.refreshConsultations()
            app.repository.consultations().consultations.filter { it.acceptsAnswers }
                .map { app.repository.consultation(it.id) }
                .firstOrNull { it.identity != null } ?: fail("a per-person consultation in the demo")
        }
        val id = detail.card.id
        launch(SurveyActivity::class.java, Intent().putExtra(SurveyActivity.EXTRA_CONSULTATION, id))
        waitFor(detail.identityText, exact = true)
        waitFor("Twoje dane", exact = true)
        assertTrue(findView("PESEL", exact = true) == null, "a name-and-address consultation asks for no PESEL")
        assertTrue(findView("Wyślij kod SMS", exact = true) == null, "no code by SMS")

        val question = detail.questions.single()
        val options = (question.kind as QuestionKind.Single).options
        click(options[1], exact = true)
        waitUntil("the second option chosen") { (findView(options[1], exact = true) as RadioButton).isChecked }

        // Only the first name: the core's refusal, in its words; the name stays typed.
        val localities = offMain { app.repository.localities() }
        val reason = offMain {
            try {
                app.repository.consultationSubmitAs(
                    id,
                    IdentityForm(firstName = "Maria", locality = localities[0].id).identity(detail.identity!!, false),
                    null,
                )
                fail("the core took an identity without the last name")
            } catch (e: MmException) {
                e.toUserError().messagePl
            }
        }
        type("Imię", "Maria")
        click("Wyślij odpowiedzi", exact = true)
        val shown = waitFor(reason, exact = true)
        assertEquals(android.view.View.ACCESSIBILITY_LIVE_REGION_ASSERTIVE, shown.accessibilityLiveRegion)
        val firstName = shownViews().filterIsInstance<EditText>().first { labelOf(it) == "Imię" }
        assertEquals("Maria", firstName.text.toString(), "kept after the refusal")
        assertEquals(null, offMain { app.repository.consultationResponse(id) }, "nothing queued")

        type("Nazwisko", "Ankietowa")
        val spinner = shownViews().filterIsInstance<Spinner>().single()
        assertEquals(localities.size, spinner.adapter.count)
        spinner.setSelection(1)
        idleMain()
        type("Ulica", "Opolska")
        type("Numer domu", "9")
        shownViews().filterIsInstance<EditText>().forEach { assertTrue(labelOf(it) != null, "a field without a label") }
        TalkBack.check(root, headings = listOf(detail.card.title, "Twoje dane"))
        scrollToTop(findView("Twoje dane", exact = true)!!)
        screenshot("survey-identity")

        click("Wyślij odpowiedzi", exact = true)
        waitUntil("sent", timeoutMs = 30_000) {
            offMain { app.repository.consultationResponse(id) }?.state == ResponseState.SENT
        }
        val response = assertNotNull(offMain { app.repository.consultationResponse(id) })
        waitFor(response.stateText, exact = true)
        assertTrue(shownViews().filterIsInstance<EditText>().isEmpty(), "the form is gone once sent")
        TalkBack.check(root, headings = listOf(detail.card.title, "Moja odpowiedź"))
    }

    private fun answerOf(consultation: Long, question: String): AnswerValue? =
        runBlocking { app.repository.consultation(consultation) }.questions.first { it.id == question }.answer
}
