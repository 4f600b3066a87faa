package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.view.View
import android.widget.LinearLayout
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.state.MyReportsModel
import pl.mmieszkaniec.app.state.MyReportsState
import pl.mmieszkaniec.app.state.ReportStatusLabels
import pl.mmieszkaniec.core.MyReport

/**
 * "Moje zgłoszenia": every report made on this phone with where it is
 * (waiting to be sent, refused, or its handling status); one opened shows
 * the full status history with the town hall's public replies. A refused
 * report can be fixed and resent, or discarded.
 */
class MyReportsActivity : ScreenActivity() {
    private lateinit var model: MyReportsModel
    private lateinit var content: Section
    private var shownReport: Long? = null

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.MY_REPORTS)
        model = holder { MyReportsModel(repo) }
        val title = heading(t(Texts.MY_REPORTS))
        val actions = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; id = View.generateViewId() }
        content = Section(this)
        actions.addView(button(t(Texts.REPORT_NEW)) { open(ReportActivity::class.java) })
        actions.addView(button(t(Texts.REFRESH), t(Texts.REFRESH_SPOKEN)) { act { model.sync() } })
        column.addView(title)
        column.addView(content.layout)
        column.addView(actions)
        content.layout.accessibilityTraversalAfter = title.id
        actions.accessibilityTraversalAfter = content.layout.id
        collect(model.state, ::show)
        val openId = intent.getLongExtra(EXTRA_LOCAL_ID, -1L)
        if (!restored) act {
            model.loadCategories()
            model.load()
            if (openId >= 0) model.open(openId)
            model.sync()
        }
    }

    private fun categoryName(s: MyReportsState, id: String) =
        s.categories[id]?.let { if (language == "en") it.nameEn else it.namePl } ?: id

    private fun show(s: MyReportsState) {
        val open = s.open
        setBackWithin(if (open != null) ({ model.close() }) else null)
        content.show {
            if (s.syncing) body(t(Texts.SYNCING), secondary = true, key = "syncing")
            s.syncError?.let { error(it, key = "sync") }
            s.actionError?.let { error(it, key = "action") }
            if (open != null) {
                load(open, key = "open") { detail(s, it) }
                return@show
            }
            load(s.reports, key = "list") { list ->
                if (list.isEmpty()) body(t(Texts.NO_REPORTS), secondary = true)
                list.forEach { r ->
                    val number = r.serverId?.let { t(Texts.number(it)) } ?: ""
                    val title = "${categoryName(s, r.category)} $number".trim()
                    val created = repo.core.datetimeText(r.createdAtMs)
                    row(title, "${r.stateText} · $created", "$title. ${r.stateText}. $created", key = "${r.localId}") {
                        act { model.open(r.localId) }
                    }
                }
            }
        }
        val openId = open?.valueOrNull?.localId
        if (openId != shownReport) {
            shownReport = openId
            if (openId != null) content.viewAt("report-$openId")?.let(::focusForAccessibility)
        }
    }

    private fun Section.Builder.detail(s: MyReportsState, r: MyReport) {
        heading(categoryName(s, r.category) + (r.serverId?.let { " " + t(Texts.number(it)) } ?: ""), key = "report-${r.localId}")
        body(r.stateText, key = "state", live = true)
        r.report?.caseReference?.let { body(t(Texts.CASE_REFERENCE) + it, key = "case") }
        r.address?.let { body(it, secondary = true, key = "address") }
        body(r.description, key = "description")
        r.error?.let { e -> error(UserError(e.code, e.messagePl, e.messageEn, e.field), key = "refused") }
        if (r.actions.canEdit) {
            button(t(Texts.FIX_AND_RESEND)) {
                act {
                    model.edit(r.localId)?.let { draftId -> open(ReportActivity::class.java) { putExtra(ReportActivity.EXTRA_DRAFT_ID, draftId) } }
                }
            }
        }
        if (r.actions.canDiscard) button(t(Texts.WITHDRAW)) { act { model.discard(r.localId) } }
        val history = r.report?.history.orEmpty()
        if (history.isNotEmpty()) {
            heading(t(Texts.HISTORY), key = "history")
            // Newest first: the latest reply is what the resident came for.
            history.asReversed().forEach { h ->
                val label = ReportStatusLabels.label(h.status, language)
                val at = repo.core.datetimeText(h.atMs)
                val spoken = "$label, $at" + (h.publicReply?.let { ". " + t(Texts.REPLY) + it } ?: "")
                view("history", "${h.atMs}-${h.status}", {
                    LinearLayout(this@MyReportsActivity).apply {
                        orientation = LinearLayout.VERTICAL
                        setPadding(0, dp(8), 0, dp(8))
                        addView(this@MyReportsActivity.body("").apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
                        addView(this@MyReportsActivity.body("", secondary = true).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
                        isFocusable = true
                        id = View.generateViewId()
                    }
                }) { item ->
                    (item.getChildAt(0) as android.widget.TextView).setTextIfChanged("$label · $at")
                    val reply = item.getChildAt(1) as android.widget.TextView
                    reply.setTextIfChanged(h.publicReply.orEmpty())
                    reply.visibility = if (h.publicReply == null) View.GONE else View.VISIBLE
                    item.contentDescription = spoken
                }
            }
        }
        button(t(Texts.BACK_TO_LIST)) { model.close() }
    }

    companion object {
        /** Open this report (local id) on arrival. */
        const val EXTRA_LOCAL_ID = "local_id"
    }
}
