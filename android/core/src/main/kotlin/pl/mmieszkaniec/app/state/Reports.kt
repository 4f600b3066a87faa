package pl.mmieszkaniec.app.state

import kotlinx.coroutines.CancellationException
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.toUserError
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.LocationSource
import pl.mmieszkaniec.core.MyReport
import pl.mmieszkaniec.core.ReportCategory
import pl.mmieszkaniec.core.ReportDraft
import pl.mmieszkaniec.core.ReportDraftUpdate
import pl.mmieszkaniec.core.ReportReview
import pl.mmieszkaniec.core.ReportStatus
import pl.mmieszkaniec.core.ReportStep
import pl.mmieszkaniec.core.nextReportStep
import pl.mmieszkaniec.core.previousReportStep
import pl.mmieszkaniec.core.reportStatusLabel
import pl.mmieszkaniec.core.reportStepForField

/**
 * The report flow on screen. [step] is which wizard step is shown (the
 * steps, their order and which one fixes a field are the core's:
 * [nextReportStep], [reportStepForField]); once [submitted] or
 * [followedInstead] is set, the flow is over and the step no longer shows.
 */
data class ReportFlowState(
    val step: ReportStep = ReportStep.CATEGORY,
    val categories: Load<List<ReportCategory>> = Load.Loading,
    /** The draft as the core last stored it (null before a category is chosen). */
    val draft: ReportDraft? = null,
    /** The draft's category, with its questions. */
    val category: ReportCategory? = null,
    /** Loaded on entering [ReportStep.REVIEW]. */
    val review: Load<ReportReview>? = null,
    /** A call is running (adding a photo, submitting): disable the buttons. */
    val busy: Boolean = false,
    /** The last action's failure; `field` says what to fix. */
    val error: UserError? = null,
    /** Queued (and sent when online). */
    val submitted: MyReport? = null,
    /** The resident followed an existing report instead of making one. */
    val followedInstead: Long? = null,
) {
    /** Photos still allowed on the draft (the core's count). */
    val canAddPhoto: Boolean get() = (draft?.photoSlotsLeft ?: 1u) > 0u

    /** The flow is over: submitted, or followed another report instead. */
    val done: Boolean get() = submitted != null || followedInstead != null
}

/**
 * Drives one report step by step: category → location → photos →
 * questions → description → review (with possible duplicates) → submit.
 * Every change is stored in the core's draft at once, so a killed app
 * resumes where the resident left ([resume]). Every rule (boundary,
 * required answers, photo normalisation, duplicates) is the core's; this
 * only keeps what the core answered and which step is on screen.
 */
class ReportFlow(private val repo: Repository) : StateHolder<ReportFlowState>(ReportFlowState()) {

    private val draftId: String
        get() = checkNotNull(state.value.draft) { "choose a category first" }.id

    suspend fun loadCategories() {
        val categories = load { repo.reportCategories() }
        update { it.copy(categories = categories) }
    }

    /** Continues a stored draft (or an edited failed report) where the core says it resumes. */
    suspend fun resume(draftId: String) = action {
        val draft = repo.reportDraft(draftId)
        val category = repo.reportCategories().find { c -> c.id == draft.category }
        val step = draft.resumeStep
        update { it.copy(draft = draft, category = category, step = step) }
        if (step == ReportStep.REVIEW) loadReview()
    }

    /**
     * "Zgłoś barierę" from a place's card: the core starts the draft
     * (category, the pin, description, address); the place shows first so
     * the resident can confirm or nudge the pin before the photos.
     */
    suspend fun startBarrierReport(placeId: Long) = action {
        val draft = repo.startBarrierReport(placeId)
        val category = state.value.categories.valueOrNull?.find { it.id == draft.category }
            ?: repo.reportCategories().find { it.id == draft.category }
        update { it.copy(draft = draft, category = category, step = ReportStep.LOCATION) }
    }

    /** Starts the draft (or changes its category), then asks for the place. */
    suspend fun chooseCategory(id: String) = action {
        val current = state.value.draft
        val draft = if (current == null) {
            repo.createReportDraft(id)
        } else {
            repo.updateReportDraft(current.id, ReportDraftUpdate(category = id, answers = emptyMap()))
        }
        val category = state.value.categories.valueOrNull?.find { it.id == id }
            ?: repo.reportCategories().find { it.id == id }
        update { it.copy(draft = draft, category = category, step = ReportStep.LOCATION) }
    }

    /**
     * The place: a GPS fix with its accuracy, or a pin the resident moved
     * (no accuracy). Whether it lies inside the gmina is checked by the
     * core at review and submit (field `point`).
     */
    suspend fun setLocation(
        lat: Double,
        lon: Double,
        accuracyM: Double? = null,
        source: LocationSource = if (accuracyM != null) LocationSource.GPS else LocationSource.PIN,
        address: String? = null,
    ) = edit(ReportDraftUpdate(point = GeoPoint(lat, lon), locationSource = source, accuracyM = accuracyM, address = address))

    /** JPEG or PNG bytes from the camera or the gallery; the core normalises them. */
    suspend fun addPhoto(bytes: ByteArray) = action {
        val id = draftId
        repo.addReportPhoto(id, bytes)
        val draft = repo.reportDraft(id)
        update { it.copy(draft = draft) }
    }

    suspend fun removePhoto(photoId: String) = action {
        val id = draftId
        repo.removeReportPhoto(id, photoId)
        val draft = repo.reportDraft(id)
        update { it.copy(draft = draft) }
    }

