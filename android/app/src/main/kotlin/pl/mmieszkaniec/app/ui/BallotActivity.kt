package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.view.Gravity
import android.view.View
import android.widget.Button
import android.widget.CheckBox
import android.widget.LinearLayout
import android.widget.TextView
import pl.mmieszkaniec.app.state.BallotModel
import pl.mmieszkaniec.app.state.BallotState
import pl.mmieszkaniec.app.state.IdentityForm
import pl.mmieszkaniec.core.BallotPool
import pl.mmieszkaniec.core.BallotScreen
import pl.mmieszkaniec.core.BudgetProject
import pl.mmieszkaniec.core.CastState
import pl.mmieszkaniec.core.MyBallotState

/**
 * Voting in an edition of the participatory budget: per pool the core's
 * rule, what is left and its hint, the projects as check boxes (a tap asks
 * the core; a pick the rule refuses stays unticked and the core's reason is
 * announced) or, under the cumulative rule, a "−" / points / "+" control per
 * project, "Dalej" for the core's review, then the identity form with
 * the fields the edition asks for (names with PESEL, or with the address),
 * the SMS code when the edition sends one, the declaration of residence
 * when it asks for one, and "Oddaj głos". Then my ballot: queued (sent
 * when the server can be reached), cast with its receipt code, or refused
 * with the reason. Nothing typed here is kept once the vote is taken.
 */
class BallotActivity : ScreenActivity() {
    private lateinit var model: BallotModel
    private lateinit var content: Section
    private var announced: String? = null
    private val identityFields = IdentityFields(this, "budget")

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        val id = intent.getLongExtra(EXTRA_EDITION, -1)
        check(id >= 0) { "BallotActivity needs $EXTRA_EDITION" }
        title = t(Texts.BALLOT)
        model = holder { BallotModel(repo, id) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act {
            model.load()
            // The server's word on my ballot (its receipt, whether it may still be changed); offline: what is known.
            model.checkMyBallot()
        }
    }

    private fun show(s: BallotState) {
        content.show {
            heading(t(Texts.BALLOT), level = 1, key = "title")
            load(s.ballot, key = "ballot") { screen ->
                s.myBallot?.let { myBallot(s, it) }
                // A vote taken (cast, or queued to be sent) is shown above; the draft and the form
                // only otherwise, or while it is being changed.
                when (s.myBallot?.state.takeUnless { s.changing }) {
                    CastState.CAST, CastState.QUEUED -> Unit
                    CastState.REFUSED, null -> {
                        draft(s, screen)
                        s.review?.let { review ->
                            review.problems.forEachIndexed { i, p -> body(p.text, key = "problem-$i", live = true) }
                            if (review.ok) {
                                body(t(Texts.BALLOT_OK), key = "review-ok", live = true)
                                identity(s, screen)
                            }
                        }
                    }
                }
                if (s.myBallot == null) findByReceipt()
            }
            button(t(Texts.BACK_TO_BUDGET), key = "back") { finish() }
        }
        // TalkBack goes to what changed most: my ballot's state once there.
        val state = s.myBallot?.stateText
        if (state != null && state != announced) {
            announced = state
            content.viewAt("my-state")?.let(::focusForAccessibility)
        }
    }

    private fun Section.Builder.myBallot(s: BallotState, m: MyBallotState) {
        heading(t(Texts.MY_BALLOT), key = "my-ballot")
        body(m.stateText, key = "my-state", live = true)
        m.castText?.let { body(it, secondary = true, key = "my-cast-at") }
        m.changedText?.let { body(t(Texts.CHANGED) + it, secondary = true, key = "my-changed-at") }
        m.change?.let { c -> body("${c.kindText}: ${c.stateText}", key = "my-change", live = true) }
        m.change?.errorText?.let { body(it, key = "my-change-error") }
        s.checkError?.let { error(it, key = "check") }
        m.receiptCode?.let {
            body(t(Texts.RECEIPT_CODE) + it, key = "my-receipt")
            body(t(Texts.RECEIPT_ABOUT), secondary = true, key = "my-receipt-about")
        }
        m.choices.forEach { c ->
            body(listOfNotNull(c.number?.let { "$it." }, c.title, "(${c.costText})").joinToString(" "), key = "my-choice-${c.project}")
        }
        m.errorText?.let { body(it, key = "my-error") }
        if (m.state == CastState.QUEUED) button(t(Texts.SEND_NOW), key = "send-now") { act { model.sendQueued() } }
        // The server says whether it may be changed (the edition allows it, voting open).
        if (m.mayChange && !s.changing) button(t(Texts.CHANGE_VOTE), key = "change") { model.startChange() }
        if (s.changing) button(t(Texts.CANCEL_CHANGE), key = "cancel-change") { model.startChange(false) }
    }

    /** A ballot cast on another phone: found by its receipt code. */
    private fun Section.Builder.findByReceipt() {
        heading(t(Texts.FIND_BY_RECEIPT), key = "find")
        identityFields.field(this, "receipt", Texts.RECEIPT_CODE_FIELD, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS)
        button(t(Texts.CHECK_VOTE), key = "check-receipt") { act { model.checkMyBallot(identityFields.text("receipt")) } }
    }

    private fun Section.Builder.draft(s: BallotState, screen: BallotScreen) {
        body(screen.ruleText, key = "rule")
        body(t(Texts.chosenOnBallot(screen.chosen)), key = "chosen", live = true)
        s.pickError?.let { error(it, key = "pick") }
        val projects = s.projects.valueOrNull?.projects.orEmpty()
        screen.pools.forEach { pool -> pool(pool, projects.filter { it.pool == pool.pool }) }
        if (screen.chosen > 0u) button(t(Texts.CLEAR_BALLOT), key = "clear") { act { model.clear() } }
        button(t(Texts.REVIEW_BALLOT), key = "review") { act { model.review() } }
    }

