package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.text.Editable
import android.text.TextWatcher
import android.util.TypedValue
import android.view.inputmethod.EditorInfo
import android.widget.EditText
import android.widget.LinearLayout
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.SearchModel
import pl.mmieszkaniec.app.state.SearchState
import pl.mmieszkaniec.core.SearchKind

/** Search news and events; "zlobek" finds "Żłobek" (the core folds). */
class SearchActivity : ScreenActivity() {
    private lateinit var model: SearchModel
    private lateinit var results: LinearLayout
    private var pending: Job? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = SearchModel(repo)
        val title = heading(t("Szukaj", "Search"))
        val input = EditText(this).apply {
            hint = t("Szukaj w aktualnościach i wydarzeniach", "Search news and events")
            contentDescription = hint
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
            minimumHeight = dp(48)
            inputType = EditorInfo.TYPE_CLASS_TEXT
            imeOptions = EditorInfo.IME_ACTION_SEARCH
            id = android.view.View.generateViewId()
        }
        results = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            id = android.view.View.generateViewId()
            accessibilityLiveRegion = android.view.View.ACCESSIBILITY_LIVE_REGION_POLITE
        }
        column.addView(title)
        column.addView(input)
        column.addView(results)
        results.accessibilityTraversalAfter = input.id
        input.addTextChangedListener(object : TextWatcher {
            override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit
            override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit
            override fun afterTextChanged(s: Editable?) {
                pending?.cancel()
                // Wait for a pause in typing: one core call per query, not per key.
                pending = scope.launch {
                    delay(250)
                    model.search(s?.toString().orEmpty())
                }
            }
        })
        collect(model.state, ::show)
    }

    private fun show(state: SearchState) {
        results.removeAllViews()
        render(state.hits, results) { hits ->
            if (hits.isEmpty()) results.addView(body(t("Nic nie znaleziono.", "Nothing found."), true))
            hits.forEach { h ->
                val kind = if (h.kind == SearchKind.NEWS) t("Aktualność", "News") else t("Wydarzenie", "Event")
                results.addView(row(h.title, h.snippet, "$kind: ${h.title}. ${h.snippet}") {
                    if (h.kind == SearchKind.NEWS) open(NewsActivity::class.java) { putExtra(NewsActivity.EXTRA_ID, h.id) }
                    else open(EventDetailActivity::class.java) { putExtra(EventDetailActivity.EXTRA_ID, h.id) }
                })
            }
        }
    }
}
