package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.text.Editable
import android.text.TextWatcher
import android.util.TypedValue
import android.view.inputmethod.EditorInfo
import android.widget.EditText
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.SearchModel
import pl.mmieszkaniec.app.state.SearchState
import pl.mmieszkaniec.core.Noun
import pl.mmieszkaniec.core.SearchKind

/** Search news and events; "zlobek" finds "Żłobek" (the core folds). */
class SearchActivity : ScreenActivity() {
    private lateinit var model: SearchModel
    private lateinit var results: Section
    private var pending: Job? = null

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.SEARCH)
        model = holder { SearchModel(repo) }
        val title = heading(t(Texts.SEARCH))
        // A hint and no contentDescription: TalkBack then reads what is typed.
        val input = EditText(this).apply {
            hint = t(Texts.SEARCH_HINT)
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
            minimumHeight = dp(48)
            inputType = EditorInfo.TYPE_CLASS_TEXT
            imeOptions = EditorInfo.IME_ACTION_SEARCH
            id = stableId("search")
        }
        results = Section(this)
        column.addView(title)
        column.addView(input)
        column.addView(results.layout)
        results.layout.accessibilityTraversalAfter = input.id
        input.addTextChangedListener(object : TextWatcher {
            override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit
            override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit
            override fun afterTextChanged(s: Editable?) {
                val query = s?.toString().orEmpty()
                // The field's text restored after a rotation is what was already searched.
                if (query == model.state.value.query) return
                pending?.cancel()
                // Wait for a pause in typing: one core call per query, not per key.
                pending = work.launch {
                    delay(250)
                    model.search(query)
                }
            }
        })
        collect(model.state, ::show)
    }

    private fun show(state: SearchState) = results.show {
        load(state.hits, key = "hits") { hits ->
            // Only the count is announced, not every hit on every keystroke.
            body(if (hits.isEmpty()) t(Texts.NOTHING_FOUND) else repo.core.countText(hits.size.toUInt(), Noun.SEARCH_RESULT), secondary = true, key = "count", live = true)
            hits.forEach { h ->
                val kind = if (h.kind == SearchKind.NEWS) t(Texts.KIND_NEWS) else t(Texts.KIND_EVENT)
                row(h.title, h.snippet, "$kind: ${h.title}. ${h.snippet}", key = "${h.kind}-${h.id}") {
                    if (h.kind == SearchKind.NEWS) open(NewsActivity::class.java) { putExtra(NewsActivity.EXTRA_ID, h.id) }
                    else open(EventDetailActivity::class.java) { putExtra(EventDetailActivity.EXTRA_ID, h.id) }
                }
            }
        }
    }
}
