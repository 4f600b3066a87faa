package pl.mmieszkaniec.app

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import pl.mmieszkaniec.core.AnswerValue
import pl.mmieszkaniec.core.AnswersDraft
import pl.mmieszkaniec.core.BallotReview
import pl.mmieszkaniec.core.BallotScreen
import pl.mmieszkaniec.core.BikePathSummary
import pl.mmieszkaniec.core.BudgetEdition
import pl.mmieszkaniec.core.BudgetEditions
import pl.mmieszkaniec.core.BudgetIdentity
import pl.mmieszkaniec.core.BudgetProject
import pl.mmieszkaniec.core.BudgetProjectSubmission
import pl.mmieszkaniec.core.BudgetProjects
import pl.mmieszkaniec.core.BudgetResults
import pl.mmieszkaniec.core.BudgetSmsProof
import pl.mmieszkaniec.core.BudgetSmsRequest
import pl.mmieszkaniec.core.BudgetWrite
import pl.mmieszkaniec.core.BoundingBox
import pl.mmieszkaniec.core.CalendarEntry
import pl.mmieszkaniec.core.ConsultationDetail
import pl.mmieszkaniec.core.ConsultationList
import pl.mmieszkaniec.core.ConsultationSummary
import pl.mmieszkaniec.core.CoreConfig
import pl.mmieszkaniec.core.CoreListener
import pl.mmieszkaniec.core.CoreStatus
import pl.mmieszkaniec.core.EventCategory
import pl.mmieszkaniec.core.EventDetail
import pl.mmieszkaniec.core.EventOccurrence
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.GminaChoice
import pl.mmieszkaniec.core.GminaList
import pl.mmieszkaniec.core.MyReport
import pl.mmieszkaniec.core.Notification
import pl.mmieszkaniec.core.OutboxSummary
import pl.mmieszkaniec.core.WasteAddress
import pl.mmieszkaniec.core.WasteAddressInput
import pl.mmieszkaniec.core.WasteScreen
import pl.mmieszkaniec.core.WasteDictionaryHit
import pl.mmieszkaniec.core.WasteIcs
import pl.mmieszkaniec.core.WasteReminderPrefs
import pl.mmieszkaniec.core.WasteReminder
import pl.mmieszkaniec.core.NotificationSettings
import pl.mmieszkaniec.core.NotificationSettingsEdit
import pl.mmieszkaniec.core.PushStatus
import pl.mmieszkaniec.core.PushRegistrationInput
import pl.mmieszkaniec.core.PhotoInfo
import pl.mmieszkaniec.core.PlaceDetail
import pl.mmieszkaniec.core.PlaceFilter
import pl.mmieszkaniec.core.PlaceSummary
import pl.mmieszkaniec.core.ReportCategory
import pl.mmieszkaniec.core.ReportDetail
import pl.mmieszkaniec.core.ReportDraft
import pl.mmieszkaniec.core.ReportDraftUpdate
import pl.mmieszkaniec.core.ReportReview
import pl.mmieszkaniec.core.ReportRules
import pl.mmieszkaniec.core.ReportSummary
import pl.mmieszkaniec.core.HomeScreen
import pl.mmieszkaniec.core.Locality
import pl.mmieszkaniec.core.MmCore
import pl.mmieszkaniec.core.MonthView
import pl.mmieszkaniec.core.MyBallotState
import pl.mmieszkaniec.core.MyResponse
import pl.mmieszkaniec.core.News
import pl.mmieszkaniec.core.Platform
import pl.mmieszkaniec.core.SearchHit
import pl.mmieszkaniec.core.SyncSummary
import pl.mmieszkaniec.core.TaxLiabilityDetail
import pl.mmieszkaniec.core.TaxPaymentState
import pl.mmieszkaniec.core.TaxReminder
import pl.mmieszkaniec.core.Taxpayer
import pl.mmieszkaniec.core.TaxesScreen
import java.io.File
import java.time.LocalDate
import java.time.YearMonth

