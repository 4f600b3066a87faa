package pl.mmieszkaniec.app.ui

import android.os.Bundle
import pl.mmieszkaniec.app.state.NewsModel
import pl.mmieszkaniec.app.state.NewsState
import pl.mmieszkaniec.core.Priority

/** News list (alerts first, as the core orders it), or one item with EXTRA_ID. */
class NewsActivity : ScreenActivity() {
    private lateinit var model: NewsModel
    private lateinit var content: Section
    private var shownItem: Long? = null

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.NEWS)
        model = holder { NewsModel(repo) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        val id = intent.getLongExtra(EXTRA_ID, -1)
        if (!restored) act { if (id >= 0) model.open(id) else model.load() }
    }

    private fun show(state: NewsState) {
        val open = state.open
        // Back closes an item opened from the list; one opened from elsewhere closes the screen.
        setBackWithin(if (open != null && intent.getLongExtra(EXTRA_ID, -1) < 0) ({ closeItem() }) else null)
        content.show {
            if (open != null) {
                load(open, key = "item") { n ->
                    heading(n.title, level = 1, key = "item-${n.id}")
                    body(repo.core.datetimeText(n.publishedAtMs), secondary = true, key = "published")
                    n.body.split("\n\n").forEach { body(it) }
                    if (intent.getLongExtra(EXTRA_ID, -1) < 0) button(t(Texts.BACK_TO_NEWS)) { closeItem() }
                }
                return@show
            }
            heading(t(Texts.NEWS), level = 1, key = "list")
            load(state.list, key = "list") { list ->
                if (list.isEmpty()) body(t(Texts.NO_NEWS), secondary = true)
                list.forEach { n ->
                    if (n.priority == Priority.ALERT) {
                        alert(n.title, n.body, key = "${n.id}") { act { model.open(n.id) } }
                    } else {
                        val date = repo.core.datetimeText(n.publishedAtMs)
                        row(n.title, date, "${n.title}, $date", key = "${n.id}") { act { model.open(n.id) } }
                    }
                }
            }
        }
        // An opened item starts TalkBack at its title.
        val itemId = open?.valueOrNull?.id
        if (itemId != shownItem) {
            shownItem = itemId
            if (itemId != null) content.viewAt("item-$itemId")?.let(::focusForAccessibility)
        }
    }

    private fun closeItem() {
        model.closeItem()
        act { model.load() }
    }

    companion object {
        const val EXTRA_ID = "pl.mmieszkaniec.news_id"
    }
}
