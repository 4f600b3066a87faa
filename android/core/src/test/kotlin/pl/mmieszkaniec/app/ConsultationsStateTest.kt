package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import pl.mmieszkaniec.app.state.ConsultationsModel
import pl.mmieszkaniec.app.state.IdentityForm
import pl.mmieszkaniec.app.state.SurveyModel
import pl.mmieszkaniec.app.state.matrixTapped
import pl.mmieszkaniec.app.state.movedInRanking
import pl.mmieszkaniec.app.state.rankedLast
import pl.mmieszkaniec.app.state.toggledOption
import pl.mmieszkaniec.core.AnswerValue
import pl.mmieszkaniec.core.BudgetIdentityMode
import pl.mmieszkaniec.core.MatrixCell
import pl.mmieszkaniec.core.MmException
import pl.mmieszkaniec.core.QuestionKind
import pl.mmieszkaniec.core.ResponseState
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The consultations' state holders through the real library against a
 * real `mm-server --demo` (Siechnice: one open consultation with every kind
 * of question, one closed with its summary published). Every rule is the
 * core's: an answer over a question's maximum reaches the state with the
 * core's words and leaves the draft; the send is the core's, once.
 */
class ConsultationsStateTest {

    @Test
    fun `the list, answers as the screens build them, one over the maximum refused, sent once, the summary`() = runBlocking<Unit> {
        openRepository(tempDir(), TestServer.shared.url).use { repo ->
            val list = ConsultationsModel(repo)
            list.load()
            assertTrue(assertNotNull(list.state.value.list.valueOrNull).consultations.isEmpty(), "nothing before a fetch")
            list.refresh()
            assertNull(list.state.value.refreshError, "${list.state.value.refreshError}")
            val cards = assertNotNull(list.state.value.list.valueOrNull).consultations
            val open = cards.first { it.acceptsAnswers }
            val closed = cards.first { it.summaryPublished }
            assertFalse(closed.acceptsAnswers)

            val survey = SurveyModel(repo, open.id)
            survey.load()
            val detail = assertNotNull(survey.state.value.detail.valueOrNull)
            assertNull(survey.state.value.summary.valueOrNull, "no summary while open")
            assertFalse(detail.draft.ok, "a required question is unanswered: ${detail.draft}")
            fun question(pick: (QuestionKind) -> Boolean) = detail.questions.first { pick(it.kind) }
            fun answerOf(id: String) = survey.state.value.detail.valueOrNull!!.questions.first { it.id == id }.answer

            val single = question { it is QuestionKind.Single }
            survey.answer(single.id, AnswerValue.Single(1u))
            assertEquals(AnswerValue.Single(1u), answerOf(single.id))

            // Multiple choice: ticked one by one up to the maximum; one more is the core's refusal, in its words.
            val multiple = question { it is QuestionKind.Multiple }
            val max = (multiple.kind as QuestionKind.Multiple).max.toInt()
            repeat(max) { survey.answer(multiple.id, toggledOption(answerOf(multiple.id), it)) }
            assertEquals(AnswerValue.Multiple((0 until max).map { it.toUShort() }), answerOf(multiple.id))
            val expected = try {
                repo.core.consultationSetAnswer(open.id, multiple.id, toggledOption(answerOf(multiple.id), max))
                fail("the core took more than $max options")
            } catch (e: MmException) {
                e.toUserError()
            }
            survey.answer(multiple.id, toggledOption(answerOf(multiple.id), max))
            val refused = assertNotNull(survey.state.value.refused)
            assertEquals(multiple.id, refused.question)
            assertEquals(expected, refused.error)
            assertEquals(max, (answerOf(multiple.id) as AnswerValue.Multiple).options.size, "the draft stays")

            // Ranking with up and down.
            val ranking = question { it is QuestionKind.Ranking }
            survey.answer(ranking.id, rankedLast(answerOf(ranking.id), 2))
            survey.answer(ranking.id, rankedLast(answerOf(ranking.id), 0))
            survey.answer(ranking.id, movedInRanking(answerOf(ranking.id), 1, -1))
            assertEquals(AnswerValue.Ranking(listOf(0u.toUShort(), 2u.toUShort())), answerOf(ranking.id))
            assertNull(survey.state.value.refused)

            // Matrix: a single-choice row keeps its last tap.
            val matrix = question { it is QuestionKind.Matrix }
            survey.answer(matrix.id, matrixTapped(answerOf(matrix.id), 0, 0, multiple = false))
            survey.answer(matrix.id, matrixTapped(answerOf(matrix.id), 0, 2, multiple = false))
            survey.answer(matrix.id, matrixTapped(answerOf(matrix.id), 1, 1, multiple = false))
            assertEquals(
                AnswerValue.Matrix(listOf(MatrixCell(0u, 2u), MatrixCell(1u, 1u))),
                answerOf(matrix.id),
            )

            // Texts go with "Wyślij"; the core sends once.
            val short = question { it is QuestionKind.ShortText }
            val long = question { it is QuestionKind.LongText }
            assertTrue(survey.submit(mapOf(short.id to "Park nad Odrą", long.id to "")), "${survey.state.value.sendError}")
            val after = assertNotNull(survey.state.value.detail.valueOrNull)
            val response = assertNotNull(after.response)
            assertEquals(ResponseState.SENT, response.state, "$response")
            // Single, multiple, ranking, matrix and the short text; the blank long one left out.
            assertEquals(5u, response.answered, "$response")
            assertTrue(response.stateText.isNotBlank())

            assertFalse(survey.submit(), "sent once")
            assertNotNull(survey.state.value.sendError)

            // The closed one: its published summary, every line the core's.
            val summaryModel = SurveyModel(repo, closed.id)
            summaryModel.load()
            val summary = assertNotNull(summaryModel.state.value.summary.valueOrNull)
            assertEquals(summary, repo.consultationSummary(closed.id))
            assertTrue(summary.respondents > 0u && summary.questions.isNotEmpty(), "$summary")
        }
    }
    @Test
    fun `answered offline the response is queued in the core's words, then sent once the server answers`() = runBlocking<Unit> {
        val dir = tempDir()
        val open = openRepository(dir, TestServer.shared.url).use { repo ->
            ConsultationsModel(repo).apply { refresh() }.state.value.list.valueOrNull!!.consultations.first { it.acceptsAnswers }
        }
        openRepository(dir, "http://127.0.0.1:1").use { offline ->
            val survey = SurveyModel(offline, open.id)
            survey.load()
            val single = survey.state.value.detail.valueOrNull!!.questions.first { it.kind is QuestionKind.Single }
            survey.answer(single.id, AnswerValue.Single(0u))
            assertTrue(survey.submit(), "queued is taken: ${survey.state.value.sendError}")
            val queued = assertNotNull(survey.state.value.detail.valueOrNull?.response)
            assertEquals(ResponseState.QUEUED, queued.state, "$queued")
            assertTrue(queued.stateText.isNotBlank())
            survey.sendQueued()
            assertEquals(ResponseState.QUEUED, survey.state.value.detail.valueOrNull?.response?.state, "still offline")
        }
        openRepository(dir, TestServer.shared.url).use { online ->
            val survey = SurveyModel(online, open.id)
            survey.load()
            survey.sendQueued()
            val sent = assertNotNull(survey.state.value.detail.valueOrNull?.response)
            assertEquals(ResponseState.SENT, sent.state, "$sent")
            assertEquals(1u, sent.answered)
        }
    }

