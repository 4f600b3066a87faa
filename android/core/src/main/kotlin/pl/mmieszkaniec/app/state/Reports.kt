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
import pl.mmieszkaniec.core.reportStatusLabel

/** The steps of making a report, in the order the screens show them. */
enum class ReportStep {
    CATEGORY, LOCATION, PHOTOS, QUESTIONS, DESCRIPTION, REVIEW,

    /** Queued (and sent when online): [ReportFlowState.submitted]. */
    SUBMITTED,

    /** The resident followed an existing report instead of making one. */
    FOLLOWED_INSTEAD,
    ;

    companion object {
        /**
         * The step where the resident fixes [field], as the core names it
         * (`point`, `answers.kind`, `description`, `photo`, `category`).
         */
        fun forField(field: String?): ReportStep = when {
            field == null -> REVIEW
            field == "category" -> CATEGORY
            field == "point" || field == "accuracy_m" || field == "location_source" -> LOCATION
            field.startsWith("photo") -> PHOTOS
            field.startsWith("answers.") -> QUESTIONS
            field == "description" || field == "address" || field.startsWith("contact") -> DESCRIPTION
            else -> REVIEW
        }
    }
}

/**
 * A report started from somewhere else (a place's card on the map): the
 * category, a pin, and text the resident then completes. Plain values, so
 * a screen can pass it on as Intent extras.
 */
data class ReportPrefill(
    val category: String,
    val lat: Double,
    val lon: Double,
    val description: String,
    val address: String? = null,
)

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
    val submitted: MyReport? = null,
    val followedInstead: Long? = null,
) {
    /** Photos still allowed on the draft (the core enforces the limit too). */
    val canAddPhoto: Boolean get() = (draft?.photos?.size ?: 0) < MAX_PHOTOS

    companion object {
        const val MAX_PHOTOS = 5
    }
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

    /** Continues a stored draft (or an edited failed report) at its first unfinished step. */
    suspend fun resume(draftId: String) = action {
        val draft = repo.reportDraft(draftId)
        val category = repo.reportCategories().find { c -> c.id == draft.category }
        val step = if (draft.point == null) ReportStep.LOCATION else ReportStep.REVIEW
        update { it.copy(draft = draft, category = category, step = step) }
        if (step == ReportStep.REVIEW) loadReview()
    }

    /**
     * Starts a draft already filled in from [prefill] (category, the pin as
     * [LocationSource.PIN], description, address), then shows the place so
     * the resident can confirm or nudge the pin before the photos.
     */
    suspend fun start(prefill: ReportPrefill) = action {
        val created = repo.createReportDraft(prefill.category)
        val category = state.value.categories.valueOrNull?.find { it.id == prefill.category }
            ?: repo.reportCategories().find { it.id == prefill.category }
        // Kept at once: if filling it in fails, the draft is still this flow's (and discardable).
        update { it.copy(draft = created, category = category, step = ReportStep.LOCATION) }
        val draft = repo.updateReportDraft(
            created.id,
            ReportDraftUpdate(
                point = GeoPoint(prefill.lat, prefill.lon),
                locationSource = LocationSource.PIN,
                description = prefill.description,
                address = prefill.address,
            ),
        )
        update { it.copy(draft = draft) }
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

    /** One answer; a blank [value] removes it. */
    suspend fun answer(code: String, value: String?) {
        val answers = state.value.draft?.answers.orEmpty().toMutableMap()
        if (value.isNullOrBlank()) answers.remove(code) else answers[code] = value.trim()
        edit(ReportDraftUpdate(answers = answers))
    }

    /** The whole questions screen at once (blank answers are left out). */
    suspend fun setAnswers(answers: Map<String, String?>) {
        val kept = state.value.draft?.answers.orEmpty().toMutableMap()
        answers.forEach { (code, value) -> if (value.isNullOrBlank()) kept.remove(code) else kept[code] = value.trim() }
        edit(ReportDraftUpdate(answers = kept))
    }

    suspend fun setDescription(text: String, address: String? = null) =
        edit(ReportDraftUpdate(description = text, address = address))

    /** The next step; entering the review loads it. */
    suspend fun next() = goTo(nextOf(state.value.step))

    suspend fun back() = goTo(previousOf(state.value.step))

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
        action(onError = { e -> update { it.copy(step = ReportStep.forField(e.field)) } }) {
            val report = repo.submitReportDraft(draftId)
            result = report
            update { it.copy(submitted = report, step = ReportStep.SUBMITTED) }
        }
        return result
    }

    /** "To może już być zgłoszone — obserwuj zamiast tego?": follows it and drops the draft. */
    suspend fun followInstead(reportId: Long) = action {
        repo.followReport(reportId)
        repo.deleteReportDraft(draftId)
        update { it.copy(followedInstead = reportId, step = ReportStep.FOLLOWED_INSTEAD, draft = null) }
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

    private fun nextOf(step: ReportStep): ReportStep = when (step) {
        ReportStep.CATEGORY -> ReportStep.LOCATION
        ReportStep.LOCATION -> ReportStep.PHOTOS
        // A category without questions skips their screen.
        ReportStep.PHOTOS -> if (state.value.category?.attributes.isNullOrEmpty()) ReportStep.DESCRIPTION else ReportStep.QUESTIONS
        ReportStep.QUESTIONS -> ReportStep.DESCRIPTION
        ReportStep.DESCRIPTION, ReportStep.REVIEW -> ReportStep.REVIEW
        else -> step
    }

    private fun previousOf(step: ReportStep): ReportStep = when (step) {
        ReportStep.LOCATION -> ReportStep.CATEGORY
        ReportStep.PHOTOS -> ReportStep.LOCATION
        ReportStep.QUESTIONS -> ReportStep.PHOTOS
        ReportStep.DESCRIPTION -> if (state.value.category?.attributes.isNullOrEmpty()) ReportStep.PHOTOS else ReportStep.QUESTIONS
        ReportStep.REVIEW -> ReportStep.DESCRIPTION
        else -> step
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
)

/** "Moje zgłoszenia": states (queued/sending/failed/sent), status history, replies. */
class MyReportsModel(private val repo: Repository) : StateHolder<MyReportsState>(MyReportsState()) {
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

    suspend fun open(localId: Long) {
        update { it.copy(open = Load.Loading) }
        val report = load { repo.myReport(localId) }
        update { it.copy(open = report) }
    }

    fun close() = update { it.copy(open = null) }

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
