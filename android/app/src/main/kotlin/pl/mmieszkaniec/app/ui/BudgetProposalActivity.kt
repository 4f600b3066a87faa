package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.content.Intent
import android.text.InputType
import android.view.ViewGroup
import android.widget.ImageView
import android.widget.LinearLayout
import pl.mmieszkaniec.app.state.ProposalForm
import pl.mmieszkaniec.app.state.ProposalModel
import pl.mmieszkaniec.app.state.ProposalState
import pl.mmieszkaniec.core.BudgetWrite
import pl.mmieszkaniec.core.GeoPoint

/**
 * "Zgłoś projekt" (offered by the edition's screen in its submission
 * phase): the pool, title, description, estimated cost in złoty, category,
 * photos (camera or gallery, through the report form's [PhotoPicker]), the
 * place (a tap on the gmina's drawn map, or typed coordinates), and the
 * proposer's contact (the office's only). The core checks each
 * field and refuses in its words, naming the field; what was typed stays.
 * Once taken (sent, or queued offline) the write's state is shown and
 * announced, and the form is empty again.
 */
class BudgetProposalActivity : ScreenActivity() {
    private lateinit var model: ProposalModel
    private lateinit var content: Section
    private val fields = IdentityFields(this, "proposal")
    private var announced: String? = null
    private val picker = PhotoPicker(this, "projekt")

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        val id = intent.getLongExtra(EXTRA_EDITION, -1)
        check(id >= 0) { "BudgetProposalActivity needs $EXTRA_EDITION" }
        title = t(Texts.PROPOSE_PROJECT)
        model = holder { ProposalModel(repo, id) }
        picker.restore(savedInstanceState)
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    private fun show(s: ProposalState) {
        content.show {
            heading(t(Texts.PROPOSE_PROJECT), level = 1, key = "title")
            load(s.edition, key = "edition") { e ->
                body(e.title, key = "edition-title")
                // What became of the last proposal, above the (emptied) form.
                s.sent?.let { budgetWrite(this@BudgetProposalActivity, it, "sent") }
                body(t(Texts.PROPOSAL_ABOUT), secondary = true, key = "about")
                heading(t(Texts.POOLS), key = "pools")
                e.pools.forEach { p ->
                    val chosen = s.form.pool == p.id
                    val label = if (chosen) t(Texts.poolChosen(p.name)) else t(Texts.choosePool(p.name))
                    button(label, "$label, ${p.kindText}, ${p.amountText}", key = "pool-${p.id}", enabled = !chosen) {
                        model.edit { it.copy(pool = p.id) }
                    }
                }
                val text = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES
                fields.field(this, "title", Texts.PROJECT_TITLE, text)
                fields.field(this, "description", Texts.PROJECT_DESCRIPTION, text or InputType.TYPE_TEXT_FLAG_MULTI_LINE)
                fields.field(this, "cost", Texts.PROJECT_COST, InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL)
                fields.field(this, "category", Texts.PROJECT_CATEGORY_FIELD, text)
                photos(s)
                place(s)
                heading(t(Texts.CONTACT), key = "contact")
                fields.field(this, "contact-name", Texts.CONTACT_NAME, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME)
                fields.field(this, "contact-email", Texts.CONTACT_EMAIL, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_EMAIL_ADDRESS)
                fields.field(this, "contact-phone", Texts.CONTACT_PHONE, InputType.TYPE_CLASS_PHONE)
                s.error?.let { error(it, key = "error") }
                button(if (s.sending) t(Texts.SENDING) else t(Texts.SEND_PROPOSAL), key = "send", enabled = !s.sending) {
                    model.edit(::readForm)
                    act { if (model.submit()) clearFields() }
                }
            }
            button(t(Texts.BACK_TO_EDITION), key = "back") { finish() }
        }
        // TalkBack hears what became of the proposal once the core took it.
        val state = s.sent?.stateText
        if (state != null && state != announced) {
            content.viewAt("sent")?.let { focusForAccessibility(it) }
        }
        announced = state
    }

