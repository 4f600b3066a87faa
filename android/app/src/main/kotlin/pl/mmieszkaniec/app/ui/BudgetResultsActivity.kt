package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.view.ViewGroup
import android.widget.LinearLayout
import pl.mmieszkaniec.app.state.BudgetResultsModel
import pl.mmieszkaniec.app.state.BudgetResultsState
import pl.mmieszkaniec.core.BudgetProject
import pl.mmieszkaniec.core.BudgetResults

/**
 * An edition's published results, per pool: ballots, the pool's amount and
 * what was awarded, the projects (selected first, as the core orders them)
 * with their votes, and the count step by step in the core's sentences.
 */
class BudgetResultsActivity : ScreenActivity() {
    private lateinit var model: BudgetResultsModel
    private lateinit var content: Section

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        val id = intent.getLongExtra(EXTRA_EDITION, -1)
        check(id >= 0) { "BudgetResultsActivity needs $EXTRA_EDITION" }
        title = t(Texts.RESULTS)
        model = holder { BudgetResultsModel(repo, id) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    private fun show(s: BudgetResultsState) = content.show {
        heading(t(Texts.RESULTS), level = 1, key = "title")
        load(s.results, key = "results") { r ->
            if (r == null) {
                body(t(Texts.RESULTS_NOT_PUBLISHED), key = "none")
                return@load
            }
            body(r.fetchedText, secondary = true, key = "fetched")
            resultsMap(r, s.projects.valueOrNull?.projects.orEmpty())
            r.pools.forEach { pool ->
                heading(pool.name, key = "pool-${pool.pool}")
                body(t(Texts.ballotsCounted(pool.ballots)), key = "ballots-${pool.pool}")
                body(t(Texts.BUDGET_OF_POOL) + pool.budgetText, key = "budget-${pool.pool}")
                body(t(Texts.SPENT) + pool.spentText, key = "spent-${pool.pool}")
                pool.projects.forEach { p ->
                    val outcome = if (p.selected) t(Texts.SELECTED) else t(Texts.NOT_SELECTED)
                    val parts = listOf(p.costText, t(Texts.votes(p.votes)), outcome)
                    view("result", "result-${pool.pool}-${p.project}", { this@BudgetResultsActivity.body("") }) {
                        it.setTextIfChanged("${p.title}\n" + parts.joinToString(" · "))
                        it.contentDescription = "${p.title}. " + parts.joinToString(". ") + "."
                        it.setPadding(0, dp(6), 0, dp(6))
                    }
                }
                heading(t(Texts.HOW_COUNTED), level = 3, key = "trace-${pool.pool}")
                pool.trace.forEachIndexed { i, line -> body(line, secondary = true, key = "trace-${pool.pool}-$i") }
            }
        }
        button(t(Texts.BACK_TO_BUDGET), key = "back") { finish() }
    }

    /**
     * The edition's projects with a location: selected ones as filled
     * circles, the others as hollow rings (the shape says it, not colour
     * alone; the legend says which is which); a tap opens the project.
     */
    private fun Section.Builder.resultsMap(r: BudgetResults, projects: List<BudgetProject>) {
        val where = projects.associate { it.id to BudgetMapView.pointOf(it.location) }
        val markers = r.pools.flatMap { it.projects }.mapNotNull { p ->
            where[p.project]?.let { BudgetMapView.Marker(p.project, it, filled = p.selected) }
        }
        if (markers.isEmpty()) return
        heading(t(Texts.PROJECTS_MAP), key = "map-title")
        view("map", "results-map", {
            BudgetMapView(this@BudgetResultsActivity).apply {
                id = stableId("budget-results-map")
                layoutParams = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, dp(280))
            }
        }) { map ->
            map.show(null, markers)
            map.contentDescription = t(Texts.resultsMapSummary(markers.count { it.filled }, markers.count { !it.filled }))
            map.onProjectTapped = { id ->
                open(BudgetProjectActivity::class.java) { putExtra(BudgetProjectActivity.EXTRA_PROJECT, id) }
            }
        }
        body(t(Texts.MAP_LEGEND_RESULTS), secondary = true, key = "map-legend")
    }

    companion object {
        const val EXTRA_EDITION = "pl.mmieszkaniec.budget_results_edition"
    }
}
