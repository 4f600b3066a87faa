package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.Spinner
import pl.mmieszkaniec.app.state.BallotModel
import pl.mmieszkaniec.app.state.BallotState
import pl.mmieszkaniec.app.state.IdentityForm
import pl.mmieszkaniec.core.BallotPool
import pl.mmieszkaniec.core.BallotScreen
import pl.mmieszkaniec.core.BudgetIdentityMode
import pl.mmieszkaniec.core.BudgetProject
import pl.mmieszkaniec.core.CastState
import pl.mmieszkaniec.core.MyBallotState

/**
 * Voting in an edition of the participatory budget: per pool the core's
 * rule, what is left and its hint, the projects as check boxes (a tap asks
 * the core; a pick the rule refuses stays unticked and the core's reason is
 * announced), "Dalej" for the core's review, then the identity form with
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
        field("receipt", Texts.RECEIPT_CODE_FIELD, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS)
        button(t(Texts.CHECK_VOTE), key = "check-receipt") { act { model.checkMyBallot(text("receipt")) } }
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

    /** The identity form: the fields of the edition's setting, the SMS step, the declaration, "Oddaj głos". */
    private fun Section.Builder.identity(s: BallotState, screen: BallotScreen) {
        heading(t(Texts.YOUR_DETAILS), key = "details")
        body(t(Texts.IDENTITY_ABOUT), secondary = true, key = "details-about")
        field("first-name", Texts.FIRST_NAME, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME or InputType.TYPE_TEXT_FLAG_CAP_WORDS)
        field("last-name", Texts.LAST_NAME, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME or InputType.TYPE_TEXT_FLAG_CAP_WORDS)
        when (screen.identity) {
            BudgetIdentityMode.PESEL -> field("pesel", Texts.PESEL, InputType.TYPE_CLASS_NUMBER)
            BudgetIdentityMode.NAME_ADDRESS -> {
                localityField(s)
                field("street", Texts.STREET, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_POSTAL_ADDRESS)
                field("house", Texts.HOUSE, InputType.TYPE_CLASS_TEXT)
                field("flat", Texts.FLAT, InputType.TYPE_CLASS_TEXT)
            }
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
            field("phone", Texts.PHONE, InputType.TYPE_CLASS_PHONE)
            s.sms.error?.let { error(it, key = "sms-error") }
            button(if (s.sms.requesting) t(Texts.SENDING_SMS) else t(Texts.SEND_SMS), key = "send-sms", enabled = !s.sms.requesting) {
                model.editForm(::readForm)
                act { model.requestSms() }
            }
            if (s.sms.requestId != null) {
                body(t(Texts.SMS_SENT), key = "sms-sent", live = true)
                field("sms-code", Texts.SMS_CODE, InputType.TYPE_CLASS_NUMBER)
            }
        }
        if (screen.residenceRequired) {
            view("residence", "residence", {
                CheckBox(this@BallotActivity).apply {
                    setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                    setTextColor(Palette.TEXT)
                    minimumHeight = dp(48)
                    id = stableId("budget-residence")
                }
            }) { box ->
                box.setTextIfChanged(t(Texts.RESIDENCE))
                showChecked(box, s.residenceDeclared)
                box.setOnClickListener { model.declareResidence(box.isChecked) }
            }
        }
        s.castError?.let { error(it, key = "cast-error") }
        button(if (s.casting) t(Texts.CASTING) else t(Texts.CAST_VOTE), key = "cast", enabled = !s.casting) {
            model.editForm(::readForm)
            model.editSmsCode(text("sms-code"))
            act { if (model.cast()) model.checkMyBallot() }
        }
    }

    /** A labelled text field; what is typed stays in the view until "Wyślij kod" or "Oddaj głos" reads it. */
    private fun Section.Builder.field(key: String, label: Text, type: Int) {
        val fieldId = stableId("budget-$key")
        view("label", "$key-label", { this@BallotActivity.body(t(label)).apply { labelFor = fieldId } }) {
            it.setTextIfChanged(t(label))
        }
        view("field", key, {
            EditText(this@BallotActivity).apply {
                inputType = type
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
                minimumHeight = dp(48)
                id = fieldId
                layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.WRAP_CONTENT)
            }
        })
    }

    private fun Section.Builder.localityField(s: BallotState) {
        val fieldId = stableId("budget-locality")
        view("label", "locality-label", { this@BallotActivity.body(t(Texts.LOCALITY)).apply { labelFor = fieldId } })
        view("spinner", "locality", {
            Spinner(this@BallotActivity).apply {
                id = fieldId
                minimumHeight = dp(48)
                contentDescription = t(Texts.LOCALITY)
            }
        }) { spinner ->
            val names = s.localities.map { it.name }
            @Suppress("UNCHECKED_CAST")
            val current = (spinner.adapter as? ArrayAdapter<String>)?.let { a -> (0 until a.count).map { a.getItem(it) } }
            if (current != names) {
                spinner.adapter = ArrayAdapter(this@BallotActivity, android.R.layout.simple_spinner_dropdown_item, names)
            }
            val chosen = s.localities.indexOfFirst { it.id == s.form.locality }
            if (chosen >= 0 && spinner.selectedItemPosition != chosen) spinner.setSelection(chosen)
            spinner.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
                override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) {
                    val locality = s.localities.getOrNull(position)?.id
                    if (locality != model.state.value.form.locality) model.editForm { it.copy(locality = locality) }
                }

                override fun onNothingSelected(parent: AdapterView<*>?) = Unit
            }
        }
    }

    /** The state as it is, at once: no check animation for what the core answered. */
    private fun showChecked(box: CheckBox, checked: Boolean) {
        if (box.isChecked != checked) {
            box.isChecked = checked
            box.jumpDrawablesToCurrentState()
        }
    }

    private fun text(key: String): String = findViewById<EditText>(stableId("budget-$key"))?.text?.toString().orEmpty()

    /** What the fields hold now (a field the edition does not ask for reads as empty). */
    private fun readForm(form: IdentityForm): IdentityForm = form.copy(
        firstName = text("first-name"),
        lastName = text("last-name"),
        pesel = text("pesel"),
        locality = findViewById<Spinner>(stableId("budget-locality"))?.selectedItemPosition
            ?.let { model.state.value.localities.getOrNull(it)?.id } ?: form.locality,
        street = text("street"),
        house = text("house"),
        flat = text("flat"),
        phone = text("phone"),
    )

    companion object {
        const val EXTRA_EDITION = "pl.mmieszkaniec.ballot_edition"
    }
}
