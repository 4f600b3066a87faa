package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.view.View
import android.widget.LinearLayout
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.MyReportsModel
import pl.mmieszkaniec.app.state.MyReportsState
import pl.mmieszkaniec.app.state.ReportStatusLabels
import pl.mmieszkaniec.core.MyReport
import pl.mmieszkaniec.core.ReportCategory

/**
 * "Moje zgłoszenia": every report made on this phone with where it is
 * (waiting to be sent, refused, or its handling status); one opened shows
 * the full status history with the town hall's public replies. A refused
 * report can be fixed and resent, or discarded.
 */
class MyReportsActivity : ScreenActivity() {
    private lateinit var model: MyReportsModel
    private lateinit var content: LinearLayout
    private var categories: Map<String, ReportCategory> = emptyMap()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = MyReportsModel(repo)
        val title = heading(t("Moje zgłoszenia", "My reports"))
        val actions = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; id = View.generateViewId() }
        content = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; id = View.generateViewId() }
        actions.addView(button(t("Zgłoś nowy problem", "Report a new problem")) { open(ReportActivity::class.java) })
        actions.addView(button(t("Odśwież", "Refresh"), t("Odśwież statusy zgłoszeń", "Refresh the reports' statuses")) {
            scope.launch { model.sync() }
        })
        column.addView(title)
        column.addView(content)
        column.addView(actions)
        content.accessibilityTraversalAfter = title.id
        actions.accessibilityTraversalAfter = content.id
        collect(model.state, ::show)
        val openId = intent.getLongExtra(EXTRA_LOCAL_ID, -1L)
        scope.launch {
            categories = runCatching { repo.reportCategories() }.getOrDefault(emptyList()).associateBy { it.id }
            model.load()
            if (openId >= 0) model.open(openId)
            model.sync()
        }
    }

    @Deprecated("Framework back handling; no AndroidX here.")
    override fun onBackPressed() {
        if (model.state.value.open != null) {
            model.close()
        } else {
            @Suppress("DEPRECATION")
            super.onBackPressed()
        }
    }

    private fun categoryName(id: String) = categories[id]?.let { if (language == "en") it.nameEn else it.namePl } ?: id

    private fun show(s: MyReportsState) {
        content.removeAllViews()
        if (s.syncing) content.addView(body(t("Synchronizacja…", "Syncing…"), secondary = true))
        s.syncError?.let { content.addView(errorText(it)) }
        s.actionError?.let { content.addView(errorText(it)) }
        val open = s.open
        if (open != null) {
            render(open, content, ::detail)
            return
        }
        render(s.reports, content) { list ->
            if (list.isEmpty()) content.addView(body(t("Nie masz jeszcze zgłoszeń.", "You have no reports yet."), secondary = true))
            list.forEach { r ->
                val number = r.serverId?.let { t("nr $it", "no. $it") } ?: ""
                val title = "${categoryName(r.category)} $number".trim()
                val created = repo.core.datetimeText(r.createdAtMs)
                val sub = "${r.stateText} · $created"
                content.addView(row(title, sub, "$title. ${r.stateText}. $created") {
                    scope.launch { model.open(r.localId) }
                })
            }
        }
    }

    private fun detail(r: MyReport) {
        content.addView(heading(categoryName(r.category) + (r.serverId?.let { t(" nr $it", " no. $it") } ?: ""), level = 2))
        content.addView(body(r.stateText).apply { accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE })
        r.report?.caseReference?.let { content.addView(body(t("Znak sprawy: ", "Case reference: ") + it)) }
        r.address?.let { content.addView(body(it, secondary = true)) }
        content.addView(body(r.description))
        r.error?.let { e ->
            content.addView(errorText(pl.mmieszkaniec.app.UserError(e.code, e.messagePl, e.messageEn, e.field)))
        }
        if (r.actions.canEdit) {
            content.addView(button(t("Popraw i wyślij ponownie", "Fix and send again")) {
                scope.launch {
                    model.edit(r.localId)?.let { draftId -> open(ReportActivity::class.java) { putExtra(ReportActivity.EXTRA_DRAFT_ID, draftId) } }
                }
            })
        }
        if (r.actions.canDiscard) {
            content.addView(button(t("Wycofaj zgłoszenie", "Withdraw the report")) { scope.launch { model.discard(r.localId) } })
        }
        val history = r.report?.history.orEmpty()
        if (history.isNotEmpty()) {
            content.addView(heading(t("Historia", "History"), level = 2))
            // Newest first: the latest reply is what the resident came for.
            history.asReversed().forEach { h ->
                val label = ReportStatusLabels.label(h.status, language)
                val at = repo.core.datetimeText(h.atMs)
                val item = LinearLayout(this).apply {
                    orientation = LinearLayout.VERTICAL
                    setPadding(0, dp(8), 0, dp(8))
                    addView(body("$label · $at").apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
                    h.publicReply?.let { addView(body(it, secondary = true).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO }) }
                    contentDescription = "$label, $at" + (h.publicReply?.let { t(". Odpowiedź urzędu: $it", ". The town hall's reply: $it") } ?: "")
                    isFocusable = true
                    id = View.generateViewId()
                }
                content.addView(item)
            }
        }
        content.addView(button(t("Wróć do listy", "Back to the list")) { model.close() })
    }

    companion object {
        /** Open this report (local id) on arrival. */
        const val EXTRA_LOCAL_ID = "local_id"
    }
}
