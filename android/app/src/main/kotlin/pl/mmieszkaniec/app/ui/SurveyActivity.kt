package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.view.View
import android.widget.Button
import android.widget.CheckBox
import android.widget.CompoundButton
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.TextView
import pl.mmieszkaniec.app.state.IdentityForm
import pl.mmieszkaniec.app.state.SurveyModel
import pl.mmieszkaniec.app.state.SurveyState
import pl.mmieszkaniec.app.state.matrixTapped
import pl.mmieszkaniec.app.state.movedInRanking
import pl.mmieszkaniec.app.state.rankedLast
import pl.mmieszkaniec.app.state.ranking
import pl.mmieszkaniec.app.state.toggledOption
import pl.mmieszkaniec.app.state.unranked
import pl.mmieszkaniec.core.AnswerValue
import pl.mmieszkaniec.core.BudgetIdentityMode
import pl.mmieszkaniec.core.ConsultationDetail
import pl.mmieszkaniec.core.ConsultationSummary
import pl.mmieszkaniec.core.MatrixCell
import pl.mmieszkaniec.core.MyResponse
import pl.mmieszkaniec.core.QuestionKind
import pl.mmieszkaniec.core.QuestionView
import pl.mmieszkaniec.core.ResponseState

/**
 * One consultation: its description and rules, then, while the core says it
 * takes answers and nothing was sent from this phone, a control per
 * question as its kind asks: radio buttons (single choice), check boxes
 * with the maximum in the core's hint (a tick over it is refused and the
 * core's reason is announced under the question), a ranking with up and
 * down buttons, a matrix of radio buttons per row, short and long text
 * fields; a per-person one then "Twoje dane" with the fields the core
 * says it asks for (the ballot's identity form) and the SMS step when a
 * code is needed (what is typed is kept after a refusal, cleared once
 * taken); "Wyślij odpowiedzi" (through the outbox: queued offline). Once
 * sent: my response's state in the core's words ("already answered").
 * A closed one with its summary published: the summary, line by line.
 * Every tap asks the core; the controls show the core's draft, not the tap.
 */
