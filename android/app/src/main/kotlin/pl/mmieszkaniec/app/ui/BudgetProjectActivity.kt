package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.text.InputType
import android.view.ViewGroup
import android.widget.ImageView
import android.widget.LinearLayout
import pl.mmieszkaniec.app.state.BudgetProjectModel
import pl.mmieszkaniec.app.state.BudgetProjectState
import pl.mmieszkaniec.app.state.ProjectWritesModel
import pl.mmieszkaniec.app.state.ProjectWritesState
import pl.mmieszkaniec.core.BudgetEdition
import pl.mmieszkaniec.core.BudgetProject
import pl.mmieszkaniec.core.BudgetProjectLocation

/**
 * One project of the participatory budget: its number on the ballot, pool,
 * cost, status (and why it was rejected), description, its photos (the
 * core's files, kept at the budget's refresh) and its place on a drawn map;
 * while voting is
 * open, "Dodaj do karty" / "Usuń z karty" (the core refuses a pick the rule
 * does not allow, and its reason is shown and announced) and "Głosuj";
 * while it collects support signatures, "Poprzyj projekt" (the identity
 * form as the edition asks, the core's refusal with what was typed kept,
 * then the signature's state and count); for my rejected project, "Odwołaj
 * się" with the appeal's text. Which of them shows is the core's answer
 * (`canSign`, `canAppeal` on the project); after a signature or an appeal
 * the project is read again, so the offer goes.
 */
