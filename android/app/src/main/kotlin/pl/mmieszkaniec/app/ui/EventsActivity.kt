package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.widget.LinearLayout
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.EventsModel
import pl.mmieszkaniec.app.state.EventsState
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle

/** Upcoming events grouped by day, filterable by category. */
class EventsActivity : ScreenActivity() {
    private lateinit var model: EventsModel
    private lateinit var filters: LinearLayout
    private lateinit var list: LinearLayout

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = EventsModel(repo)
        val title = heading(t("Wydarzenia", "Events"))
        filters = LinearLayout(this).apply { orientation = LinearLayout.HORIZONTAL; id = android.view.View.generateViewId() }
        list = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; id = android.view.View.generateViewId() }
        column.addView(title)
        column.addView(filters)
        column.addView(list)
        filters.accessibilityTraversalAfter = title.id
        list.accessibilityTraversalAfter = filters.id
        collect(model.state, ::show)
        scope.launch {
            val categories = runCatching { repo.core.categories() }.getOrDefault(emptyList())
            filters.addView(button(t("Wszystkie", "All"), t("Pokaż wszystkie kategorie", "Show all categories")) {
                scope.launch { model.load(null) }
            })
            categories.forEach { c ->
                val name = if (language == "en") c.nameEn else c.namePl
                filters.addView(button(name, t("Tylko kategoria $name", "Only category $name")) { scope.launch { model.load(c.id) } })
            }
            model.load()
        }
    }

    private fun show(state: EventsState) {
        list.removeAllViews()
        render(state.list, list) {
            if (it.isEmpty()) list.addView(body(t("Brak wydarzeń.", "No events."), true))
            val dayFormat = DateTimeFormatter.ofLocalizedDate(FormatStyle.FULL).withLocale(resources.configuration.locales[0])
            state.byDay.forEach { (day, events) ->
                list.addView(heading(day.format(dayFormat), level = 2))
                events.forEach { o -> list.addView(eventRow(o)) }
            }
        }
    }
}