class SurveyActivity : ScreenActivity() {
    private lateinit var model: SurveyModel
    private lateinit var content: Section
    private var announced: String? = null
    private val identityFields = IdentityFields(this, "survey-identity")

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        val id = intent.getLongExtra(EXTRA_CONSULTATION, -1)
        check(id >= 0) { "SurveyActivity needs $EXTRA_CONSULTATION" }
        title = t(Texts.CONSULTATIONS)
        model = holder { SurveyModel(repo, id) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    private fun show(s: SurveyState) {
        content.show {
            load(s.detail, key = "detail") { d ->
                heading(d.card.title, level = 1, key = "title")
                body(d.card.statusText, key = "status")
                if (d.description.isNotBlank()) body(d.description, key = "description")
                body(d.rulesText, secondary = true, key = "rules")
                d.response?.let { myResponse(it) }
                s.summary.valueOrNull?.let { summary(it) }
                // The form while the core takes answers and none went from this phone (a refused one may be fixed).
                if (d.card.acceptsAnswers && d.response?.state.let { it == null || it == ResponseState.REFUSED }) form(s, d)
            }
            button(t(Texts.BACK_TO_CONSULTATIONS), key = "back") { finish() }
        }
        // TalkBack goes to my response's state once there (sent, queued).
        val state = s.detail.valueOrNull?.response?.stateText
        if (state != null && state != announced) {
            announced = state
            content.viewAt("my-state")?.let(::focusForAccessibility)
        }
    }

    private fun Section.Builder.myResponse(r: MyResponse) {
        heading(t(Texts.MY_RESPONSE), key = "my-response")
        body(r.stateText, key = "my-state", live = true)
        r.errorText?.let { body(it, key = "my-error") }
        if (r.state == ResponseState.QUEUED) button(t(Texts.SEND_NOW), key = "send-now") { act { model.sendQueued() } }
    }

    private fun Section.Builder.summary(sum: ConsultationSummary) {
        heading(t(Texts.SUMMARY), key = "summary")
        body(sum.fetchedText, secondary = true, key = "summary-fetched")
        body(sum.respondentsText, key = "summary-respondents")
        sum.questions.forEach { q ->
            heading(q.text, level = 3, key = "summary-${q.question}")
            q.lines.forEachIndexed { i, l -> body("${l.label}: ${l.text}", key = "summary-${q.question}-$i") }
            if (q.texts.isNotEmpty()) {
                body(t(Texts.APPROVED_TEXTS), secondary = true, key = "summary-${q.question}-texts")
                q.texts.forEachIndexed { i, text -> body("„$text”", key = "summary-${q.question}-text-$i") }
            }
        }
    }

    private fun Section.Builder.form(s: SurveyState, d: ConsultationDetail) {
        d.questions.forEach { q -> question(s, q) }
        body(t(Texts.answeredCount(d.draft.answered, d.questions.size)), key = "answered", live = true)
        d.draft.problems.forEachIndexed { i, p -> body(p.text, secondary = true, key = "problem-$i") }
        d.identity?.let { mode -> identity(s, d, mode) }
        s.sendError?.let { error(it, key = "send-error") }
        button(if (s.sending) t(Texts.SENDING_ANSWERS) else t(Texts.SEND_ANSWERS), key = "send", enabled = !s.sending) {
            val texts = d.questions.filter { it.kind is QuestionKind.ShortText || it.kind is QuestionKind.LongText }
                .associate { it.id to textOf(it.id) }
            model.editForm(::readForm)
            model.editSmsCode(identityFields.text("sms-code"))
            act { model.submit(texts) }
        }
    }

    /**
     * Per-person: who answers, the fields the core says this consultation
     * asks for (as the budget's ballot: the same views), the SMS step when
     * it asks for a code. The core's words say what is needed and why.
     */
    private fun Section.Builder.identity(s: SurveyState, d: ConsultationDetail, mode: BudgetIdentityMode) {
        heading(t(Texts.YOUR_DETAILS), key = "details")
        body(d.identityText, key = "details-needed")
        body(t(Texts.IDENTITY_ABOUT_SURVEY), secondary = true, key = "details-about")
        identityFields.build(this, mode, s.localities, s.form.locality) { locality ->
            if (locality != model.state.value.form.locality) model.editForm { it.copy(locality = locality) }
        }
        if (d.smsRequired) {
            identityFields.sms(this, s.sms) {
                model.editForm(::readForm)
                act { model.requestSms() }
            }
        }
    }

    /** What the identity fields hold now (a field not asked for reads as empty). */
    private fun readForm(form: IdentityForm): IdentityForm = identityFields.read(form, model.state.value.localities)

    private fun Section.Builder.question(s: SurveyState, q: QuestionView) {
        val title = "${q.index + 1u}. ${q.text}" + if (q.required) t(Texts.REQUIRED) else ""
        // The title labels a text question's field (TalkBack reads it on the field).
        view("heading3", "q-${q.id}", { this@SurveyActivity.heading(title, level = 3) }) { h ->
            h.setTextIfChanged(title)
            if (q.kind is QuestionKind.ShortText || q.kind is QuestionKind.LongText) h.labelFor = stableId("survey-text-${q.id}")
        }
        if (q.help.isNotBlank()) body(q.help, secondary = true, key = "q-${q.id}-help")
        body(q.hintText, secondary = true, key = "q-${q.id}-hint")
        s.refused?.takeIf { it.question == q.id }?.let { error(it.error, key = "q-${q.id}-refused") }
        val answer = q.answer
        when (val k = q.kind) {
            is QuestionKind.Single -> k.options.forEachIndexed { i, o ->
                choice("q-${q.id}-$i", o, o, radio = true, checked = answer == AnswerValue.Single(i.toUShort())) {
                    act { model.answer(q.id, AnswerValue.Single(i.toUShort())) }
                }
            }
            is QuestionKind.Multiple -> k.options.forEachIndexed { i, o ->
                val ticked = (answer as? AnswerValue.Multiple)?.options.orEmpty()
                choice("q-${q.id}-$i", o, o, radio = false, checked = i.toUShort() in ticked) {
                    act { model.edit(q.id) { toggledOption(it, i) } }
                }
            }
            is QuestionKind.Ranking -> ranking(q, k.options, answer)
            is QuestionKind.Matrix -> k.rows.forEachIndexed { r, row ->
                body(row, key = "q-${q.id}-row-$r")
                val cells = (answer as? AnswerValue.Matrix)?.cells.orEmpty()
                k.columns.forEachIndexed { c, column ->
                    val cell = MatrixCell(r.toUShort(), c.toUShort())
                    val spoken = t(Texts.matrixCell(row, column))
                    choice("q-${q.id}-$r-$c", column, spoken, radio = !k.multiple, checked = cell in cells) {
                        act { model.edit(q.id) { matrixTapped(it, r, c, k.multiple) } }
                    }
                }
            }
            is QuestionKind.ShortText -> textField(q, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES, lines = 1)
            is QuestionKind.LongText -> textField(
                q,
                InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES,
                lines = 4,
            )
        }
        if (answer != null && q.kind !is QuestionKind.ShortText && q.kind !is QuestionKind.LongText) {
            button(t(Texts.CLEAR_ANSWER), "${t(Texts.CLEAR_ANSWER)}: ${q.text}", key = "q-${q.id}-clear") { act { model.clear(q.id) } }
        }
    }

    /** The ranked options in order, each with up, down and remove; then the unranked ones to add. */
    private fun Section.Builder.ranking(q: QuestionView, options: List<String>, answer: AnswerValue?) {
        val ranked = ranking(answer)
        if (ranked.isNotEmpty()) body(t(Texts.YOUR_RANKING), key = "q-${q.id}-ranked")
        ranked.forEachIndexed { position, option ->
            val name = options.getOrElse(option.toInt()) { "?" }
            view("rank", "q-${q.id}-rank-$option", { rankRow() }) { row ->
                (row.getChildAt(0) as TextView).setTextIfChanged("${position + 1}. $name")
                rankButton(row, 1, Texts.UP, Texts.rankUp(name), enabled = position > 0) {
                    act { model.edit(q.id) { movedInRanking(it, ranking(it).indexOf(option), -1) } }
                }
                rankButton(row, 2, Texts.DOWN, Texts.rankDown(name), enabled = position < ranked.size - 1) {
                    act { model.edit(q.id) { movedInRanking(it, ranking(it).indexOf(option), +1) } }
                }
                rankButton(row, 3, Texts.REMOVE, Texts.rankRemove(name), enabled = true) {
                    act { model.edit(q.id) { unranked(it, option.toInt()) } }
                }
            }
        }
        options.forEachIndexed { i, o ->
            if (i.toUShort() !in ranked) {
                button(t(Texts.rankAdd(o)), key = "q-${q.id}-add-$i") { act { model.edit(q.id) { rankedLast(it, i) } } }
            }
        }
    }

    private fun rankRow(): LinearLayout = LinearLayout(this).apply {
        orientation = LinearLayout.HORIZONTAL
        id = View.generateViewId()
        minimumHeight = dp(48)
        addView(body("").apply {
            layoutParams = LinearLayout.LayoutParams(0, LinearLayout.LayoutParams.WRAP_CONTENT, 1f)
        })
        repeat(3) { addView(button("") {}) }
    }

    private fun rankButton(row: LinearLayout, index: Int, label: Text, spoken: Text, enabled: Boolean, onClick: () -> Unit) {
        (row.getChildAt(index) as Button).apply {
            setTextIfChanged(t(label))
            contentDescription = t(spoken)
            isEnabled = enabled
            setOnClickListener { onClick() }
        }
    }

    /** A radio button or a check box showing the core's draft; a tap asks the core, whose answer re-renders it. */
    private fun Section.Builder.choice(key: String, label: String, spoken: String, radio: Boolean, checked: Boolean, onTap: () -> Unit) {
        view(if (radio) "radio" else "check", key, {
            val box: CompoundButton = if (radio) RadioButton(this@SurveyActivity) else CheckBox(this@SurveyActivity)
            box.apply {
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                setTextColor(Palette.TEXT)
                minimumHeight = dp(48)
                id = stableId("survey-$key")
            }
        }) { box ->
            box.setTextIfChanged(label)
            box.contentDescription = spoken.takeIf { it != label }
            showChecked(box, checked)
            box.setOnClickListener {
                showChecked(box, checked)
                onTap()
            }
        }
    }

    /** A labelled field; what is typed is read by "Wyślij odpowiedzi" (the core checks its length). */
    private fun Section.Builder.textField(q: QuestionView, type: Int, lines: Int) {
        val fieldId = stableId("survey-text-${q.id}")
        view("field", "q-${q.id}-field", {
            EditText(this@SurveyActivity).apply {
                inputType = type
                minLines = lines
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
                minimumHeight = dp(48)
                id = fieldId
                setText((q.answer as? AnswerValue.Text)?.text.orEmpty())
                layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.WRAP_CONTENT)
            }
        })
    }

    private fun textOf(question: String): String =
        findViewById<EditText>(stableId("survey-text-$question"))?.text?.toString().orEmpty()

    /** The state as it is, at once: no check animation for what the core answered. */
    private fun showChecked(box: CompoundButton, checked: Boolean) {
        if (box.isChecked != checked) {
            box.isChecked = checked
            box.jumpDrawablesToCurrentState()
        }
    }

    companion object {
        const val EXTRA_CONSULTATION = "pl.mmieszkaniec.consultation"
    }
}
