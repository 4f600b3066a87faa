package pl.mmieszkaniec.app.state

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.toUserError
import pl.mmieszkaniec.core.AnswerValue
import pl.mmieszkaniec.core.BudgetSmsProof
import pl.mmieszkaniec.core.ConsultationDetail
import pl.mmieszkaniec.core.ConsultationList
import pl.mmieszkaniec.core.ConsultationSummary
import pl.mmieszkaniec.core.Locality
import pl.mmieszkaniec.core.MatrixCell

/*
 * "Konsultacje": the list (open and closed), one consultation answered
 * question by question, sent through the outbox, and the published summary
 * of a closed one. The holders only fetch and keep what the core answered:
 * whether it takes answers, each question's hint, the draft's problems,
 * whether it may be sent, my response's state, every percentage. An answer
 * the core refuses (more options than the question allows…) is its
 * `invalid_input` error, shown under that question as it comes.
 *
 * A per-person consultation (the detail's `identity`) is sent with who
 * answers, as a budget ballot is ([IdentityForm], [SmsStep]): the core
 * checks the identity (`invalid_identity` naming the field) and the SMS
 * code before queueing; a refusal keeps what was typed, a send that the
 * core took clears it (PESEL included) from the state.
 */

/** The consultations list. */
data class ConsultationsState(
    val list: Load<ConsultationList> = Load.Loading,
    val refreshing: Boolean = false,
    /** The last refresh failed; the stored copy still shows. */
    val refreshError: UserError? = null,
)

class ConsultationsModel(private val repo: Repository) : StateHolder<ConsultationsState>(ConsultationsState()) {
    suspend fun load() {
        val list = load { repo.consultations() }
        update { it.copy(list = list) }
    }

    /** Pulls from the server, then shows what the store holds (even when the pull failed). */
    suspend fun refresh() {
        update { it.copy(refreshing = true) }
        val error = try {
            repo.refreshConsultations()
            null
        } catch (e: CancellationException) {
            update { it.copy(refreshing = false) }
            throw e
        } catch (e: Exception) {
            e.toUserError()
        }
        update { it.copy(refreshing = false, refreshError = error) }
        load()
    }
}

/** An answer the core refused: which question, and its words. */
data class RefusedAnswer(val question: String, val error: UserError)

/** One consultation: its questions with my draft, sending, my response, the summary once published. */
data class SurveyState(
    val detail: Load<ConsultationDetail> = Load.Loading,
    /** Null inside Ready: not published (yet). */
    val summary: Load<ConsultationSummary?> = Load.Loading,
    /** The last answer was refused (over the maximum, too long…): the question and the core's reason. */
    val refused: RefusedAnswer? = null,
    val sending: Boolean = false,
    /** The send was refused (the draft's problems, already answered, closed, a field of the identity…): the core's words. */
    val sendError: UserError? = null,
    /** Per-person consultations: who answers, as typed (which fields: the detail's `identity`). */
    val form: IdentityForm = IdentityForm(),
    /** The gmina's localities, for the address. */
    val localities: List<Locality> = emptyList(),
    /** Per-person consultations with `smsRequired`: the code asked for, and the one typed. */
    val sms: SmsStep = SmsStep(),
)

class SurveyModel(private val repo: Repository, val consultationId: Long) : StateHolder<SurveyState>(SurveyState()) {

    suspend fun load() {
        val detail = load { repo.consultation(consultationId) }
        val summary = load { repo.consultationSummary(consultationId) }
        val localities = load { repo.localities() }.valueOrNull.orEmpty()
        update { it.copy(detail = detail, summary = summary, localities = localities) }
    }

    /** The identity as typed (read from the fields before a code is asked for or the answers sent). */
    fun editForm(change: (IdentityForm) -> IdentityForm) = update { it.copy(form = change(it.form), sendError = null) }

    fun editSmsCode(code: String) = update { it.copy(sms = it.sms.copy(code = code, error = null)) }

    /** "Wyślij kod SMS": the core checks the identity and the phone, the server texts the code. */
    suspend fun requestSms() {
        val s = state.value
        val mode = s.detail.valueOrNull?.identity ?: return
        update { it.copy(sms = it.sms.copy(requesting = true, error = null)) }
        val r = load { repo.consultationRequestSms(consultationId, s.form.identity(mode, true), s.form.phone) }
        update {
            it.copy(
                sms = it.sms.copy(
                    requesting = false,
                    requestId = r.valueOrNull?.requestId ?: it.sms.requestId,
                    expiresAtMs = r.valueOrNull?.expiresAtMs ?: it.sms.expiresAtMs,
                    error = r.errorOrNull,
                ),
            )
        }
    }

    /** Taps one after another: each builds on the answer the one before left in the core. */
    private val editing = Mutex()

    /** Answers [question]; a refused answer leaves the draft as it was and says why. */
    suspend fun answer(question: String, value: AnswerValue) = edit(question) { value }

