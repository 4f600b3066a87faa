package pl.mmieszkaniec.app.state

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.delay
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.toUserError
import pl.mmieszkaniec.core.TaxLiabilityDetail
import pl.mmieszkaniec.core.TaxPaymentState
import pl.mmieszkaniec.core.TaxPaymentStatus
import pl.mmieszkaniec.core.TaxReminder
import pl.mmieszkaniec.core.Taxpayer
import pl.mmieszkaniec.core.TaxesScreen
import java.time.LocalDate
import java.time.ZoneId

/** Today in Warsaw: the day the tax figures are stated for (the core counts days there). */
fun warsawToday(): LocalDate = LocalDate.now(ZoneId.of("Europe/Warsaw"))

/**
 * "Podatki i opłaty": the household's liabilities (one device may be linked
 * to several taxpayers: spouses, a parent's farm), or the link form while
 * none is linked. Every figure, label and status is the core's.
 */
data class TaxesState(
    val screen: Load<TaxesScreen> = Load.Loading,
    /** What the resident typed into the activation code field. */
    val codeInput: String = "",
    val linking: Boolean = false,
    /** The code was refused (wrong, expired, used; or locked after 5 tries): the core's words. */
    val linkError: UserError? = null,
    /** The taxpayer the last code linked (announced once). */
    val linked: Taxpayer? = null,
    val refreshing: Boolean = false,
    /** The last refresh failed; the stored figures (recomputed for today) still show. */
    val refreshError: UserError? = null,
    /** Unlinking failed. */
    val actionError: UserError? = null,
) {
    /** Linked to at least one taxpayer: the list; otherwise the link form. */
    val isLinked: Boolean get() = screen.valueOrNull?.taxpayers?.isNotEmpty() == true
}

/**
 * Drives the taxes list: reads the stored copy first (offline too), then
 * refreshes from the server; links with a code, unlinks one taxpayer or all.
 * [today] is injectable so tests pin the day the interest is computed for.
 */
class TaxesModel(
    private val repo: Repository,
    private val today: () -> LocalDate = ::warsawToday,
) : StateHolder<TaxesState>(TaxesState()) {

    suspend fun load() {
        val screen = load { repo.taxesScreen(today()) }
        update { it.copy(screen = screen) }
    }

    /** Pulls the liabilities, then shows what the store holds (even when the pull failed). */
    suspend fun refresh() {
        update { it.copy(refreshing = true) }
        val error = try {
            repo.refreshTaxes()
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

    fun editCode(code: String) = update { it.copy(codeInput = code, linkError = null) }

    /**
     * Links the phone with the typed code (the core normalises it: spaces,
     * dashes, case); true when it was taken. The liabilities come at once.
     */
    suspend fun link(): Boolean {
        val code = state.value.codeInput
        update { it.copy(linking = true, linkError = null, linked = null) }
        val result = load { repo.linkTaxpayer(code) }
        update {
            it.copy(
                linking = false,
                linkError = result.errorOrNull,
                linked = result.valueOrNull,
                codeInput = if (result is Load.Ready) "" else it.codeInput,
            )
        }
        if (result is Load.Ready) refresh()
        return result is Load.Ready
    }

    /** One taxpayer ([taxpayer] its id) or all (null): the phone's copy goes at once. */
    suspend fun unlink(taxpayer: String?) {
        val r = load { repo.unlinkTaxpayer(taxpayer) }
        update { it.copy(actionError = r.errorOrNull, linked = null) }
        load()
    }

    /** The instalments due within the chosen days, for local notifications. */
    suspend fun reminders(): List<TaxReminder> = load { repo.taxReminders(today()) }.valueOrNull.orEmpty()
}

/** One liability: its figures, the QR, paying it and the payment's result. */
data class TaxDetailState(
    val detail: Load<TaxLiabilityDetail> = Load.Loading,
    /** The payment made from this screen, as the core last reported it. */
    val payment: Load<TaxPaymentState>? = null,
    /** The payment's local id (the core's), once "Zapłać" was pressed. */
    val paymentId: String? = null,
    /** Creating the payment: "Zapłać" is disabled (one payment, not two). */
    val paying: Boolean = false,
    /** The printable confirmation (HTML), once asked for. */
    val receipt: Load<String>? = null,
)

class TaxDetailModel(
    private val repo: Repository,
    val liabilityId: String,
    private val today: () -> LocalDate = ::warsawToday,
) : StateHolder<TaxDetailState>(TaxDetailState()) {

    suspend fun load() {
        val detail = load { repo.taxLiability(liabilityId, today()) }
        update { it.copy(detail = detail) }
    }

    /**
     * "Zapłać": the core queues the payment with its idempotency key and
     * sends it at once when online; returns the gateway's page to open, or
     * null (the failure is in [TaxDetailState.payment], or the gateway's
     * answer has not come yet: [awaitResult] keeps asking).
     * [amountGrosze] null: the whole total as of today.
     */
    suspend fun pay(amountGrosze: Long? = null): String? {
        if (state.value.paying) return null
        update { it.copy(paying = true, receipt = null) }
        val id = load { repo.payTax(liabilityId, amountGrosze) }
        if (id is Load.Failed) {
            update { it.copy(paying = false, payment = id) }
            return null
        }
        val paymentId = (id as Load.Ready).value
        update { it.copy(paymentId = paymentId, payment = Load.Loading) }
        // The outbox sends it at once when online; the gateway's page comes with the answer.
        var payment = load { repo.taxPayment(paymentId) }
        var tries = 0
        while (payment.valueOrNull?.let { it.redirectUrl == null && !isFinal(it) } == true && tries++ < REDIRECT_TRIES) {
            delay(POLL_MS)
            payment = load { repo.taxPayment(paymentId) }
        }
        update { it.copy(paying = false, payment = payment) }
        return payment.valueOrNull?.takeIf { !isFinal(it) }?.redirectUrl
    }

    /** The payment's status again (back from the gateway's page). */
    suspend fun checkPayment() {
        val id = state.value.paymentId ?: return
        val payment = load { repo.taxPayment(id) }
        update { it.copy(payment = payment) }
        if (payment.valueOrNull?.let(::isFinal) == true) load()
    }

    /** Asks until the gateway's result is known (paid, failed, expired) or [tries] run out. */
    suspend fun awaitResult(tries: Int = 30) {
        repeat(tries) {
            checkPayment()
            if (state.value.payment?.valueOrNull?.let(::isFinal) == true) return
            delay(POLL_MS)
        }
    }

    private val receiptOpening = Opening()

    suspend fun loadReceipt() {
        val id = state.value.paymentId ?: return
        val ticket = receiptOpening.start()
        update { it.copy(receipt = Load.Loading) }
        val receipt = load { repo.taxReceipt(id) }
        update { if (receiptOpening.isLatest(ticket)) it.copy(receipt = receipt) else it }
    }

    fun closeReceipt() {
        receiptOpening.close()
        update { it.copy(receipt = null) }
    }

    companion object {
        private const val POLL_MS = 500L
        private const val REDIRECT_TRIES = 20

        /**
         * Paid, failed, expired or refused: no later answer changes it
         * (`TaxPaymentStatus::is_final` in the core; the record carries only the status).
         */
        fun isFinal(p: TaxPaymentState): Boolean = p.status in FINAL

        private val FINAL = setOf(TaxPaymentStatus.PAID, TaxPaymentStatus.FAILED, TaxPaymentStatus.EXPIRED, TaxPaymentStatus.REFUSED)
    }
}
