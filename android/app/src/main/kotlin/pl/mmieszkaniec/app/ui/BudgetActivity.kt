package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.view.ViewGroup
import android.widget.LinearLayout
import pl.mmieszkaniec.app.state.BudgetEditionModel
import pl.mmieszkaniec.app.state.BudgetEditionState
import pl.mmieszkaniec.app.state.BudgetModel
import pl.mmieszkaniec.app.state.BudgetState
import pl.mmieszkaniec.core.BudgetEdition
import pl.mmieszkaniec.core.BudgetProject

/**
 * "Budżet obywatelski": the editions (each with its phase in words), or,
 * with [EXTRA_EDITION], one edition: its phase and rule, its pools (a pool
 * narrows the projects), its projects (each opening its page), "Głosuj"
 * while the core says voting is open and "Wyniki" once it says they are
 * published, "Zgłoś projekt" in the submission phase, and my proposals,
 * signatures and appeals of the edition with their state. Every phase, rule, amount and status is the core's text.
 */
class BudgetActivity : ScreenActivity() {
    private lateinit var content: Section
    private var resumedBefore = false
    private var reload: () -> Unit = {}

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.BUDGET)
        content = Section(this)
        column.addView(content.layout)
        val editionId = intent.getLongExtra(EXTRA_EDITION, -1)
        if (editionId < 0) {
            val model = holder { BudgetModel(repo) }
            collect(model.state, ::showEditions)
            reload = { act { model.load() } }
            if (!restored) act {
                model.load()
                model.refresh()
            }
        } else {
            val model = holder { BudgetEditionModel(repo, editionId) }
            collect(model.state) { showEdition(it, model) }
            reload = { act { model.load() } }
            if (!restored) act { model.load() }
        }
    }

    /** Back from a project or the ballot (a pick made there): whether each project is chosen, again. */
    override fun onResume() {
        super.onResume()
        if (resumedBefore) reload()
        resumedBefore = true
    }

    private fun showEditions(s: BudgetState) = content.show {
        heading(t(Texts.BUDGET), level = 1, key = "title")
        if (s.refreshing) body(t(Texts.SYNCING), secondary = true, key = "refreshing")
        s.refreshError?.let { error(it, key = "refresh") }
        load(s.editions, key = "editions") { list ->
            body(list.fetchedText, secondary = true, key = "fetched")
            heading(t(Texts.BUDGET_EDITIONS), key = "editions")
            if (list.editions.isEmpty()) body(t(Texts.NO_EDITIONS), secondary = true, key = "none")
            list.editions.forEach { e ->
                row(e.title, e.phaseText, "${e.title}. ${e.phaseText}.", key = "edition-${e.id}") {
                    open(BudgetActivity::class.java) { putExtra(EXTRA_EDITION, e.id) }
                }
            }
        }
    }

    private fun showEdition(s: BudgetEditionState, model: BudgetEditionModel) = content.show {
        load(s.edition, key = "edition") { e ->
            heading(e.title, level = 1, key = "title")
            body(e.phaseText, key = "phase")
            body(e.ruleText, secondary = true, key = "rule")
            actions(e)
            heading(t(Texts.POOLS), key = "pools")
            button(t(Texts.ALL_POOLS), key = "pool-all", enabled = s.pool != null) { act { model.choosePool(null) } }
            e.pools.forEach { p ->
                val text = "${p.name} · ${p.kindText} · ${p.amountText}"
                button(text, t(Texts.onlyPool(p.name)) + ", ${p.kindText}, ${p.amountText}", key = "pool-${p.id}", enabled = s.pool != p.id) {
                    act { model.choosePool(p.id) }
                }
            }
            heading(t(Texts.PROJECTS), key = "projects")
            load(s.projects, key = "projects") { list ->
                projectsMap(list.projects)
                list.projects.forEach { project(it) }
                if (list.projects.isEmpty()) body(t(Texts.NO_PROJECTS), secondary = true, key = "no-projects")
            }
            if (s.writes.isNotEmpty()) {
                heading(t(Texts.MY_BUDGET_WRITES), key = "writes")
                s.writes.forEach { budgetWrite(this@BudgetActivity, it, "write-${it.id}") }
            }
        }
    }

    /**
     * What the core says can be done now: propose a project in the
     * submission phase (the core's phase; the core refuses a proposal
     * otherwise), vote while voting is open, read the results once published.
     */
    private fun Section.Builder.actions(e: BudgetEdition) {
        if (e.submissionOpen) {
            button(t(Texts.PROPOSE_PROJECT), key = "propose") {
                open(BudgetProposalActivity::class.java) { putExtra(BudgetProposalActivity.EXTRA_EDITION, e.id) }
            }
        }
        if (e.votingOpen) {
            button(t(Texts.VOTE), key = "vote") { open(BallotActivity::class.java) { putExtra(BallotActivity.EXTRA_EDITION, e.id) } }
        }
        if (e.resultsPublished) {
            button(t(Texts.RESULTS), key = "results") {
                open(BudgetResultsActivity::class.java) { putExtra(BudgetResultsActivity.EXTRA_EDITION, e.id) }
            }
        }
    }

    /** The projects with a location as markers; a tap opens the project (the list below is the accessible way). */
    private fun Section.Builder.projectsMap(projects: List<BudgetProject>) {
        val markers = projects.mapNotNull { p -> BudgetMapView.pointOf(p.location)?.let { BudgetMapView.Marker(p.id, it) } }
        if (markers.isEmpty()) return
        heading(t(Texts.PROJECTS_MAP), level = 3, key = "map-title")
        view("map", "projects-map", {
            BudgetMapView(this@BudgetActivity).apply {
                id = stableId("budget-projects-map")
                layoutParams = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, dp(280))
            }
        }) { map ->
            map.show(null, markers)
            map.contentDescription = t(Texts.projectsMapSummary(markers.size))
            map.onProjectTapped = { id ->
                open(BudgetProjectActivity::class.java) { putExtra(BudgetProjectActivity.EXTRA_PROJECT, id) }
            }
        }
    }

    private fun Section.Builder.project(p: BudgetProject) {
        val title = listOfNotNull(p.number?.let { "$it." }, p.title).joinToString(" ")
        val parts = listOfNotNull(p.poolName, p.costText, p.statusText, if (p.chosen) t(Texts.ON_MY_BALLOT) else null)
        row(title, parts.joinToString(" · "), "$title. " + parts.joinToString(". "), key = "project-${p.id}") {
            open(BudgetProjectActivity::class.java) { putExtra(BudgetProjectActivity.EXTRA_PROJECT, p.id) }
        }
    }

    companion object {
        /** An edition's id: that edition's pools and projects instead of the list. */
        const val EXTRA_EDITION = "pl.mmieszkaniec.budget_edition"
    }
}