    /**
     * Answers [question] with [change] of its answer as the core holds it
     * now (not as last drawn: a second tap may come before the first one's
     * answer is on screen).
     */
    suspend fun edit(question: String, change: (AnswerValue?) -> AnswerValue) = editing.withLock {
        val r = load {
            val current = repo.consultation(consultationId).questions.firstOrNull { it.id == question }?.answer
            repo.consultationAnswer(consultationId, question, change(current))
        }
        update { it.copy(refused = r.errorOrNull?.let { e -> RefusedAnswer(question, e) }, sendError = null) }
        reloadDetail()
    }

    /** Clears the answer to [question]. */
    suspend fun clear(question: String) = editing.withLock {
        val r = load { repo.consultationClear(consultationId, question) }
        update { it.copy(refused = r.errorOrNull?.let { e -> RefusedAnswer(question, e) }, sendError = null) }
        reloadDetail()
    }

    /**
     * The free-text answers as typed ([texts]: question id to text; blank
     * clears it), then "Wyślij": the core checks the draft (and, per
     * person, the identity in [SurveyState.form] and the SMS code) and
     * sends it through the outbox (queued while offline). True when the
     * core took it; the identity typed is then cleared.
     */
    suspend fun submit(texts: Map<String, String> = emptyMap()): Boolean {
        if (state.value.sending) return false
        update { it.copy(sending = true, sendError = null) }
        for ((question, text) in texts) {
            val current = state.value.detail.valueOrNull?.questions?.firstOrNull { it.id == question }?.answer
            if (current == AnswerValue.Text(text) || (current == null && text.isBlank())) continue
            val r = load {
                if (text.isBlank()) repo.consultationClear(consultationId, question)
                else repo.consultationAnswer(consultationId, question, AnswerValue.Text(text))
            }
            r.errorOrNull?.let { e ->
                update { it.copy(sending = false, refused = RefusedAnswer(question, e)) }
                reloadDetail()
                return false
            }
        }
        val s = state.value
        val detail = s.detail.valueOrNull
        val mode = detail?.identity
        val r = load {
            if (detail == null || mode == null) {
                repo.consultationSubmit(consultationId)
            } else {
                val proof = s.sms.requestId?.takeIf { detail.smsRequired }?.let { BudgetSmsProof(it, s.sms.code) }
                repo.consultationSubmitAs(consultationId, s.form.identity(mode, detail.smsRequired), proof)
            }
        }
        // Taken (sent or queued): what was typed is not kept; refused: kept to be fixed.
        val taken = r is Load.Ready
        update {
            it.copy(
                sending = false,
                sendError = r.errorOrNull,
                refused = null,
                form = if (taken) IdentityForm() else it.form,
                sms = if (taken) SmsStep() else it.sms,
            )
        }
        reloadDetail()
        return taken
    }

    /**
     * A queued response: syncs (which sends the outbox, and once the server
     * answers again sends at once what waited only for the network; a bare
     * flush would wait out the retry delay) and reads what became of it.
     */
    suspend fun sendQueued() {
        try {
            repo.sync()
        } catch (e: CancellationException) {
            throw e
        } catch (_: Exception) {
            // Offline still: it stays queued; the state below says so.
        }
        reloadDetail()
    }

    private suspend fun reloadDetail() {
        val detail = load { repo.consultation(consultationId) }
        update { it.copy(detail = (detail as? Load.Ready) ?: it.detail) }
    }
}

/*
 * Building an answer from a tap: the screen's editing, not a rule (whether
 * the result is allowed is the core's answer to it).
 */

/** Options ticked after [option] was tapped in a multiple-choice answer. */
fun toggledOption(current: AnswerValue?, option: Int): AnswerValue {
    val chosen = (current as? AnswerValue.Multiple)?.options.orEmpty()
    val o = option.toUShort()
    return AnswerValue.Multiple(if (o in chosen) chosen - o else chosen + o)
}

/** The ranking with [option] appended at its end. */
fun rankedLast(current: AnswerValue?, option: Int): AnswerValue =
    AnswerValue.Ranking(ranking(current) + option.toUShort())

/** The ranking without [option]. */
fun unranked(current: AnswerValue?, option: Int): AnswerValue =
    AnswerValue.Ranking(ranking(current) - option.toUShort())

/** The ranking with the entry at [position] moved by [by] (−1 up, +1 down); unchanged at an end. */
fun movedInRanking(current: AnswerValue?, position: Int, by: Int): AnswerValue {
    val list = ranking(current).toMutableList()
    val to = position + by
    if (position in list.indices && to in list.indices) {
        val moved = list.removeAt(position)
        list.add(to, moved)
    }
    return AnswerValue.Ranking(list)
}

fun ranking(current: AnswerValue?): List<UShort> = (current as? AnswerValue.Ranking)?.ranking.orEmpty()

/** Matrix cells after ([row], [column]) was tapped: a single-choice row keeps only it; a multiple one toggles it. */
fun matrixTapped(current: AnswerValue?, row: Int, column: Int, multiple: Boolean): AnswerValue {
    val cells = (current as? AnswerValue.Matrix)?.cells.orEmpty()
    val cell = MatrixCell(row.toUShort(), column.toUShort())
    val next = if (multiple) {
        if (cell in cells) cells - cell else cells + cell
    } else {
        cells.filter { it.row != cell.row } + cell
    }
    return AnswerValue.Matrix(next.sortedWith(compareBy({ it.row }, { it.column })))
}