    /**
     * The demo's per-person consultation (name and address, no SMS): the
     * core says which fields; without the address the core refuses with
     * its words and what was typed stays; with it, sent and the identity
     * cleared from the state; the same person from another phone is the
     * server's refusal ("already answered"), in its words.
     */
    @Test
    fun `a per-person consultation sent with the identity the core asks for, refused without it, once per person`() = runBlocking<Unit> {
        val dir = tempDir()
        val (id, localities) = openRepository(dir, TestServer.shared.url).use { repo ->
            // The gmina's localities (the address) come with a sync, as on a phone.
            repo.sync()
            ConsultationsModel(repo).refresh()
            val cards = repo.consultations().consultations.filter { it.acceptsAnswers }
            val perPerson = cards.map { repo.consultation(it.id) }.firstOrNull { it.identity != null }
                ?: fail("a per-person consultation in the demo: $cards")
            assertEquals(BudgetIdentityMode.NAME_ADDRESS, perPerson.identity)
            assertFalse(perPerson.smsRequired)
            assertTrue(perPerson.identityText.isNotBlank())
            perPerson.card.id to repo.localities()
        }
        assertTrue(localities.size > 1, "$localities")
        fun person(form: IdentityForm) = form.copy(
            firstName = "Jan",
            lastName = "Stanowy",
            locality = localities[1].id,
            street = "Opolska",
            house = "12",
        )

        openRepository(dir, TestServer.shared.url).use { repo ->
            val survey = SurveyModel(repo, id)
            survey.load()
            assertEquals(localities, survey.state.value.localities)
            val question = survey.state.value.detail.valueOrNull!!.questions.single()
            survey.answer(question.id, AnswerValue.Single(1u))

            // No address: the core's refusal naming the field; what was typed stays.
            survey.editForm { person(it).copy(locality = null) }
            assertFalse(survey.submit())
            val refused = assertNotNull(survey.state.value.sendError)
            assertEquals("invalid_identity", refused.code, "$refused")
            assertTrue(refused.messagePl.isNotBlank() && refused.field != null, "$refused")
            assertEquals("Jan", survey.state.value.form.firstName)
            assertNull(survey.state.value.detail.valueOrNull?.response, "nothing queued")

            survey.editForm(::person)
            assertTrue(survey.submit(), "${survey.state.value.sendError}")
            assertEquals(IdentityForm(), survey.state.value.form, "the identity is not kept once sent")
            assertFalse(survey.state.value.toString().contains("Stanowy"))
            val sent = assertNotNull(survey.state.value.detail.valueOrNull?.response)
            assertEquals(ResponseState.SENT, sent.state, "$sent")
        }

        // The same person from another phone: the server's refusal, in its words.
        openRepository(tempDir(), TestServer.shared.url).use { repo ->
            repo.refreshConsultations()
            val survey = SurveyModel(repo, id)
            survey.load()
            val question = survey.state.value.detail.valueOrNull!!.questions.single()
            survey.answer(question.id, AnswerValue.Single(0u))
            survey.editForm(::person)
            assertFalse(survey.submit())
            val again = assertNotNull(survey.state.value.sendError)
            assertEquals("already_answered", again.code, "$again")
            assertTrue(again.messagePl.isNotBlank())
            assertEquals("Stanowy", survey.state.value.form.lastName, "kept after a refusal")
            assertEquals(ResponseState.REFUSED, survey.state.value.detail.valueOrNull?.response?.state)
        }
    }
}
