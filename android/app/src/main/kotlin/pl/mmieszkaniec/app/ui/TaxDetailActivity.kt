package pl.mmieszkaniec.app.ui

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.text.Html
import android.view.View
import android.widget.LinearLayout
import pl.mmieszkaniec.app.state.Load
import pl.mmieszkaniec.app.state.TaxDetailModel
import pl.mmieszkaniec.app.state.TaxDetailState
import pl.mmieszkaniec.core.TaxLiabilityDetail

/**
 * One liability: its figures as of today (amount, paid, arrears, interest,
 * the total), the bank-transfer QR drawn from the core's module matrix (with
 * the core's note and the amount beside it when the amount cannot be in the
 * code), "Zapłać" opening the gateway's page in the browser and, back from
 * it, the payment's result and its confirmation.
 */
class TaxDetailActivity : ScreenActivity() {
    private lateinit var model: TaxDetailModel
    private lateinit var content: Section
    private var resumedBefore = false
    private var shownStatus: String? = null

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        val id = checkNotNull(intent.getStringExtra(EXTRA_ID)) { "TaxDetailActivity needs $EXTRA_ID" }
        title = t(Texts.TAXES)
        model = holder { TaxDetailModel(repo, id) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    /** Back from the gateway's page (the browser): its result, asked until known. */
    override fun onResume() {
        super.onResume()
        if (resumedBefore && model.state.value.paymentId != null) act { model.awaitResult() }
        resumedBefore = true
    }

    private fun show(s: TaxDetailState) {
        setBackWithin(if (s.receipt != null) ({ model.closeReceipt() }) else null)
        content.show {
            val receipt = s.receipt
            if (receipt != null) {
                heading(t(Texts.RECEIPT), level = 1, key = "receipt-title")
                load(receipt, key = "receipt") { html ->
                    view("receipt", "text", { this@TaxDetailActivity.body("") }) {
                        it.setTextIfChanged(Html.fromHtml(html, Html.FROM_HTML_MODE_COMPACT).toString().trim())
                    }
                }
                button(t(Texts.BACK), key = "receipt-back") { model.closeReceipt() }
                return@show
            }
            load(s.detail, key = "detail") { d -> detail(s, d) }
        }
        val status = s.payment?.valueOrNull?.statusText
        if (status != null && status != shownStatus) {
            shownStatus = status
            content.viewAt("payment-status")?.let(::focusForAccessibility)
        }
    }

    private fun Section.Builder.detail(s: TaxDetailState, d: TaxLiabilityDetail) {
        heading("${d.kindText} ${d.periodText}".trim(), level = 1, key = "title")
        body(d.taxpayerName, key = "taxpayer")
        body(d.statusText, key = "status", live = true)
        heading(t(Texts.TO_PAY) + d.totalText, key = "total")
        body(t(Texts.DUE) + d.dueDateText, key = "due")
        body(t(Texts.AMOUNT) + d.amountText, secondary = true, key = "amount")
        body(t(Texts.PAID_SO_FAR) + d.paidText, secondary = true, key = "paid")
        body(t(Texts.REMAINING) + d.remainingText, secondary = true, key = "remaining")
        body(t(Texts.INTEREST) + d.interestText, secondary = true, key = "interest")
        d.payments.forEach { p -> body("${p.dateText}: ${p.amountText}", secondary = true, key = "booked-${p.dateText}-${p.amountText}") }

        payment(s, d)

        heading(t(Texts.QR_HEADING), key = "qr-heading")
        body(t(Texts.QR_ABOUT), secondary = true, key = "qr-about")
        // Above 9 999,99 zł the ZBP format cannot carry the amount: the core's
        // note, and the amount beside it to type in the banking app.
        d.amountNote?.let { note ->
            body(note, key = "qr-note")
            body(t(Texts.TO_PAY) + d.totalText, key = "qr-amount")
        }
        val size = d.qrSize.toInt()
        val spoken = if (d.amountInCode) t(Texts.qrSpoken(d.totalText)) else t(Texts.QR_SPOKEN_NO_AMOUNT)
        view("qr", "code", {
            QrCodeView(this@TaxDetailActivity).apply {
                id = stableId("tax-qr")
                layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.WRAP_CONTENT, LinearLayout.LayoutParams.WRAP_CONTENT)
                    .apply { topMargin = dp(8); bottomMargin = dp(8) }
            }
        }) { qr ->
            qr.setModules(size) { d.qrModules[it] }
            qr.contentDescription = spoken
        }
        body(t(Texts.ACCOUNT) + d.accountText, key = "account")
        body(t(Texts.TRANSFER_TITLE) + d.transferTitle, secondary = true, key = "transfer-title")
        button(t(Texts.BACK_TO_TAXES), key = "back") { finish() }
    }

    /** "Zapłać", or the payment made from here with its status and confirmation. */
    private fun Section.Builder.payment(s: TaxDetailState, d: TaxLiabilityDetail) {
        val payment = s.payment
        if (!d.paymentsEnabled) {
            body(t(Texts.PAYMENTS_OFF), secondary = true, key = "payments-off")
        } else if (d.totalGrosze > 0 && (payment == null || payment.valueOrNull?.let(TaxDetailModel::isFinal) == true && payment.valueOrNull?.receiptAvailable != true)) {
            button(t(Texts.PAY), t(Texts.paySpoken(d.totalText)), key = "pay", enabled = !s.paying) { pay() }
        }
        if (s.paying) body(t(Texts.PAYMENT_OPENING), secondary = true, key = "paying", live = true)
        when (payment) {
            null -> Unit
            Load.Loading -> Unit
            is Load.Failed -> error(payment.error, key = "payment-error")
            is Load.Ready -> {
                val p = payment.value
                heading(t(Texts.PAYMENT), key = "payment-heading")
                view("payment", "payment-status", {
                    this@TaxDetailActivity.body("").apply { accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE }
                }) { it.setTextIfChanged("${p.amountText}: ${p.statusText}") }
                if (!TaxDetailModel.isFinal(p)) {
                    button(t(Texts.CHECK_PAYMENT), key = "check") { act { model.checkPayment() } }
                }
                if (p.receiptAvailable) button(t(Texts.SHOW_RECEIPT), key = "receipt") { act { model.loadReceipt() } }
            }
        }
    }

    private fun pay() {
        act {
            val url = model.pay() ?: return@act
            val opened = startOutside(Intent(Intent.ACTION_VIEW, Uri.parse(url)).addCategory(Intent.CATEGORY_BROWSABLE))
            showProblem(if (opened) null else Texts.NO_BROWSER)
        }
    }

    companion object {
        /** The liability's id (the tax system's). */
        const val EXTRA_ID = "liability_id"
    }
}
