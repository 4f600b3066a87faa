package pl.mmieszkaniec.app.ui

import android.os.Bundle
import pl.mmieszkaniec.app.state.BudgetProjectModel
import pl.mmieszkaniec.app.state.BudgetProjectState

/**
 * One project of the participatory budget: its number on the ballot, pool,
 * cost, status (and why it was rejected), description; while voting is
 * open, "Dodaj do karty" / "Usuń z karty" (the core refuses a pick the rule
 * does not allow, and its reason is shown and announced) and "Głosuj".
 */
class BudgetProjectActivity : ScreenActivity() {
    private lateinit var model: BudgetProjectModel
    private lateinit var content: Section
    private var resumedBefore = false

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        val id = intent.getLongExtra(EXTRA_PROJECT, -1)
        check(id >= 0) { "BudgetProjectActivity needs $EXTRA_PROJECT" }
        title = t(Texts.BUDGET)
        model = holder { BudgetProjectModel(repo, id) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    /** Back from the ballot (the project taken off there): chosen or not, again. */
    override fun onResume() {
        super.onResume()
        if (resumedBefore) act { model.load() }
        resumedBefore = true
    }

    private fun show(s: BudgetProjectState) = content.show {
        load(s.project, key = "project") { p ->
            heading(p.title, level = 1, key = "title")
            p.number?.let { body(t(Texts.projectNumber(it)), key = "number") }
            body(t(Texts.POOL) + p.poolName, key = "pool")
            body(t(Texts.COST) + p.costText, key = "cost")
            body(p.statusText, key = "status")
            p.rejectionReason?.let { body(t(Texts.REJECTION_REASON) + it, key = "rejection") }
            p.category?.let { body(t(Texts.PROJECT_CATEGORY) + it, secondary = true, key = "category") }
            p.description.split("\n\n").forEachIndexed { i, para -> body(para, key = "description-$i") }
            if (p.chosen) body(t(Texts.ON_MY_BALLOT), key = "chosen", live = true)
            s.pickError?.let { error(it, key = "pick") }
            // Voting open is the core's answer for the edition; the pick itself is checked by the core.
            if (s.edition.valueOrNull?.votingOpen == true) {
                val label = if (p.chosen) t(Texts.REMOVE_FROM_BALLOT) else t(Texts.ADD_TO_BALLOT)
                button(label, "$label: ${p.title}", key = "toggle") { act { model.toggle() } }
                button(t(Texts.VOTE), key = "vote") { open(BallotActivity::class.java) { putExtra(BallotActivity.EXTRA_EDITION, p.edition) } }
            }
        }
    }

    companion object {
        const val EXTRA_PROJECT = "pl.mmieszkaniec.budget_project"
    }
}
