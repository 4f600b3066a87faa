package pl.mmieszkaniec.app.ui

import android.os.Bundle
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.NewsModel
import pl.mmieszkaniec.app.state.NewsState
import pl.mmieszkaniec.core.Priority

/** News list (alerts first, as the core orders it), or one item with EXTRA_ID. */
class NewsActivity : ScreenActivity() {
    private lateinit var model: NewsModel

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = NewsModel(repo)
        collect(model.state, ::show)
        val id = intent.getLongExtra(EXTRA_ID, -1)
        scope.launch { if (id >= 0) model.open(id) else model.load() }
    }

    private fun show(state: NewsState) {
        column.removeAllViews()
        val open = state.open
        if (open != null) {
            render(open, column) { n ->
                column.addView(heading(n.title))
                column.addView(body(repo.core.datetimeText(n.publishedAtMs), secondary = true))
                n.body.split("\n\n").forEach { column.addView(body(it).apply { setPadding(0, dp(8), 0, 0) }) }
            }
            return
        }
        column.addView(heading(t("Aktualności", "News")))
        render(state.list, column) { list ->
            if (list.isEmpty()) column.addView(body(t("Brak aktualności.", "No news."), true))
            list.forEach { n ->
                if (n.priority == Priority.ALERT) {
                    column.addView(alertBanner(n.title, n.body) { scope.launch { model.open(n.id) } })
                } else {
                    val date = repo.core.datetimeText(n.publishedAtMs)
                    column.addView(row(n.title, date, "${n.title}, $date") { scope.launch { model.open(n.id) } })
                }
            }
        }
    }

    @Deprecated("framework back handling")
    override fun onBackPressed() {
        if (model.state.value.open != null && intent.getLongExtra(EXTRA_ID, -1) < 0) {
            model.closeItem()
            scope.launch { model.load() }
        } else {
            @Suppress("DEPRECATION")
            super.onBackPressed()
        }
    }

    companion object {
        const val EXTRA_ID = "pl.mmieszkaniec.news_id"
    }
}