    private fun Section.Builder.pool(pool: BallotPool, projects: List<BudgetProject>) {
        heading(pool.name, key = "pool-${pool.pool}")
        body(pool.amountText, secondary = true, key = "pool-amount-${pool.pool}")
        body(pool.hintText, key = "pool-hint-${pool.pool}", live = true)
        pool.remainingText?.let { body(t(Texts.LEFT_IN_POOL) + it, key = "pool-left-${pool.pool}") }
        pool.remainingPoints?.let { body(t(Texts.POINTS_LEFT) + it, key = "pool-points-${pool.pool}") }
        projects.forEach { p ->
            val label = listOfNotNull(p.number?.let { "$it." }, p.title, "(${p.costText})").joinToString(" ")
            // The cumulative rule (the core gives the points left): points per project, not a tick.
            if (pool.remainingPoints != null) {
                points(p, label, pool.chosen.firstOrNull { it.project == p.id }?.points?.toInt() ?: 0)
                return@forEach
            }
            view("pick", "pick-${p.id}", {
                CheckBox(this@BallotActivity).apply {
                    setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                    setTextColor(Palette.TEXT)
                    minimumHeight = dp(48)
                    id = stableId("pick-${p.id}")
                }
            }) { box ->
                box.setTextIfChanged(label)
                box.contentDescription = t(Texts.pickSpoken(p.title, p.costText))
                showChecked(box, p.chosen)
                box.setOnClickListener {
                    // The box shows the core's draft, not the tap: the answer re-renders it.
                    showChecked(box, p.chosen)
                    act { model.toggle(p.id) }
                }
            }
        }
    }

    /**
     * The points control of one project: "−", the points the core's draft
     * gives it, "+" (each 48 dp, read with the project's title); the value
     * is a live region, so TalkBack says the new points after a tap. A step
     * the rule refuses leaves the points and the core's reason is announced.
     */
    private fun Section.Builder.points(p: BudgetProject, label: String, given: Int) {
        view("points", "points-${p.id}", { pointsRow(p.id) }) { row ->
            (row.getChildAt(0) as TextView).setTextIfChanged(label)
            (row.getChildAt(2) as TextView).apply {
                setTextIfChanged(given.toString())
                contentDescription = t(Texts.pointsFor(p.title, given))
            }
            (row.getChildAt(1) as Button).apply {
                contentDescription = t(Texts.pointLess(p.title))
                isEnabled = given > 0
                setOnClickListener { act { model.stepPoints(p.id, -1) } }
            }
            (row.getChildAt(3) as Button).apply {
                contentDescription = t(Texts.pointMore(p.title))
                setOnClickListener { act { model.stepPoints(p.id, +1) } }
            }
        }
    }

    private fun pointsRow(project: Long): LinearLayout = LinearLayout(this).apply {
        orientation = LinearLayout.HORIZONTAL
        gravity = Gravity.CENTER_VERTICAL
        id = stableId("points-$project")
        minimumHeight = dp(48)
        addView(body("").apply { layoutParams = LinearLayout.LayoutParams(0, LinearLayout.LayoutParams.WRAP_CONTENT, 1f) })
        addView(button("−") {}.apply { minimumWidth = dp(48); minWidth = dp(48); minimumHeight = dp(48); minHeight = dp(48) })
        addView(body("").apply {
            gravity = Gravity.CENTER
            minWidth = dp(40)
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 20f)
            accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        })
        addView(button("+") {}.apply { minimumWidth = dp(48); minWidth = dp(48); minimumHeight = dp(48); minHeight = dp(48) })
    }

    /** The identity form: the fields of the edition's setting, the SMS step, the declaration, "Oddaj głos". */
    private fun Section.Builder.identity(s: BallotState, screen: BallotScreen) {
        heading(t(Texts.YOUR_DETAILS), key = "details")
        body(t(Texts.IDENTITY_ABOUT), secondary = true, key = "details-about")
        identityFields.build(this, screen.identity, s.localities, s.form.locality) { locality ->
            if (locality != model.state.value.form.locality) model.editForm { it.copy(locality = locality) }
        }
        // A change is the same voter's: names and address (or PESEL) only, no new code nor declaration.
        if (s.changing) {
            s.castError?.let { error(it, key = "cast-error") }
            button(if (s.casting) t(Texts.CASTING) else t(Texts.SAVE_CHANGE), key = "save-change", enabled = !s.casting) {
                model.editForm(::readForm)
                act { if (model.changeBallot()) model.checkMyBallot() }
            }
            return
        }
        if (screen.smsRequired) {
            identityFields.sms(this, s.sms) {
                model.editForm(::readForm)
                act { model.requestSms() }
            }
        }
        if (screen.residenceRequired) identityFields.residence(this, s.residenceDeclared, model::declareResidence)
        s.castError?.let { error(it, key = "cast-error") }
        button(if (s.casting) t(Texts.CASTING) else t(Texts.CAST_VOTE), key = "cast", enabled = !s.casting) {
            model.editForm(::readForm)
            model.editSmsCode(identityFields.text("sms-code"))
            act { if (model.cast()) model.checkMyBallot() }
        }
    }

    /** The state as it is, at once: no check animation for what the core answered. */
    private fun showChecked(box: CheckBox, checked: Boolean) {
        if (box.isChecked != checked) {
            box.isChecked = checked
            box.jumpDrawablesToCurrentState()
        }
    }

    /** What the fields hold now (a field the edition does not ask for reads as empty). */
    private fun readForm(form: IdentityForm): IdentityForm = identityFields.read(form, model.state.value.localities)

    companion object {
        const val EXTRA_EDITION = "pl.mmieszkaniec.ballot_edition"
    }
}
