package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.widget.LinearLayout
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.HomeModel
import pl.mmieszkaniec.app.state.HomeState
import pl.mmieszkaniec.core.EventOccurrence

/** Home: alerts first, then upcoming events and the latest news. */
class HomeActivity : ScreenActivity() {
    private lateinit var model: HomeModel
    private lateinit var content: LinearLayout

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = HomeModel(repo)
        val title = heading("mMieszkaniec")
        val nav = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        content = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; id = android.view.View.generateViewId() }
        nav.addView(button(t("Zgłoś problem", "Report a problem")) { open(ReportActivity::class.java) })
        nav.addView(button(t("Moje zgłoszenia", "My reports")) { open(MyReportsActivity::class.java) })
        nav.addView(button(t("Mapa", "Map")) { open(MapActivity::class.java) })
        nav.addView(button(t("Aktualności", "News")) { open(NewsActivity::class.java) })
        nav.addView(button(t("Wydarzenia", "Events")) { open(EventsActivity::class.java) })
        nav.addView(button(t("Kalendarz", "Calendar")) { open(CalendarActivity::class.java) })
        nav.addView(button(t("Szukaj", "Search")) { open(SearchActivity::class.java) })
        nav.addView(button(t("Ustawienia", "Settings")) { open(SettingsActivity::class.java) })
        nav.id = android.view.View.generateViewId()
        column.addView(title)
        column.addView(content)
        column.addView(nav)
        // TalkBack reads the title, then alerts and content, then navigation.
        content.accessibilityTraversalAfter = title.id
        nav.accessibilityTraversalAfter = content.id
        collect(model.state, ::show)
        scope.launch {
            model.load()
            model.sync()
        }
    }

    private fun show(state: HomeState) {
        content.removeAllViews()
        if (state.syncing) content.addView(body(t("Synchronizacja…", "Syncing…"), secondary = true))
        state.syncError?.let { content.addView(errorText(it)) }
        render(state.content, content) { home ->
            home.alerts.forEach { a ->
                content.addView(alertBanner(a.title, a.body) { open(NewsActivity::class.java) { putExtra(NewsActivity.EXTRA_ID, a.id) } })
            }
            content.addView(heading(t("Najbliższe wydarzenia", "Upcoming events"), level = 2))
            if (home.upcoming.isEmpty()) content.addView(body(t("Brak zaplanowanych wydarzeń.", "No events planned."), true))
            home.upcoming.forEach { content.addView(eventRow(it)) }
            content.addView(heading(t("Aktualności", "News"), level = 2))
            home.latestNews.forEach { n ->
                val published = repo.core.datetimeText(n.publishedAtMs)
                content.addView(row(n.title, published, "${n.title}, $published") {
                    open(NewsActivity::class.java) { putExtra(NewsActivity.EXTRA_ID, n.id) }
                })
            }
        }
    }
}

fun ScreenActivity.eventRow(o: EventOccurrence) = run {
    val `when` = o.whenText
    val place = o.placeName?.let { ", $it" } ?: ""
    val cancelled = if (o.cancelled) t(" (odwołane)", " (cancelled)") else ""
    row(o.title + cancelled, `when` + place, "${o.title}$cancelled, $`when`$place") {
        open(EventDetailActivity::class.java) { putExtra(EventDetailActivity.EXTRA_ID, o.eventId) }
    }
}
