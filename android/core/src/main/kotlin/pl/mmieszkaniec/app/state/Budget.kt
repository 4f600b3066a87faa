package pl.mmieszkaniec.app.state

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.sync.withLock
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.toUserError
import pl.mmieszkaniec.core.BallotReview
import pl.mmieszkaniec.core.BallotScreen
import pl.mmieszkaniec.core.BudgetAddress
import pl.mmieszkaniec.core.BudgetEdition
import pl.mmieszkaniec.core.BudgetEditions
import pl.mmieszkaniec.core.BudgetIdentity
import pl.mmieszkaniec.core.BudgetIdentityMode
import pl.mmieszkaniec.core.BudgetProject
import pl.mmieszkaniec.core.BudgetProjects
import pl.mmieszkaniec.core.BudgetResults
import pl.mmieszkaniec.core.BudgetSmsProof
import pl.mmieszkaniec.core.BudgetWrite
import pl.mmieszkaniec.core.Locality
import pl.mmieszkaniec.core.MyBallotState

/*
 * "Budżet obywatelski": the editions, an edition's pools and projects, one
 * project, the ballot with its identity and SMS step, my ballot, the
 * results. The holders only fetch and keep what the core answered: the
 * phase, the rule, what may still be added, why a pick is refused, whether
 * the ballot may be cast, every text. A refused pick is the core's
 * `ballot_rule` error, shown as it comes.
 */

/** The editions list. */
data class BudgetState(
    val editions: Load<BudgetEditions> = Load.Loading,
    val refreshing: Boolean = false,
    /** The last refresh failed; the stored copy still shows. */
    val refreshError: UserError? = null,
)

class BudgetModel(private val repo: Repository) : StateHolder<BudgetState>(BudgetState()) {
    suspend fun load() {
        val editions = load { repo.budgetEditions() }
        update { it.copy(editions = editions) }
    }

