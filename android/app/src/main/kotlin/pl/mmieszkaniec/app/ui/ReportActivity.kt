package pl.mmieszkaniec.app.ui

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.BitmapFactory
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.os.Build
import android.os.Bundle
import android.os.CancellationSignal
import android.os.Looper
import android.text.InputType
import android.util.TypedValue
import android.view.View
import android.widget.EditText
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.state.ReportFlow
import pl.mmieszkaniec.app.state.ReportFlowState
import pl.mmieszkaniec.app.state.ReportStatusLabels
import pl.mmieszkaniec.core.AttributeType
import pl.mmieszkaniec.core.Direction
import pl.mmieszkaniec.core.LocationSource
import pl.mmieszkaniec.core.CategoryAttribute
import pl.mmieszkaniec.core.ReportCategory
import pl.mmieszkaniec.core.ReportDraft
import pl.mmieszkaniec.core.ReportReview
import pl.mmieszkaniec.core.ReportStep
import pl.mmieszkaniec.core.nudgePoint
import java.util.Locale

/**
 * "Zgłoś problem": one screen per step of [ReportFlow] (category →
 * location → photos → questions → description → review → sent). The draft
 * is stored by the core at every step, so leaving and coming back (or the
 * app being killed) loses nothing: [EXTRA_DRAFT_ID] resumes it. A rotation
 * keeps the flow's holder (and what is typed, through stable view ids).
 *
 * Location comes from the framework's [LocationManager] (no Google Play
 * services here): the last known fix at once, then a fresh one; the
 * resident can then move the pin in 5 m steps or type coordinates.
 */
class ReportActivity : ScreenActivity() {
    private lateinit var model: ReportFlow
    private lateinit var content: Section
    private val picker = PhotoPicker(this, "zgloszenie")
    private var locating: CancellationSignal? = null
    private var shownStep: Any? = null