class BudgetProjectActivity : ScreenActivity() {
    private lateinit var model: BudgetProjectModel
    private lateinit var writes: ProjectWritesModel
    private lateinit var content: Section
    private var resumedBefore = false
    private val identityFields = IdentityFields(this, "sign")

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        val id = intent.getLongExtra(EXTRA_PROJECT, -1)
        check(id >= 0) { "BudgetProjectActivity needs $EXTRA_PROJECT" }
        title = t(Texts.BUDGET)
        model = holder { BudgetProjectModel(repo, id) }
        writes = holder { ProjectWritesModel(repo, id) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state) { show(it, writes.state.value) }
        collect(writes.state) { show(model.state.value, it) }
        if (!restored) act { loadAll() }
    }

    private suspend fun loadAll() {
        model.load()
        model.state.value.project.valueOrNull?.let { writes.load(it.edition) }
    }

    /** Back from the ballot (the project taken off there): chosen or not, again. */
    override fun onResume() {
        super.onResume()
        if (resumedBefore) act { loadAll() }
        resumedBefore = true
    }

    private fun show(s: BudgetProjectState, w: ProjectWritesState) = content.show {
        load(s.project, key = "project") { p ->
            heading(p.title, level = 1, key = "title")
            p.number?.let { body(t(Texts.projectNumber(it)), key = "number") }
            body(t(Texts.POOL) + p.poolName, key = "pool")
            body(t(Texts.COST) + p.costText, key = "cost")
            body(p.statusText, key = "status")
            p.rejectionReason?.let { body(t(Texts.REJECTION_REASON) + it, key = "rejection") }
            p.category?.let { body(t(Texts.PROJECT_CATEGORY) + it, secondary = true, key = "category") }
            p.description.split("\n\n").forEachIndexed { i, para -> body(para, key = "description-$i") }
            photos(p)
            place(p)
            if (p.chosen) body(t(Texts.ON_MY_BALLOT), key = "chosen", live = true)
            s.pickError?.let { error(it, key = "pick") }
            // Voting open is the core's answer for the edition; the pick itself is checked by the core.
            if (s.edition.valueOrNull?.votingOpen == true) {
                val label = if (p.chosen) t(Texts.REMOVE_FROM_BALLOT) else t(Texts.ADD_TO_BALLOT)
                button(label, "$label: ${p.title}", key = "toggle") { act { model.toggle() } }
                button(t(Texts.VOTE), key = "vote") { open(BallotActivity::class.java) { putExtra(BallotActivity.EXTRA_EDITION, p.edition) } }
            }
            signature(p, s.edition.valueOrNull, w)
            appeal(p, w)
        }
    }

    /** The photos the core keeps on the device (fetched at the budget's refresh), downsampled to the screen. */
    private fun Section.Builder.photos(p: BudgetProject) {
        p.photoPaths.forEachIndexed { i, path ->
            view("photo", "photo-$path", {
                ImageView(this@BudgetProjectActivity).apply {
                    // Decoded once, when the photo first shows (not at every render).
                    setImageBitmap(decodeDownsampled(path, resources.displayMetrics.widthPixels))
                    adjustViewBounds = true
                    maxHeight = dp(240)
                }
            }) { it.contentDescription = t(Texts.projectPhoto(i + 1, p.title)) }
        }
    }

    /** Its point (or its area's middle) on the drawn map, said in words for TalkBack. */
    private fun Section.Builder.place(p: BudgetProject) {
        val point = BudgetMapView.pointOf(p.location) ?: return
        heading(t(Texts.PROJECT_PLACE), level = 3, key = "place-title")
        view("map", "project-map", {
            BudgetMapView(this@BudgetProjectActivity).apply {
                layoutParams = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, dp(200))
            }
        }) { map ->
            map.show(null, listOf(BudgetMapView.Marker(p.id, point)))
            map.contentDescription = t(Texts.projectPlace(point.lat, point.lon, p.location is BudgetProjectLocation.Area))
        }
    }

    /** My signature's state once given; else, while signing is open, "Poprzyj projekt" and the form. */
    private fun Section.Builder.signature(p: BudgetProject, e: BudgetEdition?, w: ProjectWritesState) {
        w.signed?.let { budgetWrite(this@BudgetProjectActivity, it, "signed") }
        if (e == null || !p.canSign) return
        if (!w.signing) {
            button(t(Texts.SIGN_PROJECT), "${t(Texts.SIGN_PROJECT)}: ${p.title}", key = "sign-start") { writes.startSigning() }
            return
        }
        heading(t(Texts.SIGN_PROJECT), key = "sign-title")
        body(t(Texts.SIGN_ABOUT), secondary = true, key = "sign-about")
        identityFields.build(this, e.identity, w.localities, w.form.locality) { locality ->
            if (locality != writes.state.value.form.locality) writes.editForm { it.copy(locality = locality) }
        }
        if (e.residenceRequired) identityFields.residence(this, w.residenceDeclared, writes::declareResidence)
        w.signError?.let { error(it, key = "sign-error") }
        button(if (w.sending) t(Texts.SENDING) else t(Texts.SIGN), "${t(Texts.SIGN)}: ${p.title}", key = "sign", enabled = !w.sending) {
            writes.editForm { identityFields.read(it, writes.state.value.localities) }
            act { if (writes.sign(e)) model.load() }
        }
        button(t(Texts.CANCEL), key = "sign-cancel") { writes.startSigning(false) }
    }

    /** My appeal's state once sent; else, for my rejected project, the appeal's text and "Wyślij odwołanie". */
    private fun Section.Builder.appeal(p: BudgetProject, w: ProjectWritesState) {
        w.appealed?.let { budgetWrite(this@BudgetProjectActivity, it, "appealed") }
        if (!p.canAppeal) return
        heading(t(Texts.APPEAL), key = "appeal-title")
        identityFields.field(this, "appeal-text", Texts.APPEAL_TEXT, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE)
        w.appealError?.let { error(it, key = "appeal-error") }
        button(if (w.sending) t(Texts.SENDING) else t(Texts.SEND_APPEAL), key = "appeal", enabled = !w.sending) {
            writes.editAppeal(identityFields.text("appeal-text"))
            act {
                if (writes.appeal(p.edition)) {
                    identityFields.setText("appeal-text", "")
                    model.load()
                }
            }
        }
    }

    companion object {
        const val EXTRA_PROJECT = "pl.mmieszkaniec.budget_project"
    }
}
