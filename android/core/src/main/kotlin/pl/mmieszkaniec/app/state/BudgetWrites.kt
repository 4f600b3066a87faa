package pl.mmieszkaniec.app.state

import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.core.BoundingBox
import pl.mmieszkaniec.core.BudgetEdition
import pl.mmieszkaniec.core.BudgetProjectSubmission
import pl.mmieszkaniec.core.BudgetWrite
import pl.mmieszkaniec.core.BudgetWriteKind
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.Locality
import java.math.BigDecimal

/*
 * The participatory budget's resident writes: proposing a project,
 * signing (supporting) one, appealing my project's rejection, and the
 * list of my writes with the core's state text. Each goes through the
 * core's outbox (queued offline, sent when the server can be reached);
 * the core checks what was typed and refuses in its words, naming the
 * field; the holders keep what was typed until the core took it.
 */

/** The proposal form as typed. The contact reaches the office only (never published). */
data class ProposalForm(
    val pool: Long? = null,
    val title: String = "",
    val description: String = "",
    /** Złoty as typed ("12000", "12 000", "12000,50": the core says whole złoty only). */
    val cost: String = "",
    val category: String = "",
    val location: GeoPoint? = null,
    val contactName: String = "",
    val contactEmail: String = "",
    val contactPhone: String = "",
    /** Photos as picked (JPEG or PNG bytes); the core strips their metadata and checks how many. */
    val photos: List<ByteArray> = emptyList(),
) {
    /** What crosses to the core; the core checks every field (`invalid_input` names it). */
    fun submission(): BudgetProjectSubmission = BudgetProjectSubmission(
        pool = pool ?: 0,
        title = title,
        description = description,
        costGrosze = grosze(cost),
        category = category.ifBlank { null },
        location = location,
        photos = photos,
        contactName = contactName,
        contactEmail = contactEmail.ifBlank { null },
        contactPhone = contactPhone.ifBlank { null },
    )

    override fun toString(): String = "ProposalForm(pool=$pool, title=$title, photos=${photos.size})"
}

/**
 * Złoty as typed to grosze, unchecked: the core decides what is allowed
 * (a non-number, nothing or a negative is 0 grosze, which the core refuses
 * as not positive; "12,50" is 1250, which it refuses as not whole złoty).
 */
fun grosze(zloty: String): Long = try {
    BigDecimal(zloty.replace(" ", "").replace("\u00a0", "").replace(',', '.'))
        .movePointRight(2).setScale(0, java.math.RoundingMode.DOWN).longValueExact()
} catch (_: NumberFormatException) {
    0
} catch (_: ArithmeticException) {
    0
}

/** "Zgłoś projekt": the edition (its pools), the form, what became of the proposal. */
data class ProposalState(
    val edition: Load<BudgetEdition> = Load.Loading,
    val form: ProposalForm = ProposalForm(),
    val sending: Boolean = false,
    /** Refused (a field to fix, submissions closed…): the core's words; the form stays as typed. */
    val error: UserError? = null,
    /** Taken by the core: queued or sent, with its state text. */
    val sent: BudgetWrite? = null,
    /** The gmina's box (the map a place is marked on); null before the first sync. */
    val box: BoundingBox? = null,
)

class ProposalModel(private val repo: Repository, val editionId: Long) : StateHolder<ProposalState>(ProposalState()) {

    suspend fun load() {
        val edition = load { repo.budgetEdition(editionId) }
        val box = runCatching { repo.gminaBbox() }.getOrNull()
        update {
            // The first pool until one is picked (an edition often has one pool only).
            val pool = it.form.pool ?: edition.valueOrNull?.pools?.firstOrNull()?.id
            it.copy(edition = edition, form = it.form.copy(pool = pool), box = box)
        }
    }

    fun edit(change: (ProposalForm) -> ProposalForm) = update { it.copy(form = change(it.form), error = null) }

    /** A photo picked (camera or gallery, as JPEG or PNG). */
    fun addPhoto(bytes: ByteArray) = edit { it.copy(photos = it.photos + listOf(bytes)) }

    fun removePhoto(index: Int) = edit { f -> f.copy(photos = f.photos.filterIndexed { i, _ -> i != index }) }

    /** Where the project would be (the map's pin, or the phone's position); null: nowhere in particular. */
    fun setLocation(point: GeoPoint?) = edit { it.copy(location = point) }