    /** The limits and hints the screens state ("Do 5 zdjęć"), from the core. */
    private val rules by lazy { repo.reportRules() }

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.REPORT_PROBLEM)
        model = holder { ReportFlow(repo) }
        picker.restore(savedInstanceState)
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (restored) return
        val draftId = intent.getStringExtra(EXTRA_DRAFT_ID) ?: savedInstanceState?.getString(EXTRA_DRAFT_ID)
        // A barrier report started from the map's card, once: after a
        // restart the draft it made is resumed through the saved draft id.
        val barrierPlace = if (draftId == null && intent.hasExtra(EXTRA_BARRIER_PLACE_ID)) {
            intent.getLongExtra(EXTRA_BARRIER_PLACE_ID, 0L)
        } else {
            null
        }
        act {
            model.loadCategories()
            if (draftId != null) model.resume(draftId) else if (barrierPlace != null) model.startBarrierReport(barrierPlace)
        }
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        model.state.value.draft?.let { outState.putString(EXTRA_DRAFT_ID, it.id) }
        picker.save(outState)
    }

    override fun onDestroy() {
        locating?.cancel()
        super.onDestroy()
    }

    private fun show(s: ReportFlowState) {
        val inWizard = !s.done && s.step != ReportStep.CATEGORY
        setBackWithin(if (inWizard) ::goBack else null)
        val title = stepTitle(s)
        content.show {
            heading(title, level = 1, key = "title")
            if (inWizard) body(t(Texts.stepOf(s.step.ordinal, ReportStep.entries.size - 1)), secondary = true, key = "step")
            s.error?.let { error(it, key = "flow") }
            if (s.busy) loading("busy")
            when {
                s.submitted != null -> submitted(s)
                s.followedInstead != null -> {
                    body(t(Texts.FOLLOWING_BODY), key = "following")
                    button(t(Texts.DONE)) { finish() }
                }
                else -> when (s.step) {
                    ReportStep.CATEGORY -> categories(s)
                    ReportStep.LOCATION -> location(s.draft)
                    ReportStep.PHOTOS -> photos(s)
                    ReportStep.QUESTIONS -> questions(s.category, s.draft)
                    ReportStep.DESCRIPTION -> description(s.draft)
                    ReportStep.REVIEW -> load(s.review, key = "review") { review(it, s.busy) }
                }
            }
            if (inWizard) {
                button(t(Texts.BACK), key = "back") { goBack() }
                button(t(Texts.DISCARD_REPORT), key = "discard") { act { model.discard(); finish() } }
            }
        }
        // Screen readers start at the new step's title.
        val step = if (s.done) "done" else s.step
        if (step != shownStep) {
            shownStep = step
            content.viewAt("title")?.let(::focusForAccessibility)
        }
    }

    /**
     * One step back, keeping what was typed on this step (the draft stores
     * it; checks wait for the review), so coming forward again finds it.
     */
    private fun goBack() {
        val keep: (suspend () -> Unit)? = when (model.state.value.step) {
            ReportStep.DESCRIPTION -> {
                val text = fieldText("description")
                val address = fieldText("address")
                suspend { model.setDescription(text, address) }
            }
            ReportStep.QUESTIONS -> {
                val answers = typedAnswers()
                suspend { model.setAnswers(answers) }
            }
            else -> null
        }
        act {
            keep?.invoke()
            model.back()
        }
    }

    private fun stepTitle(s: ReportFlowState): String = when {
        s.submitted != null -> t(Texts.THANK_YOU)
        s.followedInstead != null -> t(Texts.FOLLOWING)
        else -> t(
            when (s.step) {
                ReportStep.CATEGORY -> Texts.STEP_CATEGORY
                ReportStep.LOCATION -> Texts.STEP_LOCATION
                ReportStep.PHOTOS -> Texts.STEP_PHOTOS
                ReportStep.QUESTIONS -> Texts.STEP_QUESTIONS
                ReportStep.DESCRIPTION -> Texts.STEP_DESCRIPTION
                ReportStep.REVIEW -> Texts.STEP_REVIEW
            },
        )
    }

    private fun name(c: ReportCategory) = if (language == "en") c.nameEn else c.namePl

    // ---- category ----

    private fun Section.Builder.categories(s: ReportFlowState) {
        load(s.categories, key = "categories") { list ->
            if (list.isEmpty()) body(t(Texts.NO_CATEGORIES), secondary = true, key = "no-categories")
            list.forEach { c ->
                val about = if (language == "en") c.descriptionEn else c.descriptionPl
                row(name(c), about, "${name(c)}. $about", key = "category-${c.id}") { act { model.chooseCategory(c.id) } }
            }
        }
    }

    // ---- location ----

    private fun Section.Builder.location(draft: ReportDraft?) {
        val p = draft?.point
        val where = if (p == null) {
            t(Texts.NO_PLACE_YET)
        } else {
            val acc = draft.accuracyM?.let { t(Texts.ACCURACY).format(Locale.ROOT, it) } ?: ""
            val src = if (draft.locationSource == LocationSource.GPS) t(Texts.FROM_GPS) else t(Texts.PIN)
            "%.5f, %.5f (%s%s)".format(Locale.ROOT, p.lat, p.lon, src, acc)
        }
        body(where, key = "where", live = true)
        button(t(Texts.USE_MY_LOCATION)) { useMyLocation() }
        if (p != null) {
            body(t(Texts.MOVE_PIN), secondary = true, key = "move-pin")
            // 5 m at the pin's latitude: the core does the geometry.
            val directions = listOf(
                Texts.NORTH to Direction.NORTH, Texts.SOUTH to Direction.SOUTH,
                Texts.WEST to Direction.WEST, Texts.EAST to Direction.EAST,
            )
            view("nudges", "nudges", { LinearLayout(this@ReportActivity).apply { orientation = LinearLayout.HORIZONTAL } }) { row ->
                row.removeAllViews()
                directions.forEach { (label, direction) ->
                    row.addView(this@ReportActivity.button(t(label), t(Texts.movePin(t(label)))) {
                        val point = model.state.value.draft?.point ?: return@button
                        val moved = nudgePoint(point, direction, NUDGE_M)
                        act { model.setLocation(moved.lat, moved.lon, source = LocationSource.PIN) }
                    })
                }
            }
        }
        // A typed value is kept across rotation (stable ids); a new pin fills them in.
        val latText = p?.lat?.let { "%.6f".format(Locale.ROOT, it) }
        val lonText = p?.lon?.let { "%.6f".format(Locale.ROOT, it) }
        field("lat", t(Texts.LATITUDE), latText, NUMBER)
        field("lon", t(Texts.LONGITUDE), lonText, NUMBER)
        button(t(Texts.SET_COORDINATES)) {
            val la = fieldText("lat").replace(',', '.').toDoubleOrNull()
            val lo = fieldText("lon").replace(',', '.').toDoubleOrNull()
            if (la != null && lo != null) act { model.setLocation(la, lo, source = LocationSource.PIN) }
        }
        if (p != null) button(t(Texts.NEXT), key = "next") { act { model.next() } }
    }

    /**
     * A labelled text field: the label a TextView with `labelFor` (TalkBack
     * reads it and the typed text; a content description would hide the
     * text), the value set when [value] changes, not on every render.
     */
    private fun Section.Builder.field(name: String, label: String, value: String?, type: Int, lines: Int = 1) {
        val fieldId = stableId("report-$name")
        view("label", name, { this@ReportActivity.body(label).apply { labelFor = fieldId } }) { it.setTextIfChanged(label) }
        view("field", name, {
            EditText(this@ReportActivity).apply {
                hint = label
                inputType = type
                if (lines > 1) minLines = lines
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                minimumHeight = dp(48)
                id = fieldId
                tag = value
                setText(value.orEmpty())
            }
        }) { f ->
            if (f.tag != value) {
                f.tag = value
                f.setText(value.orEmpty())
            }
        }
    }

    private fun fieldText(name: String): String =
        findViewById<EditText>(stableId("report-$name"))?.text?.toString().orEmpty()

    private fun useMyLocation() {
        val granted = checkSelfPermission(Manifest.permission.ACCESS_FINE_LOCATION) == PackageManager.PERMISSION_GRANTED ||
            checkSelfPermission(Manifest.permission.ACCESS_COARSE_LOCATION) == PackageManager.PERMISSION_GRANTED
        if (!granted) {
            requestPermissions(
                arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION),
                REQUEST_LOCATION,
            )
            return
        }
        val lm = getSystemService(LocationManager::class.java) ?: return
        val providers = listOf(LocationManager.GPS_PROVIDER, LocationManager.NETWORK_PROVIDER)
            .filter { runCatching { lm.isProviderEnabled(it) }.getOrDefault(false) }
        if (providers.isEmpty()) {
            showProblem(Texts.LOCATION_OFF)
            return
        }
        showProblem(null)
        try {
            // The last fix at once (if there is one), then a fresh one.
            providers.mapNotNull { lm.getLastKnownLocation(it) }.maxByOrNull { it.time }?.let(::useFix)
            locating?.cancel()
            if (Build.VERSION.SDK_INT >= 30) {
                val signal = CancellationSignal().also { locating = it }
                lm.getCurrentLocation(providers.first(), signal, mainExecutor) { fix: Location? -> fix?.let(::useFix) }
            } else {
                // getCurrentLocation is API 30; Android 9 and 10 ask for one update.
                val listener = LocationListener { fix -> useFix(fix) }
                val signal = CancellationSignal().also { locating = it }
                signal.setOnCancelListener { lm.removeUpdates(listener) }
                @Suppress("DEPRECATION")
                lm.requestSingleUpdate(providers.first(), listener, Looper.getMainLooper())
            }
        } catch (_: SecurityException) {
            showProblem(Texts.LOCATION_DENIED)
        }
    }

    private fun useFix(fix: Location) {
        val accuracy = if (fix.hasAccuracy()) fix.accuracy.toDouble() else null
        act { model.setLocation(fix.latitude, fix.longitude, accuracyM = accuracy, source = LocationSource.GPS) }
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        when (requestCode) {
            REQUEST_LOCATION ->
                if (grantResults.any { it == PackageManager.PERMISSION_GRANTED }) useMyLocation() else showProblem(Texts.LOCATION_DENIED)
            // Refused notifications change nothing here: the report's fate is in "My reports".
            REQUEST_NOTIFICATIONS -> Unit
        }
    }

    // ---- photos ----

    private fun Section.Builder.photos(s: ReportFlowState) {
        val draft = s.draft ?: return
        body(rules.photosHint, secondary = true, key = "photos-hint")
        draft.photos.forEachIndexed { i, p ->
            val n = i + 1
            view("thumb", p.id, {
                ImageView(this@ReportActivity).apply {
                    // Decoded once, when the photo first shows (not at every render).
                    val opts = BitmapFactory.Options().apply { inSampleSize = 8 }
                    setImageBitmap(BitmapFactory.decodeFile(p.path, opts))
                    adjustViewBounds = true
                    maxHeight = dp(160)
                }
            }) { it.contentDescription = t(Texts.photo(n)) }
            button(t(Texts.removePhoto(n)), key = "remove-${p.id}") { act { model.removePhoto(p.id) } }
        }
        if (s.canAddPhoto) {
            button(t(Texts.TAKE_PHOTO)) { picker.takePhoto() }
            button(t(Texts.FROM_GALLERY)) { picker.fromGallery() }
        }
        button(if (draft.photos.isEmpty()) t(Texts.NEXT_WITHOUT_PHOTO) else t(Texts.NEXT), key = "next") { act { model.next() } }
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

    // ---- questions ----

    private fun Section.Builder.questions(category: ReportCategory?, draft: ReportDraft?) {
        val attributes = category?.attributes.orEmpty()
        attributes.forEach { a ->
            val label = (if (language == "en") a.labelEn else a.labelPl) + if (a.required) t(Texts.REQUIRED) else ""
            val answer = draft?.answers?.get(a.code)
            when (a.datatype) {
                AttributeType.SINGLE_CHOICE -> choice(a, label, answer)
                AttributeType.NUMBER -> field("q-${a.code}", label, answer, InputType.TYPE_CLASS_NUMBER)
                AttributeType.TEXT -> field("q-${a.code}", label, answer, InputType.TYPE_CLASS_TEXT)
            }
        }
        button(t(Texts.NEXT), key = "next") {
            val answers = typedAnswers()
            act {
                model.setAnswers(answers)
                if (model.state.value.error == null) model.next()
            }
        }
    }

    /** The questions' answers as shown on screen (a choice, or the typed text). */
    private fun typedAnswers(): Map<String, String?> =
        model.state.value.category?.attributes.orEmpty().associate { a ->
            a.code to when (a.datatype) {
                AttributeType.SINGLE_CHOICE -> findViewById<RadioGroup>(stableId("report-q-${a.code}"))
                    ?.let { g -> g.findViewById<RadioButton>(g.checkedRadioButtonId)?.tag as? String }
                else -> fieldText("q-${a.code}")
            }
        }

    private fun Section.Builder.choice(a: CategoryAttribute, label: String, answer: String?) {
        heading(label, level = 3, key = "q-${a.code}")
        view("choice", a.code, {
            RadioGroup(this@ReportActivity).apply {
                id = stableId("report-q-${a.code}")
                a.values.forEach { v ->
                    addView(RadioButton(context).apply {
                        text = if (language == "en") v.nameEn else v.namePl
                        tag = v.key
                        id = stableId("report-q-${a.code}-${v.key}")
                        minimumHeight = dp(48)
                        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                        isChecked = v.key == answer
                    })
                }
            }
        })
    }

    // ---- description ----

    private fun Section.Builder.description(draft: ReportDraft?) {
        field("description", rules.descriptionHint, draft?.description, DESCRIPTION, lines = 4)
        field("address", t(Texts.ADDRESS_HINT), draft?.address, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_POSTAL_ADDRESS)
        button(t(Texts.NEXT), key = "next") {
            val text = fieldText("description")
            val address = fieldText("address")
            act {
                model.setDescription(text, address)
                if (model.state.value.error == null) model.next()
            }
        }
    }

    // ---- review ----

    private fun Section.Builder.review(r: ReportReview, busy: Boolean) {
        val d = r.draft
        r.category?.let { body(t(Texts.CATEGORY) + name(it), key = "category") }
        d.point?.let {
            body(t(Texts.PLACE) + "%.5f, %.5f".format(Locale.ROOT, it.lat, it.lon) + (d.address?.let { a -> " ($a)" } ?: ""), key = "place")
        }
        body(t(Texts.PHOTOS) + d.photos.size, key = "photos")
        r.category?.attributes?.forEach { a ->
            val v = d.answers[a.code] ?: return@forEach
            val shown = a.values.find { it.key == v }?.let { if (language == "en") it.nameEn else it.namePl } ?: v
            body((if (language == "en") a.labelEn else a.labelPl) + ": " + shown, key = "answer-${a.code}")
        }
        if (d.description.isNotBlank()) body(d.description, key = "description")

        r.problem?.let { p ->
            error(UserError(p.code, p.messagePl, p.messageEn, p.field), key = "problem")
            button(t(Texts.FIX_IT)) { act { model.goTo(p.step) } }
        }
        if (r.possibleDuplicates.isNotEmpty()) {
            heading(t(Texts.MAYBE_REPORTED), key = "duplicates")
            r.possibleDuplicates.forEach { s ->
                val status = ReportStatusLabels.label(s.status, language)
                val line = t(Texts.DUPLICATE_LINE).format(status, repo.core.formatDistance(s.distanceM), s.description)
                body(line, key = "duplicate-${s.id}")
                button(t(Texts.follow(s.id)), key = "follow-${s.id}") { act { model.followInstead(s.id) } }
            }
        }
        if (r.problem == null) {
            val send = if (r.possibleDuplicates.isEmpty()) Texts.SEND else Texts.SEND_ANYWAY
            button(t(send), key = "send", enabled = !busy) {
                act {
                    if (model.submit() != null) {
                        // At once when online; otherwise the job sends it when a network is back.
                        runCatching { repo.flushOutbox() }
                        Outbox.scheduleIfPending(this@ReportActivity, repo)
                    }
                }
            }
        }
    }

    private fun Section.Builder.submitted(s: ReportFlowState) {
        body(t(Texts.SUBMITTED), key = "submitted", live = true)
        button(t(Texts.MY_REPORTS)) {
            open(MyReportsActivity::class.java) { s.submitted?.let { putExtra(MyReportsActivity.EXTRA_LOCAL_ID, it.localId) } }
            finish()
        }
        askForNotifications()
    }

    /**
     * Once a report is made, the resident has a reason to be told when its
     * status changes: Android 13+ asks for the notification permission then
     * (never at launch, as Android's guidance asks).
     */
    private fun askForNotifications() {
        if (Build.VERSION.SDK_INT < 33 || asked) return
        asked = true
        if (checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED) {
            requestPermissions(arrayOf(Manifest.permission.POST_NOTIFICATIONS), REQUEST_NOTIFICATIONS)
        }
    }

    private var asked = false

    companion object {
        /** A draft (or an edited failed report) to continue. */
        const val EXTRA_DRAFT_ID = "draft_id"

        /** A new barrier report at this place (Long): the core fills it in. */
        const val EXTRA_BARRIER_PLACE_ID = "barrier_place_id"

        /** How far one nudge moves the pin. */
        private const val NUDGE_M = 5.0
        private const val REQUEST_LOCATION = 1
        private const val REQUEST_NOTIFICATIONS = 4
        private const val NUMBER = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL or InputType.TYPE_NUMBER_FLAG_SIGNED
        private const val DESCRIPTION = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES
    }
}
