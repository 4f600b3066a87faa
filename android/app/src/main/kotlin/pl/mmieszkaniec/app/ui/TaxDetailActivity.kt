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
        val l = d.summary
        heading("${l.kindText} ${l.periodText}".trim(), level = 1, key = "title")
        body(l.taxpayerName, key = "taxpayer")
        body(l.statusText, key = "status", live = true)
        heading(t(Texts.TO_PAY) + l.totalText, key = "total")
        body(l.dueText, key = "due")
        body(t(Texts.AMOUNT) + l.amountText, secondary = true, key = "amount")
        body(t(Texts.INTEREST) + l.interestText, secondary = true, key = "interest")
        body(t(Texts.DECISION) + d.decision, secondary = true, key = "decision")
        if (d.payments.isNotEmpty()) {
            heading(t(Texts.PAYMENTS), key = "payments")
            d.payments.forEachIndexed { i, p -> body(p.text, secondary = true, key = "payment-line-$i") }
        }

        payment(s, d)

        heading(t(Texts.QR_HEADING), key = "qr-heading")
        body(t(Texts.QR_ABOUT), secondary = true, key = "qr-about")
        // Above 9 999,99 zł the ZBP format cannot carry the amount: the core's
        // note, and the amount beside it to type in the banking app.
        d.amountNote?.let { note ->
            body(note, key = "qr-note")
            body(t(Texts.TO_PAY) + l.totalText, key = "qr-amount")
        }
        val size = d.qrSize.toInt()
        val spoken = if (d.amountInCode) t(Texts.qrSpoken(l.totalText)) else t(Texts.QR_SPOKEN_NO_AMOUNT)
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
        body(t(Texts.RECIPIENT) + d.recipientName, key = "recipient")
        body(t(Texts.ACCOUNT) + d.accountText, key = "account")
        body(t(Texts.TRANSFER_TITLE) + d.transferTitle, secondary = true, key = "transfer-title")
        button(t(Texts.BACK_TO_TAXES), key = "back") { finish() }
    }

    /** "Zapłać", or the payment made from here with its status and confirmation. */
    private fun Section.Builder.payment(s: TaxDetailState, d: TaxLiabilityDetail) {
        val payment = s.payment
        val l = d.summary
        // The core says whether there is something to pay and a gateway to pay it through.
        if (d.canPay && (payment == null || payment.valueOrNull?.let { TaxDetailModel.isFinal(it) && !it.receiptAvailable } == true)) {
            button(t(Texts.PAY), t(Texts.paySpoken(l.totalText)), key = "pay", enabled = !s.paying) { pay() }
        } else if (payment == null && l.totalGrosze > 0) {
            body(t(Texts.PAYMENTS_OFF), secondary = true, key = "payments-off")
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
                // Why it waits or was refused (the gateway down, no network): the core's words.
                p.errorText?.let { body(it, secondary = true, key = "payment-why") }
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