    /** Pulls from the server, then shows what the store holds (even when the pull failed). */
    suspend fun refresh() {
        update { it.copy(refreshing = true) }
        val error = try {
            repo.refreshBudget()
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

/** One edition: its pools, and the projects of the pool chosen (null: all). */
data class BudgetEditionState(
    val edition: Load<BudgetEdition> = Load.Loading,
    val pool: Long? = null,
    val projects: Load<BudgetProjects> = Load.Loading,
    /** My proposals, signatures and appeals of this edition, newest first, each with the core's state text. */
    val writes: List<BudgetWrite> = emptyList(),
)

class BudgetEditionModel(private val repo: Repository, val editionId: Long) :
    StateHolder<BudgetEditionState>(BudgetEditionState()) {

    suspend fun load() {
        val edition = load { repo.budgetEdition(editionId) }
        val projects = load { repo.budgetProjects(editionId, state.value.pool) }
        val writes = load { repo.budgetWrites(editionId) }.valueOrNull.orEmpty()
        update { it.copy(edition = edition, projects = projects, writes = writes) }
    }

    suspend fun choosePool(pool: Long?) {
        update { it.copy(pool = pool, projects = Load.Loading) }
        val projects = load { repo.budgetProjects(editionId, pool) }
        update { it.copy(projects = projects) }
    }
}

/** One project, and adding it to the ballot from its page. */
data class BudgetProjectState(
    val project: Load<BudgetProject> = Load.Loading,
    /** The edition it belongs to (whether voting is open, the rule). */
    val edition: Load<BudgetEdition> = Load.Loading,
    /** The last pick was refused: the core's reason. */
    val pickError: UserError? = null,
)

class BudgetProjectModel(private val repo: Repository, val projectId: Long) :
    StateHolder<BudgetProjectState>(BudgetProjectState()) {

    suspend fun load() {
        val project = load { repo.budgetProject(projectId) }
        val edition = project.valueOrNull?.let { p -> load { repo.budgetEdition(p.edition) } }
        update { it.copy(project = project, edition = edition ?: it.edition) }
    }

    /** Adds it to the draft or takes it off; refused: [BudgetProjectState.pickError]. */
    suspend fun toggle() {
        val edition = state.value.project.valueOrNull?.edition ?: return
        val r = load { repo.budgetToggle(edition, projectId) }
        update { it.copy(pickError = r.errorOrNull) }
        load()
    }
}

/**
 * The identity form as typed. Which fields the screen shows is the
 * edition's setting ([BallotScreen.identity], [BallotScreen.smsRequired]);
 * the core checks what was typed (`invalid_identity` names the field).
 */
data class IdentityForm(
    val firstName: String = "",
    val lastName: String = "",
    val pesel: String = "",
    /** A locality of the gmina (`Repository.localities`). */
    val locality: Long? = null,
    val street: String = "",
    val house: String = "",
    val flat: String = "",
    val phone: String = "",
) {
    /** What crosses to the core: the fields of [mode], the phone when codes are texted. */
    fun identity(mode: BudgetIdentityMode, smsRequired: Boolean): BudgetIdentity = BudgetIdentity(
        firstName = firstName,
        lastName = lastName,
        pesel = pesel.takeIf { mode == BudgetIdentityMode.PESEL },
        address = locality?.takeIf { mode == BudgetIdentityMode.NAME_ADDRESS }
            ?.let { BudgetAddress(it, street, house, flat.ifBlank { null }) },
        phone = phone.takeIf { smsRequired },
    )

    override fun toString(): String = "IdentityForm(***)"
}

/** The SMS step: the code asked for, and the one typed. */
data class SmsStep(
    val requestId: String? = null,
    val expiresAtMs: Long? = null,
    val code: String = "",
    val requesting: Boolean = false,
    val error: UserError? = null,
) {
    override fun toString(): String = "SmsStep(requestId=$requestId, requesting=$requesting, error=$error)"
}

/** The vote screen: the draft per pool, the candidates, the review, identity, SMS, cast. */
data class BallotState(
    val ballot: Load<BallotScreen> = Load.Loading,
    /** The edition's projects on the ballot, to pick from (each says whether it is chosen). */
    val projects: Load<BudgetProjects> = Load.Loading,
    /** The last pick was refused (over the limit, another area pool…): the core's reason. */
    val pickError: UserError? = null,
    /** The review before casting, once asked for. */
    val review: BallotReview? = null,
    val form: IdentityForm = IdentityForm(),
    val localities: List<Locality> = emptyList(),
    val sms: SmsStep = SmsStep(),
    val residenceDeclared: Boolean = false,
    val casting: Boolean = false,
    /** The cast was refused (a field to fix, the SMS code, already voted…): the core's words. */
    val castError: UserError? = null,
    /** What became of the cast from this phone: queued, cast with its receipt, refused. */
    val myBallot: MyBallotState? = null,
    /** Asking the server about my ballot failed (offline: what is known still shows). */
    val checkError: UserError? = null,
    /** "Zmień głos" pressed: the draft and the form again, and the form saves a change instead of a cast. */
    val changing: Boolean = false,
)

class BallotModel(private val repo: Repository, val editionId: Long) : StateHolder<BallotState>(BallotState()) {

    suspend fun load() {
        val ballot = load { repo.budgetBallot(editionId) }
        val projects = load { repo.budgetProjects(editionId) }
        val localities = load { repo.localities() }.valueOrNull.orEmpty()
        val mine = load { repo.budgetMyBallot(editionId) }.valueOrNull
        update { it.copy(ballot = ballot, projects = projects, localities = localities, myBallot = mine) }
    }

    /** Adds or removes [project]; a pick the rule refuses leaves the draft and says why. */
    suspend fun toggle(project: Long) {
        val r = load { repo.budgetToggle(editionId, project) }
        applyPick(r)
    }

    /** Cumulative rule: [points] to [project] (0 takes it off). */
    suspend fun setPoints(project: Long, points: Int) {
        val r = load { repo.budgetSetPoints(editionId, project, points) }
        applyPick(r)
    }

    /** Taps one after another: each builds on the points the one before left in the core. */
    private val stepping = kotlinx.coroutines.sync.Mutex()

    /**
     * "−" / "+" of the points control: [by] points more (or fewer) than
     * the core's draft gives [project] now (not as last drawn); whether
     * that is allowed is the core's answer ([BallotState.pickError]).
     */
    suspend fun stepPoints(project: Long, by: Int) = stepping.withLock {
        val now = pointsGiven(state.value.ballot.valueOrNull, project)
        setPoints(project, (now + by).coerceAtLeast(0))
    }

    suspend fun clear(pool: Long? = null) {
        val r = load { repo.budgetClear(editionId, pool) }
        applyPick(r)
    }

    private suspend fun applyPick(r: Load<BallotScreen>) {
        val projects = load { repo.budgetProjects(editionId) }
        update {
            it.copy(
                ballot = (r as? Load.Ready) ?: it.ballot,
                projects = projects,
                pickError = r.errorOrNull,
                review = null,
            )
        }
    }

    /** "Dalej": the core's review of the draft (its problems in words, `ok`). */
    suspend fun review() {
        val r = load { repo.budgetReview(editionId) }
        update { it.copy(review = r.valueOrNull, pickError = r.errorOrNull) }
    }

    fun editForm(change: (IdentityForm) -> IdentityForm) = update { it.copy(form = change(it.form), castError = null) }

    fun editSmsCode(code: String) = update { it.copy(sms = it.sms.copy(code = code, error = null)) }

    fun declareResidence(declared: Boolean) = update { it.copy(residenceDeclared = declared, castError = null) }

    /** "Wyślij kod SMS": the core checks the identity and the phone, the server texts the code. */
    suspend fun requestSms() {
        val s = state.value
        val screen = s.ballot.valueOrNull ?: return
        update { it.copy(sms = it.sms.copy(requesting = true, error = null)) }
        val r = load { repo.budgetRequestSms(editionId, s.form.identity(screen.identity, true), s.form.phone) }
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

    /**
     * "Oddaj głos": the core checks the ballot and the identity, queues it
     * and sends it at once when online. True when the core took it (cast,
     * or queued to be sent); the refusal is in [BallotState.castError].
     */
    suspend fun cast(): Boolean {
        val s = state.value
        if (s.casting) return false
        val screen = s.ballot.valueOrNull ?: return false
        update { it.copy(casting = true, castError = null) }
        val proof = s.sms.requestId?.let { BudgetSmsProof(it, s.sms.code) }
        val r = load {
            repo.budgetCast(editionId, s.form.identity(screen.identity, screen.smsRequired), proof, s.residenceDeclared)
        }
        val mine = r.valueOrNull ?: load { repo.budgetMyBallot(editionId) }.valueOrNull
        // Cast or queued: what was typed is not kept on the screen.
        val taken = r is Load.Ready
        update {
            it.copy(
                casting = false,
                castError = r.errorOrNull,
                myBallot = mine,
                form = if (taken) IdentityForm() else it.form,
                sms = if (taken) SmsStep() else it.sms,
            )
        }
        if (taken) {
            val ballot = load { repo.budgetBallot(editionId) }
            update { it.copy(ballot = ballot) }
        }
        return taken
    }

    /**
     * Asks the server about my ballot (this phone's, or the one [receiptCode]
     * names, cast on another phone): the receipt, the choices as counted,
     * whether it may still be changed. Offline: [BallotState.checkError],
     * and what the phone knows still shows.
     */
    suspend fun checkMyBallot(receiptCode: String? = null) {
        val r = load { repo.budgetCheckMyBallot(editionId, receiptCode?.ifBlank { null }) }
        val mine = r.valueOrNull ?: load { repo.budgetMyBallot(editionId) }.valueOrNull
        update { it.copy(myBallot = mine, checkError = r.errorOrNull) }
    }

    /** "Zmień głos" (offered while the core says the ballot may be changed) or back from it. */
    fun startChange(changing: Boolean = true) = update { it.copy(changing = changing, review = null, castError = null) }

    /**
     * Saves the draft's choices as the new ballot (the identity as for the
     * cast; the core checks the rule and whether a change is allowed). True
     * when the core took it (sent, or queued to be sent).
     */
    suspend fun changeBallot(receiptCode: String? = null): Boolean {
        val s = state.value
        if (s.casting) return false
        val screen = s.ballot.valueOrNull ?: return false
        update { it.copy(casting = true, castError = null) }
        val r = load { repo.budgetChangeBallot(editionId, s.form.identity(screen.identity, false), receiptCode) }
        val taken = r is Load.Ready
        update {
            it.copy(
                casting = false,
                castError = r.errorOrNull,
                myBallot = r.valueOrNull ?: it.myBallot,
                changing = !taken,
                form = if (taken) IdentityForm() else it.form,
            )
        }
        return taken
    }

    /**
     * A queued ballot: syncs (which sends the outbox, and once the server
     * answers again sends at once what waited only for the network) and
     * reads what became of it.
     */
    suspend fun sendQueued() {
        try {
            repo.sync()
        } catch (e: CancellationException) {
            throw e
        } catch (_: Exception) {
            // Offline still: it stays queued; the state below says so.
        }
        val mine = load { repo.budgetMyBallot(editionId) }.valueOrNull
        update { it.copy(myBallot = mine) }
    }
}

/** The points the core's draft gives [project] (cumulative rule; 0: none, or not that rule). */
fun pointsGiven(screen: BallotScreen?, project: Long): Int =
    screen?.pools?.flatMap { it.chosen }?.firstOrNull { it.project == project }?.points?.toInt() ?: 0

/**
 * Published results of an edition; null inside Ready: not published yet.
 * [projects]: the edition's projects, for their locations on the map.
 */
data class BudgetResultsState(
    val results: Load<BudgetResults?> = Load.Loading,
    val projects: Load<BudgetProjects> = Load.Loading,
)

class BudgetResultsModel(private val repo: Repository, val editionId: Long) :
    StateHolder<BudgetResultsState>(BudgetResultsState()) {
    suspend fun load() {
        val results = load { repo.budgetResults(editionId) }
        val projects = load { repo.budgetProjects(editionId) }
        update { it.copy(results = results, projects = projects) }
    }
}