    /** "Wyślij projekt": true when the core took it (sent, or queued); the form is then emptied. */
    suspend fun submit(): Boolean {
        val s = state.value
        if (s.sending) return false
        update { it.copy(sending = true, error = null) }
        val r = load { repo.budgetSubmitProject(editionId, s.form.submission()) }
        val taken = r is Load.Ready
        update {
            it.copy(
                sending = false,
                error = r.errorOrNull,
                sent = r.valueOrNull ?: it.sent,
                form = if (taken) ProposalForm(pool = it.form.pool) else it.form,
            )
        }
        return taken
    }
}

/** The signer's part of a project's page: the identity form, the signature, the appeal. */
data class ProjectWritesState(
    /** My writes about this edition (a signature or appeal of this project shows its state). */
    val writes: List<BudgetWrite> = emptyList(),
    val form: IdentityForm = IdentityForm(),
    val localities: List<Locality> = emptyList(),
    val residenceDeclared: Boolean = false,
    /** "Poprzyj projekt" pressed: the identity form shows. */
    val signing: Boolean = false,
    val sending: Boolean = false,
    /** The signature was refused (a field to fix, already signed…): the core's words, the form as typed. */
    val signError: UserError? = null,
    /** What became of the signature: its state, the signatures the project has now. */
    val signed: BudgetWrite? = null,
    val appealText: String = "",
    val appealError: UserError? = null,
    val appealed: BudgetWrite? = null,
) {
    override fun toString(): String = "ProjectWritesState(signing=$signing, signed=$signed, appealed=$appealed)"
}

/** Signing and appealing one project ([projectId]) of an edition ([editionId]). */
class ProjectWritesModel(private val repo: Repository, val projectId: Long) :
    StateHolder<ProjectWritesState>(ProjectWritesState()) {

    suspend fun load(editionId: Long) {
        val writes = load { repo.budgetWrites(editionId) }.valueOrNull.orEmpty()
        val localities = if (state.value.localities.isEmpty()) load { repo.localities() }.valueOrNull.orEmpty() else state.value.localities
        update {
            it.copy(
                writes = writes,
                localities = localities,
                signed = writes.firstOrNull { w -> w.kind == BudgetWriteKind.SIGNATURE && w.project == projectId } ?: it.signed,
                appealed = writes.firstOrNull { w -> w.kind == BudgetWriteKind.APPEAL && w.project == projectId } ?: it.appealed,
            )
        }
    }

    fun startSigning(on: Boolean = true) = update { it.copy(signing = on, signError = null) }

    fun editForm(change: (IdentityForm) -> IdentityForm) = update { it.copy(form = change(it.form), signError = null) }

    fun declareResidence(declared: Boolean) = update { it.copy(residenceDeclared = declared, signError = null) }

    /**
     * "Podpisz": the core checks the identity as the edition asks and
     * queues the signature (sent at once online). True when taken; what was
     * typed is then forgotten.
     */
    suspend fun sign(edition: BudgetEdition): Boolean {
        val s = state.value
        if (s.sending) return false
        update { it.copy(sending = true, signError = null) }
        val r = load {
            repo.budgetSign(projectId, s.form.identity(edition.identity, edition.smsRequired), null, s.residenceDeclared)
        }
        val taken = r is Load.Ready
        update {
            it.copy(
                sending = false,
                signError = r.errorOrNull,
                signed = r.valueOrNull ?: it.signed,
                signing = !taken,
                form = if (taken) IdentityForm() else it.form,
                residenceDeclared = if (taken) false else it.residenceDeclared,
            )
        }
        if (taken) load(edition.id)
        return taken
    }

    fun editAppeal(text: String) = update { it.copy(appealText = text, appealError = null) }

    /** "Wyślij odwołanie": true when the core took it; refused: its words, the text kept. */
    suspend fun appeal(editionId: Long): Boolean {
        val s = state.value
        if (s.sending) return false
        update { it.copy(sending = true, appealError = null) }
        val r = load { repo.budgetAppeal(projectId, s.appealText) }
        val taken = r is Load.Ready
        update {
            it.copy(
                sending = false,
                appealError = r.errorOrNull,
                appealed = r.valueOrNull ?: it.appealed,
                appealText = if (taken) "" else it.appealText,
            )
        }
        if (taken) load(editionId)
        return taken
    }
}
