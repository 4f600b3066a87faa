package pl.mmieszkaniec.app

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import pl.mmieszkaniec.core.AnswerValue
import pl.mmieszkaniec.core.MatrixCell
import pl.mmieszkaniec.core.MmException
import pl.mmieszkaniec.core.QuestionKind
import pl.mmieszkaniec.core.ResponseState
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The consultations' bindings through the real library against a real
 * `mm-server --demo` (Siechnice: one open consultation with all six question
 * kinds, one closed with its summary published): the list, every question
 * answered as its kind asks, the draft the core says may be sent, sent once
 * (a second send refused), and the published summary. No screens yet.
 */
class ConsultationsBindingsTest {

    @Test
    fun `the list, every kind of question answered, sent once, the published summary`() = runBlocking<Unit> {
        val server = TestServer.start()
        try {
            openCore(server.url).use { core ->
                core.sync(null, null)
                assertTrue(core.consultations().consultations.isEmpty(), "nothing before a fetch")
                core.consultationsRefresh()
                val list = core.consultations()
                assertTrue(list.fetchedText.startsWith("Stan na"), list.fetchedText)
                val open = list.consultations.first { it.acceptsAnswers }
                val closed = list.consultations.first { it.summaryPublished }

                val detail = core.consultation(open.id)
                assertTrue(detail.questions.isNotEmpty() && detail.rulesText.isNotBlank(), "$detail")
                assertTrue(!detail.draft.ok || detail.questions.none { it.required }, "required questions unanswered: ${detail.draft}")
                var draft = detail.draft
                detail.questions.forEach { q ->
                    val value = when (val k = q.kind) {
                        is QuestionKind.Single -> AnswerValue.Single(0u)
                        is QuestionKind.Multiple -> AnswerValue.Multiple(listOf(0u.toUShort()))
                        is QuestionKind.Ranking -> AnswerValue.Ranking(listOf(0u.toUShort()))
                        is QuestionKind.Matrix -> AnswerValue.Matrix(k.rows.indices.map { MatrixCell(it.toUShort(), 0u) })
                        is QuestionKind.ShortText, is QuestionKind.LongText -> AnswerValue.Text("Więcej zieleni przy szkole")
                    }
                    draft = core.consultationSetAnswer(open.id, q.id, value)
                    assertTrue(q.hintText.isNotBlank(), "$q")
                }
                assertEquals(detail.questions.size.toUInt(), draft.answered)
                assertTrue(draft.ok && draft.problems.isEmpty(), "$draft")
                assertEquals(AnswerValue.Single(0u), core.consultation(open.id).questions.first { it.kind is QuestionKind.Single }.answer)

                val sent = core.consultationSubmit(open.id)
                assertEquals(ResponseState.SENT, sent.state, "$sent")
                assertTrue(sent.stateText.isNotBlank())
                assertEquals(ResponseState.SENT, core.consultationResponse(open.id)?.state)
                assertFailsWith<MmException> { core.consultationSubmit(open.id) }

                val summary = assertNotNull(core.consultationSummary(closed.id))
                assertTrue(summary.respondents > 0u && summary.respondentsText.isNotBlank(), "$summary")
                summary.questions.flatMap { it.lines }.forEach { assertTrue(it.text.isNotBlank() && it.permille <= 1000u, "$it") }
                assertNull(core.consultationSummary(open.id))
            }
        } finally {
            server.close()
        }
    }
}