/**
 * The app's one door to the Rust core. Each screen's data is one call into
 * the core (the boundary costs microseconds per call, so it is coarse).
 * Query calls read the local SQLite store: they run on [io], never on the
 * UI thread. Holds no Android types, so it is tested on the JVM.
 *
 * Errors are thrown as the generated `MmException` (see [UserError]).
 */
class Repository(
    val core: MmCore,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    /**
     * Hears every sync that names no listener of its own (Home's, the map's,
     * My reports', the outbox job's): the app posts the core's new
     * notifications from it, whichever screen or job synced.
     */
    private val syncListener: CoreListener? = null,
    /**
     * Runs after every sync (whichever screen or job ran it, failed too:
     * the stored figures still hold), tax refresh, link, unlink and change
     * of the reminder days: the app posts the core's due-date reminders
     * (`taxReminders`) from it. Its own failures are its own to swallow.
     */
    private val afterTaxesChange: (suspend (Repository) -> Unit)? = null,
) : AutoCloseable {

    suspend fun sync(listener: CoreListener? = null): SyncSummary = thenTaxesChanged { core.sync(null, listener ?: syncListener) }

    /** [block], then [afterTaxesChange] whether it succeeded or failed (not when cancelled). */
    private suspend fun <T> thenTaxesChanged(block: suspend () -> T): T {
        val result = try {
            Result.success(block())
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            Result.failure(e)
        }
        afterTaxesChange?.invoke(this)
        return result.getOrThrow()
    }

    suspend fun home(): HomeScreen = withContext(io) { core.home() }

    suspend fun news(): List<News> = withContext(io) { core.news() }

    suspend fun newsItem(id: Long): News = withContext(io) { core.newsItem(id) }

    suspend fun upcomingEvents(limit: Int = 50, category: String? = null): List<EventOccurrence> =
        withContext(io) { core.upcomingEvents(limit.toUInt(), category) }

    suspend fun eventsOn(day: LocalDate, category: String? = null): List<EventOccurrence> =
        withContext(io) { core.eventsBetween(day.toString(), day.toString(), category) }

    suspend fun event(id: Long): EventDetail = withContext(io) { core.event(id) }

    suspend fun eventCategories(): List<EventCategory> = withContext(io) { core.categories() }

    suspend fun eventIcs(id: Long): String = withContext(io) { core.eventIcs(id) }

    /** "Add to calendar": what the phone's calendar is given (all-day dates, RRULE). */
    suspend fun calendarEntry(id: Long): CalendarEntry = withContext(io) { core.calendarEntry(id) }

    suspend fun month(month: YearMonth): MonthView =
        withContext(io) { core.month(month.year, month.monthValue.toUInt()) }

    suspend fun search(text: String, limit: Int = 30): List<SearchHit> =
        withContext(io) { core.search(text, limit.toUInt()) }

    suspend fun status(): CoreStatus = withContext(io) { core.status() }

    suspend fun setServerUrl(url: String) = withContext(io) { core.setServerUrl(url) }

    // ---- the gmina: the picker, the choice, the switch ----

    /** Which gmina the app shows; `NotChosen`: the picker. Local, no network. */
    suspend fun gminaChoice(): GminaChoice = withContext(io) { core.gminaChoice() }

    /** The picker's search (name, powiat or TERYT; Polish letters optional; empty: all). */
    suspend fun gminas(query: String): GminaList = core.gminas(query)

    /** "Użyj mojej lokalizacji": the gminas whose boundary holds [point]. */
    suspend fun gminasAt(point: GeoPoint): GminaList = core.gminasAt(point)

    /** Chooses or switches; the gmina left keeps its data and still sends what it queued. */
    suspend fun chooseGmina(teryt: String): GminaChoice = withContext(io) { core.chooseGmina(teryt) }

    /** Nothing chosen and the deployment has exactly one gmina: that one (network). */
    suspend fun chooseSoleGmina(): GminaChoice = core.chooseSoleGmina()

    // ---- reports (zgłoszenia): one call per screen ----

    suspend fun reportCategories(): List<ReportCategory> = withContext(io) { core.reportCategories() }

    suspend fun reportDrafts(): List<ReportDraft> = withContext(io) { core.reportDrafts() }

    suspend fun reportDraft(id: String): ReportDraft = withContext(io) { core.reportDraft(id) }

    suspend fun createReportDraft(category: String): ReportDraft = withContext(io) { core.createReportDraft(category) }

    suspend fun updateReportDraft(id: String, update: ReportDraftUpdate): ReportDraft =
        withContext(io) { core.updateReportDraft(id, update) }

    /** Decodes and re-encodes on [io]: a 12-megapixel photo takes a moment. */
    suspend fun addReportPhoto(draftId: String, bytes: ByteArray): PhotoInfo =
        withContext(io) { core.addReportPhoto(draftId, bytes) }

    suspend fun removeReportPhoto(draftId: String, photoId: String) =
        withContext(io) { core.removeReportPhoto(draftId, photoId) }

    suspend fun deleteReportDraft(id: String) = withContext(io) { core.deleteReportDraft(id) }

    suspend fun reportReview(draftId: String): ReportReview = withContext(io) { core.reportReview(draftId) }

    /** "Zgłoś barierę": a draft the core fills in from the place. */
    suspend fun startBarrierReport(placeId: Long): ReportDraft = withContext(io) { core.startBarrierReport(placeId) }

    /** The limits the report screens state ("Do 5 zdjęć"), with their hints. */
    fun reportRules(): ReportRules = core.reportRules()

    suspend fun submitReportDraft(id: String): MyReport = withContext(io) { core.submitReportDraft(id) }

    suspend fun myReports(): List<MyReport> = withContext(io) { core.myReports() }

    suspend fun myReport(localId: Long): MyReport = withContext(io) { core.myReport(localId) }

    suspend fun discardFailedReport(localId: Long) = withContext(io) { core.discardFailedReport(localId) }

    suspend fun editFailedReport(localId: Long): ReportDraft = withContext(io) { core.editFailedReport(localId) }

    suspend fun reportDetail(id: Long): ReportDetail = withContext(io) { core.reportDetail(id) }

    suspend fun reportsNear(point: GeoPoint, radiusM: Double, category: String? = null, openOnly: Boolean = false): List<ReportSummary> =
        withContext(io) { core.reportsNear(point, radiusM, category, openOnly) }

    suspend fun followReport(id: Long) = withContext(io) { core.followReport(id) }

    suspend fun unfollowReport(id: Long) = withContext(io) { core.unfollowReport(id) }

    // ---- the map: places with accessibility, bike paths ----

    /** The box around the gmina (the map's first view); null before the first sync. */
    suspend fun gminaBbox(): BoundingBox? = withContext(io) { core.gminaBbox() }

    suspend fun placesInBox(box: BoundingBox, filter: PlaceFilter): List<PlaceSummary> =
        withContext(io) { core.placesInBox(box, filter) }

    suspend fun nearestPlaces(point: GeoPoint, n: Int, filter: PlaceFilter): List<PlaceSummary> =
        withContext(io) { core.nearestPlaces(point, n.toUInt(), filter) }

    /** A place's card, evaluated at [atMs] ("open now", today's hours). */
    suspend fun place(id: Long, atMs: Long? = null): PlaceDetail = withContext(io) { core.place(id, atMs) }

    suspend fun searchPlaces(text: String, limit: Int = 20): List<PlaceSummary> =
        withContext(io) { core.searchPlaces(text, limit.toUInt()) }

    suspend fun bikePathsInBox(box: BoundingBox): List<BikePathSummary> = withContext(io) { core.bikePathsInBox(box) }

    // ---- notifications (the bell): what the core raised for the resident ----

    /** Newest first, read and unread. */
    suspend fun notifications(): List<Notification> = withContext(io) { core.notifications() }

    /** The badge on Home ("Powiadomienia (3)"). */
    suspend fun unreadNotificationCount(): Int = withContext(io) { core.unreadNotificationCount().toInt() }

    suspend fun markNotificationRead(id: Long) = withContext(io) { core.markNotificationRead(id) }

    // ---- local taxes and payments: personal data, only for a linked device ----
    // Every figure, label, status and note comes from the core (`core.taxes()` behind `taxes*`/`tax*`),
    // which also recomputes interest offline with the protocol's rules.

    /** The activation code from the tax decision or the office (network); the taxpayer linked. */
    suspend fun linkTaxpayer(code: String): Taxpayer = thenTaxesChanged { core.taxesLink(code) }

    /** One taxpayer, or all ([taxpayer] null): the phone's copy goes at once, the server is told through the outbox. */
    suspend fun unlinkTaxpayer(taxpayer: String?) = thenTaxesChanged { core.taxesUnlink(taxpayer) }

    /** Pulls the household's liabilities (network). */
    suspend fun refreshTaxes() = thenTaxesChanged { core.taxesRefresh() }

    /** The list as of [today] (Warsaw), offline from the stored copy. */
    suspend fun taxesScreen(today: LocalDate): TaxesScreen = withContext(io) { core.taxesScreen(today.toString()) }

    /** One liability with its figures, the ZBP payload and its QR as a module matrix. */
    suspend fun taxLiability(id: String, today: LocalDate): TaxLiabilityDetail =
        withContext(io) { core.taxLiability(id, today.toString()) }

    /** Queues a payment (the outbox carries its idempotency key); [amountGrosze] null: the total as of today. */
    suspend fun payTax(liability: String, amountGrosze: Long? = null): String =
        core.taxPay(liability, amountGrosze)

    suspend fun taxPayment(id: String): TaxPaymentState = core.taxPayment(id)

    /** The printable confirmation (HTML), once paid. */
    suspend fun taxReceipt(id: String): String = core.taxReceipt(id)

    /** Instalments due within the chosen number of days: what the shell schedules notifications for. */
    suspend fun taxReminders(today: LocalDate): List<TaxReminder> = withContext(io) { core.taxReminders(today.toString()) }

    suspend fun taxReminderDays(): Int = withContext(io) { core.taxReminderDays().toInt() }

    /** 1–7 (the core refuses anything else). */
    suspend fun setTaxReminderDays(days: Int) = thenTaxesChanged { withContext(io) { core.setTaxReminderDays(days.toUInt()) } }

    // ---- the participatory budget: every rule, phase and text is the core's (`core.budget()`) ----

    /** Pulls the editions, their projects and published results (network; sends the outbox first). */
    suspend fun refreshBudget() = core.budgetRefresh()

    /** The editions as last fetched, newest first (offline). */
    suspend fun budgetEditions(): BudgetEditions = withContext(io) { core.budgetEditions() }

    suspend fun budgetEdition(id: Long): BudgetEdition = withContext(io) { core.budgetEdition(id) }

    /** An edition's projects ([pool] null: all pools), each saying whether the draft has it. */
    suspend fun budgetProjects(edition: Long, pool: Long? = null): BudgetProjects =
        withContext(io) { core.budgetProjects(edition, pool) }

    suspend fun budgetProject(id: Long): BudgetProject = withContext(io) { core.budgetProject(id) }

    /** Null before the results are published. */
    suspend fun budgetResults(edition: Long): BudgetResults? = withContext(io) { core.budgetResults(edition) }

    suspend fun budgetBallot(edition: Long): BallotScreen = withContext(io) { core.budgetBallot(edition) }

    /** Adds or removes a project; a pick the rule refuses throws `ballot_rule` with the core's reason. */
    suspend fun budgetToggle(edition: Long, project: Long): BallotScreen =
        withContext(io) { core.budgetToggle(edition, project) }

    suspend fun budgetSetPoints(edition: Long, project: Long, points: Int): BallotScreen =
        withContext(io) { core.budgetSetPoints(edition, project, points.toUShort()) }

    suspend fun budgetClear(edition: Long, pool: Long? = null): BallotScreen = withContext(io) { core.budgetClear(edition, pool) }

    suspend fun budgetReview(edition: Long): BallotReview = withContext(io) { core.budgetReview(edition) }

    /** Texts a one-time code to [phone] (network); the identity is checked first. */
    suspend fun budgetRequestSms(edition: Long, identity: BudgetIdentity, phone: String): BudgetSmsRequest =
        core.budgetRequestSms(edition, identity, phone)

    /** Queues the ballot in the outbox and sends it at once when online; offline it stays queued. */
    suspend fun budgetCast(edition: Long, identity: BudgetIdentity, sms: BudgetSmsProof?, residenceDeclared: Boolean): MyBallotState =
        core.budgetCast(edition, identity, sms, residenceDeclared)

    /** Null: no ballot of that edition was cast from this phone. */
    suspend fun budgetMyBallot(edition: Long): MyBallotState? = withContext(io) { core.budgetMyBallot(edition) }

    /**
     * Asks the server for my ballot (this phone's, or the one [receiptCode] names) and keeps its answer
     * (receipt, choices as counted, whether it may be changed); null: the server has none. Network.
     */
    suspend fun budgetCheckMyBallot(edition: Long, receiptCode: String? = null): MyBallotState? =
        core.budgetCheckMyBallot(edition, receiptCode)

    /** Changes a ballot already cast to the draft's choices (the edition allows it, voting open); through the outbox. */
    suspend fun budgetChangeBallot(edition: Long, identity: BudgetIdentity, receiptCode: String? = null): MyBallotState =
        core.budgetChangeBallot(edition, identity, receiptCode)

    /** Submits a project (submission phase only; the core checks it), through the outbox: queued offline. */
    suspend fun budgetSubmitProject(edition: Long, project: BudgetProjectSubmission): BudgetWrite =
        core.budgetSubmitProject(edition, project)

    /** Signs a submitted project (support signatures), once from this phone; through the outbox. */
    suspend fun budgetSign(project: Long, identity: BudgetIdentity, sms: BudgetSmsProof?, residenceDeclared: Boolean): BudgetWrite =
        core.budgetSign(project, identity, sms, residenceDeclared)

    /** Appeals against my project's rejection (until the edition's appeal date); through the outbox. */
    suspend fun budgetAppeal(project: Long, text: String): BudgetWrite = core.budgetAppeal(project, text)

    /** My submissions, signatures, appeals and ballot changes, newest first. */
    suspend fun budgetWrites(edition: Long? = null): List<BudgetWrite> = withContext(io) { core.budgetWrites(edition) }

    /** The gmina's localities (the address field of the identity form). */
    suspend fun localities(): List<Locality> = withContext(io) { core.localities() }

    // ---- consultations (surveys): every status, hint, problem and percentage is the core's (`core.consultations()`) ----

    /** Pulls the consultations and the published summaries (network). */
    suspend fun refreshConsultations() = core.consultationsRefresh()

    /** As last fetched: open ones first, then upcoming, then closed (offline). */
    suspend fun consultations(): ConsultationList = withContext(io) { core.consultations() }

    /** One consultation: its questions, my draft's answers, what the core says of the draft, my response. */
    suspend fun consultation(id: Long): ConsultationDetail = withContext(io) { core.consultation(id) }

    /** Answers one question; an answer its kind refuses (over the maximum…) throws with the core's reason. */
    suspend fun consultationAnswer(id: Long, question: String, value: AnswerValue): AnswersDraft =
        withContext(io) { core.consultationSetAnswer(id, question, value) }

    /** Clears one answer ([question] null: all). */
    suspend fun consultationClear(id: Long, question: String? = null): AnswersDraft =
        withContext(io) { core.consultationClear(id, question) }

    /** Sends the draft through the outbox, once; offline it stays queued. */
    suspend fun consultationSubmit(id: Long): MyResponse = core.consultationSubmit(id)

    /**
     * Per-person consultations with a code by SMS: texts it to [phone]
     * (network); the identity and the phone are checked first.
     */
    suspend fun consultationRequestSms(id: Long, identity: BudgetIdentity, phone: String): BudgetSmsRequest =
        core.consultationRequestSmsCode(id, identity, phone)

    /**
     * Per-person consultations: sends the draft with who answers (checked
     * first, `invalid_identity` naming the field), through the outbox,
     * once; the identity stays only in the outbox item until the server
     * answers.
     */
    suspend fun consultationSubmitAs(id: Long, identity: BudgetIdentity, sms: BudgetSmsProof?): MyResponse =
        core.consultationSubmitAs(id, identity, sms)

    /** Null: nothing sent from this phone. */
    suspend fun consultationResponse(id: Long): MyResponse? = withContext(io) { core.consultationResponse(id) }

    /** The published summary as last fetched; null before publication. */
    suspend fun consultationSummary(id: Long): ConsultationSummary? = withContext(io) { core.consultationSummary(id) }

    /** Sends what is queued (reports made offline) without pulling. */
    suspend fun flushOutbox(): OutboxSummary = core.flushOutbox()

    // ---- notification settings and push (issue 16) ----

    /** The subscription as the settings screen shows it: the core's switches, labels, state and the alerts sentence. */
    suspend fun notificationSettings(): NotificationSettings = withContext(io) { core.notificationSettings() }

    /** Queues the edit in the outbox (the core checks it and keeps alerts on); [flushOutbox] or a sync sends it. */
    suspend fun setNotificationSettings(edit: NotificationSettingsEdit): NotificationSettings =
        withContext(io) { core.setNotificationSettings(edit) }

    /** The push registration's state (never the token). */
    suspend fun pushStatus(): PushStatus = withContext(io) { core.pushStatus() }

    /** Queues the push service's registration (UnifiedPush endpoint and keys, or an FCM token). */
    suspend fun registerPush(registration: PushRegistrationInput): PushStatus = withContext(io) { core.registerPush(registration) }

    /** Queues the removal of the push registration. */
    suspend fun unregisterPush(): PushStatus = withContext(io) { core.unregisterPush() }

    // ---- the waste schedule (harmonogram odbioru odpadów) ----

    /** Adds an address; online the server gives its zone, or the core says what it needs (a building type). */
    suspend fun wasteAddAddress(input: WasteAddressInput): WasteAddress = core.wasteAddAddress(input)

    suspend fun wasteRemoveAddress(id: Long) = withContext(io) { core.wasteRemoveAddress(id) }

    /** Every address with its next [limit] collections from [today] (Warsaw). */
    suspend fun wasteScreen(today: LocalDate, limit: Int = 5): WasteScreen =
        withContext(io) { core.wasteScreen(today.toString(), limit.toUInt()) }

    /** Fetches the schedules and the dictionary (network). */
    suspend fun wasteRefresh() = core.wasteRefresh()

    /** "What goes where": the gmina's dictionary, searched offline. */
    suspend fun wasteSearch(text: String, limit: Int = 20): List<WasteDictionaryHit> =
        withContext(io) { core.wasteSearch(text, limit.toUInt()) }

    suspend fun wasteReminderPrefs(): WasteReminderPrefs = withContext(io) { core.wasteReminderPrefs() }

    suspend fun setWasteReminderPrefs(prefs: WasteReminderPrefs) = withContext(io) { core.setWasteReminderPrefs(prefs) }

    /** An address's collections as an iCalendar file, from the stored schedule (offline), and the server's feed URL. */
    suspend fun wasteIcs(id: Long): WasteIcs = withContext(io) { core.wasteIcs(id) }

    /** The local reminders due in [fromMs, toMs): the core computes the instants, the app only schedules them. */
    suspend fun wasteReminders(fromMs: Long, toMs: Long): List<WasteReminder> = withContext(io) { core.wasteReminders(fromMs, toMs) }

    /** Releases the native core now rather than when the GC gets to it. */
    override fun close() = core.close()

    companion object {
        /**
         * Opens the core with its store under [dataDir]. No network.
         * [serverUrl] null: the deployment's server, which the core knows
         * (`defaultServerUrl()`); Settings can store another one.
         */
        fun open(
            dataDir: File,
            serverUrl: String? = null,
            platform: Platform = Platform.ANDROID,
            appVersion: String = "0.1.0",
            locale: String? = "pl-PL",
            io: CoroutineDispatcher = Dispatchers.IO,
            syncListener: CoreListener? = null,
            afterTaxesChange: (suspend (Repository) -> Unit)? = null,
            /** A TERYT code to open; null: the gmina chosen last, or none yet (the picker). */
            gmina: String? = null,
        ): Repository = Repository(
            MmCore(CoreConfig(dataDir.path, serverUrl, platform, appVersion, locale, gmina)),
            io,
            syncListener,
            afterTaxesChange,
        )
    }
}