    /** The photos picked so far (each removable), and the camera and the gallery (the report form's picker). */
    private fun Section.Builder.photos(s: ProposalState) {
        heading(t(Texts.PROPOSAL_PHOTOS), key = "photos")
        s.form.photos.forEachIndexed { i, bytes ->
            val n = i + 1
            view("thumb", "photo-${System.identityHashCode(bytes)}", {
                ImageView(this@BudgetProposalActivity).apply {
                    setImageBitmap(decodeDownsampled(bytes, dp(160)))
                    adjustViewBounds = true
                    maxHeight = dp(160)
                }
            }) { it.contentDescription = t(Texts.photo(n)) }
            button(t(Texts.removePhoto(n)), key = "remove-photo-$n") { model.removePhoto(i) }
        }
        button(t(Texts.TAKE_PHOTO), key = "take-photo") { picker.takePhoto() }
        button(t(Texts.FROM_GALLERY), key = "gallery") { picker.fromGallery() }
    }

    /** The place: a tap on the gmina's drawn map, or typed coordinates; clearable. */
    private fun Section.Builder.place(s: ProposalState) {
        heading(t(Texts.PROJECT_PLACE), key = "place")
        body(t(Texts.PROPOSAL_PLACE_ABOUT), secondary = true, key = "place-about")
        val point = s.form.location
        s.box?.let { box ->
            view("map", "proposal-map", {
                BudgetMapView(this@BudgetProposalActivity).apply {
                    layoutParams = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, dp(220))
                    onMapTapped = { model.setLocation(it) }
                }
            }) { map ->
                map.show(box, listOfNotNull(point?.let { BudgetMapView.Marker(0, it) }))
                map.contentDescription = t(Texts.proposalPlace(point?.lat, point?.lon))
            }
        }
        body(t(Texts.proposalPlace(point?.lat, point?.lon)), key = "place-text", live = true)
        val number = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL
        fields.field(this, "lat", Texts.LATITUDE, number)
        fields.field(this, "lon", Texts.LONGITUDE, number)
        button(t(Texts.SET_COORDINATES), key = "set-place") {
            val lat = fields.text("lat").replace(',', '.').toDoubleOrNull()
            val lon = fields.text("lon").replace(',', '.').toDoubleOrNull()
            // What is a valid place is the core's to say when the proposal is sent.
            if (lat != null && lon != null) model.setLocation(GeoPoint(lat, lon))
        }
        if (point != null) button(t(Texts.CLEAR_PLACE), key = "clear-place") { model.setLocation(null) }
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        picker.save(outState)
    }

    @Deprecated("Framework activity results; no AndroidX here.")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        @Suppress("DEPRECATION")
        super.onActivityResult(requestCode, resultCode, data)
        val photo = picker.onActivityResult(requestCode, resultCode, data) ?: return
        act {
            val bytes = photo()
            if (bytes == null) showProblem(Texts.PHOTO_UNREADABLE) else model.addPhoto(bytes)
        }
    }

    private fun readForm(form: ProposalForm): ProposalForm = form.copy(
        title = fields.text("title"),
        description = fields.text("description"),
        cost = fields.text("cost"),
        category = fields.text("category"),
        contactName = fields.text("contact-name"),
        contactEmail = fields.text("contact-email"),
        contactPhone = fields.text("contact-phone"),
    )

    /** Taken by the core: the views empty, as the holder's form. */
    private fun clearFields() {
        listOf("title", "description", "cost", "category", "contact-name", "contact-email", "contact-phone", "lat", "lon")
            .forEach { fields.setText(it, "") }
    }

    companion object {
        const val EXTRA_EDITION = "pl.mmieszkaniec.proposal_edition"
    }
}

/**
 * One of my budget writes as the core describes it: what it is and about
 * which project, its state, a signature's count, a refusal's reason.
 */
fun Section.Builder.budgetWrite(screen: ScreenActivity, w: BudgetWrite, key: String) {
    val signatures = w.signatures?.let { have -> w.signaturesRequired?.let { need -> screen.t(Texts.signatures(have, need)) } }
    val parts = listOfNotNull(w.stateText, signatures, w.errorText)
    val title = "${w.kindText}: ${w.title}"
    body("$title\n" + parts.joinToString(" · "), key = key, live = true)
}