    /** One answer; the core trims it, and a blank one removes it. */
    suspend fun answer(code: String, value: String?) = setAnswers(mapOf(code to value))

    /** The whole questions screen at once (the core drops blank answers). */
    suspend fun setAnswers(answers: Map<String, String?>) {
        val merged = state.value.draft?.answers.orEmpty() + answers.mapValues { it.value.orEmpty() }
        edit(ReportDraftUpdate(answers = merged))
    }

    suspend fun setDescription(text: String, address: String? = null) =
        edit(ReportDraftUpdate(description = text, address = address))

    /** The next step (the core's order); entering the review loads it. */
    suspend fun next() = goTo(nextReportStep(state.value.step, state.value.category))

    suspend fun back() = goTo(previousReportStep(state.value.step, state.value.category))

    suspend fun goTo(step: ReportStep) {
        if (step != ReportStep.CATEGORY && state.value.draft == null) return
        update { it.copy(step = step, error = null) }
        if (step == ReportStep.REVIEW) loadReview()
    }

    suspend fun loadReview() {
        val id = state.value.draft?.id ?: return
        update { it.copy(review = Load.Loading) }
        val review = load { repo.reportReview(id) }
        update { it.copy(review = review, draft = review.valueOrNull?.draft ?: it.draft) }
    }

    /**
     * Queues the report (sent at once when online, later when not, never
     * twice). A problem takes the resident to the step that fixes it.
     */
    suspend fun submit(): MyReport? {
        var result: MyReport? = null
        action(onError = { e -> update { it.copy(step = reportStepForField(e.field)) } }) {
            val report = repo.submitReportDraft(draftId)
            result = report
            update { it.copy(submitted = report) }
        }
        return result
    }

    /** "To może już być zgłoszone — obserwuj zamiast tego?": follows it and drops the draft. */
    suspend fun followInstead(reportId: Long) = action {
        repo.followReport(reportId)
        repo.deleteReportDraft(draftId)
        update { it.copy(followedInstead = reportId, draft = null) }
    }

    /** Abandons the report: the draft and its photos are deleted. */
    suspend fun discard() = action {
        state.value.draft?.let { repo.deleteReportDraft(it.id) }
        update { ReportFlowState(categories = it.categories) }
    }

    private suspend fun edit(update: ReportDraftUpdate) = action {
        val draft = repo.updateReportDraft(draftId, update)
        update { it.copy(draft = draft) }
    }

    private suspend fun action(onError: (UserError) -> Unit = {}, block: suspend () -> Unit) {
        update { it.copy(busy = true, error = null) }
        try {
            block()
            update { it.copy(busy = false) }
        } catch (e: CancellationException) {
            update { it.copy(busy = false) }
            throw e
        } catch (e: Exception) {
            val error = e.toUserError()
            update { it.copy(busy = false, error = error) }
            onError(error)
        }
    }
}

data class MyReportsState(
    val reports: Load<List<MyReport>> = Load.Loading,
    val syncing: Boolean = false,
    /** The last sync's failure; the stored list still shows. */
    val syncError: UserError? = null,
    /** The report opened (with its history), if any. */
    val open: Load<MyReport>? = null,
    val actionError: UserError? = null,
    /** The report categories by id, for the reports' titles. */
    val categories: Map<String, ReportCategory> = emptyMap(),
)

/** "Moje zgłoszenia": states (queued/sending/failed/sent), status history, replies. */
class MyReportsModel(private val repo: Repository) : StateHolder<MyReportsState>(MyReportsState()) {
    suspend fun loadCategories() {
        val categories = load { repo.reportCategories() }.valueOrNull.orEmpty().associateBy { it.id }
        update { it.copy(categories = categories) }
    }

    suspend fun load() {
        val reports = load { repo.myReports() }
        update { it.copy(reports = reports) }
        state.value.open?.valueOrNull?.let { open(it.localId) }
    }

    /** Sends what is queued and pulls status changes, then shows the store. */
    suspend fun sync() {
        update { it.copy(syncing = true) }
        val error = try {
            repo.sync()
            null
        } catch (e: CancellationException) {
            update { it.copy(syncing = false) }
            throw e
        } catch (e: Exception) {
            e.toUserError()
        }
        update { it.copy(syncing = false, syncError = error) }
        load()
    }

    private val opening = Opening()

    suspend fun open(localId: Long) {
        val ticket = opening.start()
        update { it.copy(open = Load.Loading) }
        val report = load { repo.myReport(localId) }
        update { if (opening.isLatest(ticket)) it.copy(open = report) else it }
    }

    fun close() {
        opening.close()
        update { it.copy(open = null) }
    }

    /** Drops a refused (or not yet sent) report. */
    suspend fun discard(localId: Long) {
        val r = load { repo.discardFailedReport(localId) }
        update { it.copy(actionError = r.errorOrNull, open = if (r is Load.Ready) null else it.open) }
        load()
    }

    /** A refused report back as a draft: hand its id to [ReportFlow.resume]. */
    suspend fun edit(localId: Long): String? {
        val r = load { repo.editFailedReport(localId) }
        update { it.copy(actionError = r.errorOrNull) }
        load()
        return r.valueOrNull?.id
    }
}

/** Status names from the core, Polish first; six of them, asked once. */
object ReportStatusLabels {
    private val cache = java.util.concurrent.ConcurrentHashMap<Pair<ReportStatus, Boolean>, String>()

    fun label(status: ReportStatus, language: String = "pl"): String {
        val english = language == "en"
        return cache.getOrPut(status to english) { reportStatusLabel(status, english) }
    }
}
