package pl.mmieszkaniec.app.ui

import android.Manifest
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.widget.EditText
import android.widget.LinearLayout
import pl.mmieszkaniec.app.state.TaxesModel
import pl.mmieszkaniec.app.state.TaxesState
import pl.mmieszkaniec.core.TaxesScreen

/**
 * "Podatki i opłaty": every liability of the household (kind, taxpayer,
 * due date, the total with interest to date, status), each opening its
 * detail with the QR and "Zapłać"; the taxpayers with "Odłącz". While no
 * taxpayer is linked: the activation code form. Tax data is personal: it is
 * shown here and on the detail only, never in a notification's text (the
 * due-date reminders, [TaxReminderNotifier], say the kind and the date only).
 */
class TaxesActivity : ScreenActivity() {
    private lateinit var model: TaxesModel
    private lateinit var content: Section
    private var resumedBefore = false

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.TAXES)
        model = holder { TaxesModel(repo) }
        val title = heading(t(Texts.TAXES))
        content = Section(this)
        column.addView(title)
        column.addView(content.layout)
        content.layout.accessibilityTraversalAfter = title.id
        collect(model.state, ::show)
        if (!restored) act {
            model.load()
            model.refresh()
        }
    }

    /** Back from a liability (paid meanwhile): the figures again. */
    override fun onResume() {
        super.onResume()
        if (resumedBefore) act { model.load() }
        resumedBefore = true
    }

    private fun show(s: TaxesState) = content.show {
        if (s.refreshing) body(t(Texts.SYNCING), secondary = true, key = "refreshing")
        s.refreshError?.let { if (s.isLinked) error(it, key = "refresh") }
        s.actionError?.let { error(it, key = "action") }
        load(s.screen, key = "screen") { screen ->
            if (screen.taxpayers.isEmpty()) {
                linkForm(s, first = true)
            } else {
                household(screen)
                linkForm(s, first = false)
            }
        }
    }

    private fun Section.Builder.household(screen: TaxesScreen) {
        // "Stan na …": when the server last stated them (interest is recomputed for today meanwhile).
        body(screen.fetchedText, secondary = true, key = "fetched")
        heading(t(Texts.TOTAL_TO_PAY) + screen.totalText, level = 2, key = "total")
        heading(t(Texts.LIABILITIES), key = "liabilities")
        if (screen.liabilities.isEmpty()) body(t(Texts.NO_LIABILITIES), secondary = true, key = "none")
        screen.liabilities.forEach { l ->
            val title = "${l.kindText} ${l.periodText}".trim()
            val subtitle = listOf(l.taxpayerName, l.dueText, l.totalText, l.statusText).joinToString(" · ")
            val spoken = "$title. ${l.taxpayerName}. ${l.dueText}. ${t(Texts.TO_PAY)}${l.totalText}. ${l.statusText}."
            row(title, subtitle, spoken, key = "liability-${l.id}") {
                open(TaxDetailActivity::class.java) { putExtra(TaxDetailActivity.EXTRA_ID, l.id) }
            }
        }
        heading(t(Texts.HOUSEHOLD), key = "household")
        screen.taxpayers.forEach { p ->
            body(p.name, key = "taxpayer-${p.id}")
            button(t(Texts.UNLINK), t(Texts.unlinkOne(p.name)), key = "unlink-${p.id}") { act { model.unlink(p.id) } }
        }
        if (screen.taxpayers.size > 1) button(t(Texts.UNLINK_ALL), key = "unlink-all") { act { model.unlink(null) } }
    }

    /** The activation code: the only form while nothing is linked, "add a taxpayer" below the list otherwise. */
    private fun Section.Builder.linkForm(s: TaxesState, first: Boolean) {
        if (first) body(t(Texts.TAXES_ABOUT), key = "about") else heading(t(Texts.LINK_ANOTHER), key = "link-another")
        val fieldId = stableId("tax-code")
        view("label", "code-label", {
            this@TaxesActivity.body(t(Texts.ACTIVATION_CODE)).apply { labelFor = fieldId }
        })
        view("field", "code", {
            EditText(this@TaxesActivity).apply {
                inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 20f)
                minimumHeight = dp(48)
                id = fieldId
                layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.WRAP_CONTENT)
            }
        }) { f ->
            // Cleared after a code was taken; otherwise what is typed stays.
            if (s.codeInput.isEmpty() && f.text.isNotEmpty() && s.linked != null) f.setText("")
        }
        s.linkError?.let { error(it, key = "link") }
        s.linked?.let { body(it.name, key = "linked", live = true) }
        button(if (s.linking) t(Texts.LINKING) else t(Texts.LINK), t(Texts.LINK_SPOKEN), key = "link", enabled = !s.linking) {
            val typed = findViewById<EditText>(fieldId)?.text?.toString().orEmpty()
            model.editCode(typed)
            act { if (model.link()) askForNotifications() }
        }
    }

    /**
     * Linked: the due-date reminders are notifications, so Android 13+ asks
     * for the permission now, in context (never at launch, as Android's
     * guidance asks). Granted, they are posted at once.
     */
    private fun askForNotifications() {
        if (Build.VERSION.SDK_INT < 33 || isDestroyed) return
        if (checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED) {
            requestPermissions(arrayOf(Manifest.permission.POST_NOTIFICATIONS), REQUEST_NOTIFICATIONS)
        }
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode == REQUEST_NOTIFICATIONS && grantResults.firstOrNull() == PackageManager.PERMISSION_GRANTED) {
            act { (application as MmApplication).taxReminders.postDue(repo) }
        }
    }

    private companion object {
        const val REQUEST_NOTIFICATIONS = 1
    }
}
